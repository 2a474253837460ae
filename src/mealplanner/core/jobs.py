"""Background jobs: a registry of handlers, two queues, and enqueue-after-commit.

Why our own ~300 lines instead of arq/saq/taskiq: arq pins `redis<6` and saq pins `redis<8`,
and the app runs on redis-py 8; taskiq wants its broker built at import time and decorates
functions globally, which fights the composition root. What we need is small: a reliable
Redis list queue (`BLMOVE` into a per-worker processing list, recovered when a worker dies),
delayed retries in a sorted set with exponential backoff and jitter, and idempotency keys
(`SET NX`). Without Redis the same handlers run in-process as asyncio tasks.

Handlers receive the `AppState` and a JSON payload. They must be idempotent: a job may run
more than once (a worker can die after the work and before the acknowledgement).

Jobs are *deferred* on the SQLAlchemy session (`defer_job`) and only handed to the queue after
that session commits; a rollback drops them (see `flush_deferred_jobs`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import structlog
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from mealplanner.core.cache import deletes_repeated_after_commit
from mealplanner.core.db import after_commit, take_committed

if TYPE_CHECKING:
    from mealplanner.core.state import AppState

log = structlog.get_logger("mealplanner.jobs")

JobHandler = Callable[["AppState", dict[str, Any]], Awaitable[None]]

_AFTER_COMMIT_KIND = "jobs"


class PermanentJobError(Exception):
    """Raised by a handler when retrying cannot help (bad input): the job fails at once."""


@dataclass(frozen=True, slots=True)
class JobSpec:
    name: str
    handler: JobHandler
    max_tries: int = 5
    base_delay: float = 2.0
    max_delay: float = 600.0
    timeout: float = 300.0

    def backoff(self, tries: int) -> float:
        """Exponential backoff with full jitter: base * 2^(tries-1), capped, randomised."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** max(tries - 1, 0)))
        return random.uniform(ceiling / 2, ceiling)


_registry: dict[str, JobSpec] = {}


def register_job(
    name: str,
    handler: JobHandler,
    *,
    max_tries: int = 5,
    base_delay: float = 2.0,
    max_delay: float = 600.0,
    timeout: float = 300.0,
) -> JobSpec:
    """Registers (or replaces) the handler of a job name; domains call it from `tasks.py`."""
    spec = JobSpec(name, handler, max_tries, base_delay, max_delay, timeout)
    _registry[name] = spec
    return spec


def get_job(name: str) -> JobSpec | None:
    return _registry.get(name)


def registered_jobs() -> list[str]:
    return sorted(_registry)


@dataclass(slots=True)
class Job:
    name: str
    payload: dict[str, Any]
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    key: str | None = None
    tries: int = 0
    last_error: str | None = None

    def dumps(self) -> bytes:
        return json.dumps(
            {
                "id": self.id,
                "name": self.name,
                "payload": self.payload,
                "key": self.key,
                "tries": self.tries,
                "lastError": self.last_error,
            }
        ).encode()

    @classmethod
    def loads(cls, raw: bytes | str) -> Job:
        data = json.loads(raw)
        return cls(
            name=data["name"],
            payload=data["payload"],
            id=data["id"],
            key=data.get("key"),
            tries=int(data.get("tries", 0)),
            last_error=data.get("lastError"),
        )


class JobQueue(Protocol):
    async def enqueue(
        self,
        name: str,
        payload: dict[str, Any] | None = None,
        *,
        key: str | None = None,
        delay: float = 0,
    ) -> bool:
        """Queues a job; False when a job with the same idempotency `key` was already queued."""
        ...

    async def depth(self) -> int: ...

    async def close(self) -> None: ...


async def _run_once(state: AppState, spec: JobSpec, job: Job) -> None:
    structlog.contextvars.bind_contextvars(jobId=job.id, job=job.name)
    try:
        await asyncio.wait_for(spec.handler(state, job.payload), timeout=spec.timeout)
    finally:
        structlog.contextvars.unbind_contextvars("jobId", "job")


def _retry_after(spec: JobSpec, job: Job, exc: Exception) -> float | None:
    """After a failed try: the backoff before the next one, or None when the job has failed
    for good (a permanent error or no tries left). Logs either way; both queues use it."""
    job.last_error = type(exc).__name__
    if isinstance(exc, PermanentJobError) or job.tries >= spec.max_tries:
        log.error("job_failed", job=job.name, jobId=job.id, tries=job.tries, exc_info=exc)
        return None
    wait = spec.backoff(job.tries)
    log.warning(
        "job_retry",
        job=job.name,
        jobId=job.id,
        tries=job.tries,
        retryIn=round(wait, 2),
        error=job.last_error,
    )
    return wait


class InProcessJobQueue:
    """The embedded default: jobs run as asyncio tasks in the server, with the same retries.

    Jobs do not survive a restart; that is the price of running without Redis.
    """

    def __init__(self, state: AppState, *, key_ttl_seconds: float = 86400) -> None:
        self._state = state
        self._tasks: set[asyncio.Task[None]] = set()
        self._keys: dict[str, float] = {}
        self._key_ttl = key_ttl_seconds
        self.failed: list[Job] = []

    async def enqueue(
        self,
        name: str,
        payload: dict[str, Any] | None = None,
        *,
        key: str | None = None,
        delay: float = 0,
    ) -> bool:
        now = time.monotonic()
        if key is not None:
            self._keys = {k: t for k, t in self._keys.items() if now - t < self._key_ttl}
            if key in self._keys:
                return False
            self._keys[key] = now
        job = Job(name=name, payload=payload or {}, key=key)
        task = asyncio.create_task(self._run(job, delay), name=f"job:{name}:{job.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    async def _run(self, job: Job, delay: float) -> None:
        spec = get_job(job.name)
        if spec is None:
            log.error("job_unknown", job=job.name)
            return
        if delay:
            await asyncio.sleep(delay)
        while True:
            job.tries += 1
            try:
                await _run_once(self._state, spec, job)
                log.info("job_done", job=job.name, jobId=job.id, tries=job.tries)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                wait = _retry_after(spec, job, exc)
                if wait is None:
                    self.failed.append(job)
                    return
                await asyncio.sleep(wait)

    async def depth(self) -> int:
        return len(self._tasks)

    async def drain(self, max_wait: float = 30) -> None:
        """Waits for every queued job (tests, graceful shutdown)."""
        deadline = time.monotonic() + max_wait
        while self._tasks and time.monotonic() < deadline:
            await asyncio.wait(set(self._tasks), timeout=deadline - time.monotonic())

    async def close(self) -> None:
        with contextlib.suppress(TimeoutError):
            await self.drain(max_wait=10)
        for task in list(self._tasks):
            task.cancel()


class RedisJobQueue:
    """A reliable Redis queue.

    Keys (under `prefix`): `queue` (list of ready jobs, pushed left, popped right),
    `scheduled` (sorted set of delayed jobs by due time), `processing:{worker}` (jobs a worker
    holds), `worker:{worker}` (its heartbeat), `key:{key}` (idempotency), `dead` (failed jobs,
    without their payload: payloads can hold secrets).
    """

    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str = "mealplanner:jobs",
        key_ttl_seconds: int = 86400,
        dead_letter_limit: int = 1000,
        blocking_redis: Redis | None = None,
    ) -> None:
        self.redis = redis
        # Workers block on BLMOVE for seconds; the app's client has a short socket timeout
        # (so requests never stall on Redis), hence a second client for the blocking pop.
        self.blocking_redis = blocking_redis or redis
        self.prefix = prefix
        self.key_ttl = key_ttl_seconds
        self.dead_letter_limit = dead_letter_limit

    def _k(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    async def enqueue(
        self,
        name: str,
        payload: dict[str, Any] | None = None,
        *,
        key: str | None = None,
        delay: float = 0,
    ) -> bool:
        job = Job(name=name, payload=payload or {}, key=key)
        if key is not None and not await self.redis.set(
            self._k("key", key), job.id, nx=True, ex=self.key_ttl
        ):
            return False
        await self._push(job, delay)
        return True

    async def _push(self, job: Job, delay: float) -> None:
        if delay > 0:
            await self.redis.zadd(self._k("scheduled"), {job.dumps(): time.time() + delay})
        else:
            await self.redis.lpush(self._k("queue"), job.dumps())

    async def depth(self) -> int:
        ready = await self.redis.llen(self._k("queue"))
        scheduled = await self.redis.zcard(self._k("scheduled"))
        return int(ready) + int(scheduled)

    async def dead_letters(self) -> list[dict[str, Any]]:
        raw = await self.redis.lrange(self._k("dead"), 0, -1)
        return [json.loads(item) for item in raw]

    async def close(self) -> None:
        if self.blocking_redis is not self.redis:
            await self.blocking_redis.aclose()

    async def promote_due(self) -> int:
        """Moves delayed jobs that are due onto the ready list; ZREM makes it race-free."""
        due = await self.redis.zrangebyscore(self._k("scheduled"), "-inf", time.time(), 0, 100)
        moved = 0
        for item in due:
            raw = item if isinstance(item, bytes | str) else str(item)
            if await self.redis.zrem(self._k("scheduled"), raw):
                await self.redis.lpush(self._k("queue"), raw)
                moved += 1
        return moved

    async def recover_orphans(self) -> int:
        """Requeues jobs held by workers whose heartbeat expired (they died mid-job)."""
        recovered = 0
        async for name in self.redis.scan_iter(match=self._k("processing", "*")):
            key = name.decode() if isinstance(name, bytes) else str(name)
            worker = key.rsplit(":", 1)[1]
            if await self.redis.exists(self._k("worker", worker)):
                continue
            while await self.redis.lmove(key, self._k("queue"), "RIGHT", "LEFT"):
                recovered += 1
        if recovered:
            log.warning("jobs_recovered", count=recovered)
        return recovered


class Worker:
    """Consumes a `RedisJobQueue`: `mealplanner worker` runs one per process."""

    def __init__(
        self,
        state: AppState,
        queue: RedisJobQueue,
        *,
        concurrency: int = 4,
        poll_seconds: int = 1,
        worker_id: str | None = None,
    ) -> None:
        self.state = state
        self.queue = queue
        self.concurrency = concurrency
        self.poll_seconds = poll_seconds
        self.id = worker_id or f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}"
        self._stop = asyncio.Event()
        self.processed = 0

    @property
    def _processing(self) -> str:
        return self.queue._k("processing", self.id)

    async def heartbeat(self) -> None:
        await self.queue.redis.set(self.queue._k("worker", self.id), b"1", ex=30)

    def stop(self) -> None:
        self._stop.set()

    async def run(self, *, burst: bool = False) -> None:
        """Runs until `stop()`; with `burst=True`, returns once the queue is empty."""
        await self.heartbeat()
        await self.queue.recover_orphans()
        slots = asyncio.Semaphore(self.concurrency)
        running: set[asyncio.Task[None]] = set()
        last_beat = time.monotonic()
        try:
            while not self._stop.is_set():
                if time.monotonic() - last_beat > 10:
                    await self.heartbeat()
                    await self.queue.recover_orphans()
                    last_beat = time.monotonic()
                await self.queue.promote_due()
                await slots.acquire()
                raw = await self.queue.blocking_redis.blmove(
                    self.queue._k("queue"), self._processing, self.poll_seconds, "RIGHT", "LEFT"
                )
                if raw is None:
                    slots.release()
                    if burst and not running and await self.queue.depth() == 0:
                        return
                    continue
                data = raw if isinstance(raw, bytes) else str(raw).encode()
                task = asyncio.create_task(self._handle(data, slots))
                running.add(task)
                task.add_done_callback(running.discard)
        finally:
            if running:
                await asyncio.wait(running)
            await self.queue.redis.delete(self.queue._k("worker", self.id))

    async def _handle(self, raw: bytes, slots: asyncio.Semaphore) -> None:
        try:
            await self.process(raw)
        finally:
            await self.queue.redis.lrem(self._processing, 1, raw)  # type: ignore[arg-type]
            slots.release()

    async def process(self, raw: bytes) -> None:
        job = Job.loads(raw)
        spec = get_job(job.name)
        if spec is None:
            log.error("job_unknown", job=job.name, jobId=job.id)
            await self._dead(job, "unknown job")
            return
        job.tries += 1
        try:
            await _run_once(self.state, spec, job)
        except Exception as exc:
            wait = _retry_after(spec, job, exc)
            if wait is None:
                await self._dead(job, job.last_error or "failed")
                return
            await self.queue._push(job, wait)
            return
        self.processed += 1
        log.info("job_done", job=job.name, jobId=job.id, tries=job.tries)

    async def _dead(self, job: Job, error: str) -> None:
        entry = json.dumps(
            {
                "id": job.id,
                "name": job.name,
                "tries": job.tries,
                "error": error,
                "failedAt": time.time(),
            }
        )
        dead = self.queue._k("dead")
        await self.queue.redis.lpush(dead, entry)
        await self.queue.redis.ltrim(dead, 0, self.queue.dead_letter_limit - 1)


# --- enqueue after commit -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeferredJob:
    name: str
    payload: dict[str, Any]
    key: str | None = None
    delay: float = 0


def defer_job(
    session: AsyncSession | Session,
    name: str,
    payload: dict[str, Any] | None = None,
    *,
    key: str | None = None,
    delay: float = 0,
) -> None:
    """Queues `name` once this session's transaction commits; a rollback forgets it."""
    after_commit(session, _AFTER_COMMIT_KIND, DeferredJob(name, payload or {}, key, delay))


async def flush_deferred_jobs(session: AsyncSession, queue: JobQueue | None) -> int:
    """Hands the jobs of committed transactions to the queue; call after the unit of work."""
    jobs: list[DeferredJob] = take_committed(session, _AFTER_COMMIT_KIND)
    if queue is None:
        return 0
    for job in jobs:
        try:
            await queue.enqueue(job.name, job.payload, key=job.key, delay=job.delay)
        except Exception as exc:  # the data is committed; a lost job is logged, not raised
            log.error("job_enqueue_failed", job=job.name, exc_info=exc)
    return len(jobs)


@asynccontextmanager
async def unit_of_work(state: AppState) -> AsyncIterator[AsyncSession]:
    """A job's (or the scheduler's) transaction: commit at the end, then queue its jobs."""
    async with deletes_repeated_after_commit(), state.db.session() as session:
        yield session
    for hook in state.commit_hooks:
        await hook(session)
    await flush_deferred_jobs(session, state.jobs)
