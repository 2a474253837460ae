"""The job system: retries with backoff, idempotency keys, enqueue-after-commit, Redis worker."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import text

from mealplanner.core.jobs import (
    InProcessJobQueue,
    JobSpec,
    PermanentJobError,
    RedisJobQueue,
    Worker,
    defer_job,
    flush_deferred_jobs,
    register_job,
)
from mealplanner.core.state import AppState
from tests.fixtures.backends import REDIS_BASE_URL, reachable

calls: dict[str, list[dict[str, Any]]] = {}
failures_left: dict[str, int] = {}


async def flaky(_state: AppState, payload: dict[str, Any]) -> None:
    name = payload["id"]
    calls.setdefault(name, []).append(payload)
    if failures_left.get(name, 0) > 0:
        failures_left[name] -= 1
        raise RuntimeError("temporary failure")


async def broken(_state: AppState, payload: dict[str, Any]) -> None:
    calls.setdefault(payload["id"], []).append(payload)
    raise PermanentJobError("bad input")


register_job("test.flaky", flaky, max_tries=3, base_delay=0.01, max_delay=0.05)
register_job("test.broken", broken, max_tries=5, base_delay=0.01)


def _id() -> str:
    return uuid.uuid4().hex


def test_backoff_grows_exponentially_and_is_capped() -> None:
    spec = JobSpec("x", flaky, base_delay=2, max_delay=30)
    for tries, ceiling in ((1, 2), (2, 4), (3, 8), (4, 16), (5, 30), (9, 30)):
        delay = spec.backoff(tries)
        assert ceiling / 2 <= delay <= ceiling


async def test_in_process_retries_then_succeeds(state: AppState) -> None:
    queue = InProcessJobQueue(state)
    job = _id()
    failures_left[job] = 2
    assert await queue.enqueue("test.flaky", {"id": job})
    await queue.drain()
    assert len(calls[job]) == 3
    assert queue.failed == []


async def test_in_process_gives_up_after_max_tries(state: AppState) -> None:
    queue = InProcessJobQueue(state)
    job = _id()
    failures_left[job] = 10
    await queue.enqueue("test.flaky", {"id": job})
    await queue.drain()
    assert len(calls[job]) == 3
    assert [j.name for j in queue.failed] == ["test.flaky"]


async def test_permanent_errors_are_not_retried(state: AppState) -> None:
    queue = InProcessJobQueue(state)
    job = _id()
    await queue.enqueue("test.broken", {"id": job})
    await queue.drain()
    assert len(calls[job]) == 1


async def test_idempotency_key_runs_a_job_once(state: AppState) -> None:
    queue = InProcessJobQueue(state)
    job = _id()
    assert await queue.enqueue("test.flaky", {"id": job}, key=f"k:{job}")
    assert not await queue.enqueue("test.flaky", {"id": job}, key=f"k:{job}")
    await queue.drain()
    assert len(calls[job]) == 1


async def test_jobs_are_enqueued_after_commit_and_dropped_on_rollback(state: AppState) -> None:
    queue = InProcessJobQueue(state)
    committed, rolled_back = _id(), _id()
    async with state.db.session() as session:
        await session.execute(text("SELECT 1"))
        defer_job(session, "test.flaky", {"id": committed})
        assert await queue.depth() == 0  # nothing before the commit
    assert await flush_deferred_jobs(session, queue) == 1

    failed_session = None

    async def failing_request() -> None:
        nonlocal failed_session
        async with state.db.session() as session:
            failed_session = session
            await session.execute(text("SELECT 1"))
            defer_job(session, "test.flaky", {"id": rolled_back})
            raise RuntimeError("request failed")

    with pytest.raises(RuntimeError):
        await failing_request()
    assert failed_session is not None
    assert await flush_deferred_jobs(failed_session, queue) == 0
    await queue.drain()
    assert committed in calls
    assert rolled_back not in calls


# --- Redis ----------------------------------------------------------------------------------


@pytest.fixture
async def redis_queue() -> AsyncIterator[RedisJobQueue]:
    if not reachable("127.0.0.1", 6379):
        pytest.skip("Redis not reachable on 127.0.0.1:6379")
    client = Redis.from_url(f"{REDIS_BASE_URL}/15")
    blocking = Redis.from_url(f"{REDIS_BASE_URL}/15", socket_timeout=10)
    queue = RedisJobQueue(client, prefix=f"test:{_id()}", blocking_redis=blocking)
    yield queue
    async for key in client.scan_iter(match=f"{queue.prefix}:*"):
        await client.delete(key)
    await queue.close()
    await client.aclose()


async def test_redis_worker_retries_with_backoff(
    redis_queue: RedisJobQueue, state: AppState
) -> None:
    job = _id()
    failures_left[job] = 2
    await redis_queue.enqueue("test.flaky", {"id": job})
    worker = Worker(state, redis_queue, poll_seconds=1)
    await asyncio.wait_for(worker.run(burst=True), timeout=20)
    assert len(calls[job]) == 3
    assert worker.processed == 1
    assert await redis_queue.depth() == 0


async def test_redis_dead_letters_without_payload(
    redis_queue: RedisJobQueue, state: AppState
) -> None:
    job = _id()
    await redis_queue.enqueue("test.broken", {"id": job, "secret": "s3cret"})
    await asyncio.wait_for(Worker(state, redis_queue).run(burst=True), timeout=20)
    [dead] = await redis_queue.dead_letters()
    assert dead["name"] == "test.broken"
    assert "s3cret" not in str(dead)


async def test_redis_idempotency_key(redis_queue: RedisJobQueue, state: AppState) -> None:
    job = _id()
    assert await redis_queue.enqueue("test.flaky", {"id": job}, key=job)
    assert not await redis_queue.enqueue("test.flaky", {"id": job}, key=job)
    await asyncio.wait_for(Worker(state, redis_queue).run(burst=True), timeout=20)
    assert len(calls[job]) == 1


async def test_redis_recovers_jobs_of_a_dead_worker(
    redis_queue: RedisJobQueue, state: AppState
) -> None:
    job = _id()
    await redis_queue.enqueue("test.flaky", {"id": job})
    # A worker took the job and died: it sits in that worker's processing list, no heartbeat.
    await redis_queue.redis.lmove(
        redis_queue._k("queue"), redis_queue._k("processing", "dead-worker"), "RIGHT", "LEFT"
    )
    assert await redis_queue.depth() == 0
    await asyncio.wait_for(Worker(state, redis_queue).run(burst=True), timeout=20)
    assert len(calls[job]) == 1
