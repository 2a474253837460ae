"""Wires storage, email and the job system onto `AppState`; runs the worker process.

The server and `mealplanner worker` build the same state. With Redis, the server only
enqueues and `mealplanner worker` (any number of them) consumes the queue and runs the
scheduler. Without Redis (the embedded default), jobs run as asyncio tasks in the server and
the server runs the scheduler itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal

import structlog
from redis.asyncio import Redis

from mealplanner.core.jobs import InProcessJobQueue, RedisJobQueue, Worker
from mealplanner.core.state import AppState
from mealplanner.core.storage import build_storage, set_media_base_url
from mealplanner.notifications.email import build_mailer

log = structlog.get_logger("mealplanner.background")

_SCHEDULER_TASK = "background.scheduler_task"
_SCHEDULER_STOP = "background.scheduler_stop"


def register_jobs() -> None:
    """Imports every domain's `tasks` module: importing registers its job handlers."""
    from mealplanner.ai import tasks as ai_tasks
    from mealplanner.imports import tasks as import_tasks
    from mealplanner.media import tasks as media_tasks
    from mealplanner.notifications import tasks as notification_tasks

    del ai_tasks, import_tasks, media_tasks, notification_tasks


def install_background(state: AppState) -> None:
    """Storage, mailer and job queue for `state` (no I/O: nothing connects here)."""
    register_jobs()
    settings = state.settings
    state.storage = build_storage(settings, settings.resolve_jwt_secret())
    set_media_base_url(getattr(state.storage, "public_base_url", None))
    state.mailer = build_mailer(settings)
    if state.redis is not None and settings.redis_url:
        blocking = Redis.from_url(
            settings.redis_url,
            socket_timeout=30,
            socket_connect_timeout=settings.redis_timeout_seconds * 4,
        )
        state.jobs = RedisJobQueue(state.redis, blocking_redis=blocking)
    else:
        state.jobs = InProcessJobQueue(state)


async def start_background(state: AppState) -> None:
    """In embedded mode the server runs the scheduler (never under tests: they drive ticks)."""
    settings = state.settings
    if state.redis is None and settings.scheduler_enabled and settings.env != "test":
        from mealplanner.notifications import scheduler

        stop = asyncio.Event()
        state.extras[_SCHEDULER_STOP] = stop
        state.extras[_SCHEDULER_TASK] = asyncio.create_task(scheduler.run_forever(state, stop))


async def stop_background(state: AppState) -> None:
    stop = state.extras.pop(_SCHEDULER_STOP, None)
    task = state.extras.pop(_SCHEDULER_TASK, None)
    if stop is not None:
        stop.set()
    if task is not None:
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(task, timeout=10)
    if state.jobs is not None:
        await state.jobs.close()


async def run_worker(state: AppState, *, burst: bool = False, with_scheduler: bool = True) -> int:
    """`mealplanner worker`: consume the Redis queue (and tick the scheduler) until signalled."""
    from mealplanner.notifications import scheduler

    if not isinstance(state.jobs, RedisJobQueue):
        raise RuntimeError(
            "the worker needs MEALPLANNER_REDIS_URL (without Redis the server runs jobs)"
        )
    worker = Worker(state, state.jobs, concurrency=state.settings.worker_concurrency)
    stop = asyncio.Event()

    def shutdown() -> None:
        stop.set()
        worker.stop()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, shutdown)
    log.info("worker_started", worker=worker.id, concurrency=worker.concurrency)
    scheduler_task = (
        asyncio.create_task(scheduler.run_forever(state, stop))
        if with_scheduler and state.settings.scheduler_enabled and not burst
        else None
    )
    try:
        await worker.run(burst=burst)
    finally:
        stop.set()
        if scheduler_task is not None:
            await scheduler_task
    log.info("worker_stopped", worker=worker.id, processed=worker.processed)
    return worker.processed
