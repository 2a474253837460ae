"""The scheduler: a tick every few minutes decides what is due, in each user's own timezone.

- Meal-plan reminder: Sunday from 09:00 local time; weekly summary: Saturday from 18:00.
  A tick that finds the user's local time past the hour *on that day* claims the week's
  delivery row (`notification_deliveries`, unique per user, kind and ISO week) and queues the
  email. The insert-or-skip is the guarantee: any number of schedulers (two workers, or a
  worker restarted mid-tick) queue each email at most once per week, and a scheduler that
  was down at 09:00 catches up later that day.
- Maintenance: temp-upload cleanup every hour, recommendation refresh once a day (when a
  domain registered the `recommendations.refresh` job).

The clock is `mealplanner.core.clock.utcnow` (or an explicit `now`), so tests move time.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import structlog

from mealplanner.core.clock import utcnow
from mealplanner.core.jobs import get_job, unit_of_work
from mealplanner.core.state import AppState
from mealplanner.notifications import service
from mealplanner.notifications.repository import (
    DeliveryRepository,
    SchedulerRunRepository,
    users_batch,
)
from mealplanner.users import service as user_service
from mealplanner.users.models import User

log = structlog.get_logger("mealplanner.scheduler")

SCHEDULER_RUN = "scheduler"
CLEAN_TEMP_UPLOADS_JOB = "media.clean_temp_uploads"
REFRESH_RECOMMENDATIONS_JOB = "recommendations.refresh"
BATCH = 500


@dataclass(frozen=True, slots=True)
class WeeklySchedule:
    kind: str
    weekday: int  # Monday = 0
    at: time


SCHEDULES = (
    WeeklySchedule(service.MEAL_PLAN_REMINDER, weekday=6, at=time(9, 0)),
    WeeklySchedule(service.WEEKLY_SUMMARY, weekday=5, at=time(18, 0)),
)


@dataclass(slots=True)
class TickResult:
    at: datetime
    users_checked: int = 0
    queued: dict[str, int] = field(default_factory=dict)
    maintenance: list[str] = field(default_factory=list)


def user_timezone(user: User) -> tzinfo:
    try:
        return ZoneInfo(user_service.read_preferences(user).timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def due_period(now: datetime, tz: tzinfo, schedule: WeeklySchedule) -> tuple[str, date] | None:
    """The ISO-week key (and that week's Monday) when `schedule` is due at `now` in `tz`."""
    local = now.astimezone(tz)
    if local.weekday() != schedule.weekday or local.time() < schedule.at:
        return None
    year, week, weekday = local.isocalendar()
    monday = local.date() - timedelta(days=weekday - 1)
    return f"{year}-W{week:02d}", monday


def _context(state: AppState, kind: str, monday: date) -> dict[str, str]:
    if kind == service.MEAL_PLAN_REMINDER:
        next_monday = monday + timedelta(days=7)
        return {"plan_url": service.app_url(state, f"/meal-plans?week={next_monday}")}
    return {"week_start": monday.isoformat()}


async def _claim_and_queue(
    state: AppState, user: User, schedule: WeeklySchedule, period: str, monday: date
) -> bool:
    # One short write-first transaction per claim: on SQLite a long read-then-write
    # transaction would fail instead of waiting when another scheduler writes first.
    async with unit_of_work(state) as session:
        delivery_id = await DeliveryRepository(session).claim(user.id, schedule.kind, period)
        if delivery_id is None:
            return False
        service.queue_email(
            session,
            user.id,
            schedule.kind,
            _context(state, schedule.kind, monday),
            key=f"{schedule.kind}:{user.id}:{period}",
            delivery_id=delivery_id,
        )
    return True


async def _maintenance(state: AppState, now: datetime, result: TickResult) -> None:
    if state.jobs is None:
        return
    if get_job(CLEAN_TEMP_UPLOADS_JOB) and await state.jobs.enqueue(
        CLEAN_TEMP_UPLOADS_JOB, {}, key=f"{CLEAN_TEMP_UPLOADS_JOB}:{now:%Y%m%d%H}"
    ):
        result.maintenance.append(CLEAN_TEMP_UPLOADS_JOB)
    if get_job(REFRESH_RECOMMENDATIONS_JOB) and await state.jobs.enqueue(
        REFRESH_RECOMMENDATIONS_JOB, {}, key=f"{REFRESH_RECOMMENDATIONS_JOB}:{now:%Y%m%d}"
    ):
        result.maintenance.append(REFRESH_RECOMMENDATIONS_JOB)


async def tick(state: AppState, now: datetime | None = None) -> TickResult:
    """One pass over every active user; safe to run concurrently in several processes."""
    now = now or utcnow()
    result = TickResult(at=now)
    after = None
    while True:
        async with state.db.session() as session:
            users = list(await users_batch(session, after, BATCH))
        if not users:
            break
        after = users[-1].id
        for user in users:
            result.users_checked += 1
            wanted = user_service.read_preferences(user).notifications.model_dump()
            tz = user_timezone(user)
            for schedule in SCHEDULES:
                if not wanted.get(schedule.kind, False):
                    continue
                due = due_period(now, tz, schedule)
                if due is not None and await _claim_and_queue(state, user, schedule, *due):
                    result.queued[schedule.kind] = result.queued.get(schedule.kind, 0) + 1
    await _maintenance(state, now, result)
    async with unit_of_work(state) as session:
        await SchedulerRunRepository(session).record(
            SCHEDULER_RUN,
            now,
            {
                "usersChecked": result.users_checked,
                "queued": result.queued,
                "maintenance": result.maintenance,
            },
        )
    log.info("scheduler_tick", usersChecked=result.users_checked, queued=result.queued)
    return result


async def run_forever(state: AppState, stop: asyncio.Event | None = None) -> None:
    """Ticks every `SCHEDULER_INTERVAL_SECONDS` until `stop` is set; errors are logged."""
    stop = stop or asyncio.Event()
    interval = state.settings.scheduler_interval_seconds
    while not stop.is_set():
        try:
            await tick(state)
        except Exception as exc:
            log.error("scheduler_tick_failed", exc_info=exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
