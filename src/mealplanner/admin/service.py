"""The admin console: user management, analytics from the activity log, system health."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime

from sqlalchemy.ext.asyncio import AsyncSession

from mealplanner import __version__
from mealplanner.activity import service as activity_service
from mealplanner.admin.repository import AdminUserRepository, AnalyticsRepository, day_range
from mealplanner.admin.schemas import (
    AdminUserUpdate,
    Analytics,
    AnalyticsTotals,
    ComponentHealth,
    DailyCounts,
    QueueHealth,
    SchedulerHealth,
    SystemHealth,
    TopRecipe,
)
from mealplanner.auth import service as auth_service
from mealplanner.core.errors import Conflict, ValidationFailed
from mealplanner.core.jobs import RedisJobQueue
from mealplanner.core.pagination import PageParams
from mealplanner.core.state import AppState
from mealplanner.notifications import scheduler as notification_scheduler
from mealplanner.notifications.repository import SchedulerRunRepository
from mealplanner.users import service as user_service
from mealplanner.users.models import ROLE_ADMIN, User

MAX_RANGE_DAYS = 366


async def list_users(
    session: AsyncSession,
    *,
    q: str | None,
    role: str | None,
    disabled: bool | None,
    params: PageParams,
) -> tuple[Sequence[User], int]:
    return await AdminUserRepository(session).page(q, role, disabled, params)


async def update_user(
    session: AsyncSession, actor: User, user_id: uuid.UUID, data: AdminUserUpdate
) -> User:
    """Changes a user's role or disabled flag; the last active admin can't be removed.

    Disabling revokes every session too, so refresh tokens die with the access tokens
    (which the auth layer already refuses on the next request).
    """
    user = await user_service.get_user(session, user_id)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    loses_admin = (
        user.is_admin
        and not user.disabled
        and (changes.get("role", user.role) != ROLE_ADMIN or changes.get("disabled") is True)
    )
    if loses_admin and await AdminUserRepository(session).count_active_admins() <= 1:
        raise Conflict("Cannot demote or disable the last admin")
    if "role" in changes:
        user.role = changes["role"]
    if "disabled" in changes and changes["disabled"] != user.disabled:
        user.disabled = changes["disabled"]
        if user.disabled:
            await auth_service.revoke_all_sessions(session, user.id, "disabled_by_admin")
    await session.flush()
    return user


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(start, dtime.min, tzinfo=UTC),
        datetime.combine(end + timedelta(days=1), dtime.min, tzinfo=UTC),
    )


async def analytics(session: AsyncSession, *, start: date, end: date, top: int = 10) -> Analytics:
    """Per-day counts over [start, end] (UTC days), from users and the activity log."""
    if end < start:
        raise ValidationFailed(details={"to": "must not be before from"})
    if (end - start).days >= MAX_RANGE_DAYS:
        raise ValidationFailed(details={"to": f"range is limited to {MAX_RANGE_DAYS} days"})
    lo, hi = _bounds(start, end)
    repo = AnalyticsRepository(session)
    registrations = await repo.registrations_per_day(lo, hi)
    active = await repo.active_users_per_day(lo, hi)
    planned = await repo.events_per_day(activity_service.MEAL_PLANNED, lo, hi)
    favorited = await repo.events_per_day(activity_service.RECIPE_FAVORITED, lo, hi)
    lists = await repo.events_per_day(activity_service.SHOPPING_LIST_GENERATED, lo, hi)
    daily = [
        DailyCounts(
            date=date.fromisoformat(day),
            registrations=registrations.get(day, 0),
            active_users=active.get(day, 0),
            meals_planned=planned.get(day, 0),
            recipes_favorited=favorited.get(day, 0),
            shopping_lists_generated=lists.get(day, 0),
        )
        for day in day_range(start, end)
    ]
    top_recipes = await repo.top_recipes(activity_service.MEAL_PLANNED, lo, hi, top)
    return Analytics(
        from_=start,
        to=end,
        totals=AnalyticsTotals(
            registrations=sum(registrations.values()),
            active_users=await repo.active_users(lo, hi),
            meals_planned=sum(planned.values()),
            recipes_favorited=sum(favorited.values()),
            shopping_lists_generated=sum(lists.values()),
        ),
        daily=daily,
        top_recipes=[TopRecipe(recipe_id=r, title=t, times_planned=n) for r, t, n in top_recipes],
    )


async def _probe(check: Awaitable[object], limit: float = 2.0) -> ComponentHealth:
    started = time.perf_counter()
    try:
        await asyncio.wait_for(check, timeout=limit)
    except Exception as exc:
        return ComponentHealth(status="unreachable", detail=type(exc).__name__)
    return ComponentHealth(status="ok", latency_ms=round((time.perf_counter() - started) * 1000, 2))


async def health(session: AsyncSession, state: AppState) -> SystemHealth:
    database = await _probe(state.db.ping())
    redis = (
        await _probe(state.redis.ping())
        if state.redis is not None
        else ComponentHealth(status="disabled", detail="no MEALPLANNER_REDIS_URL: in-process")
    )
    if state.storage is not None:
        storage = await _probe(state.storage.check(), limit=5)
        storage.detail = storage.detail or state.storage.name
    else:
        storage = ComponentHealth(status="disabled")
    depth: int | None = None
    if state.jobs is not None:
        try:
            depth = await asyncio.wait_for(state.jobs.depth(), timeout=2)
        except Exception:
            depth = None
    run = None
    if database.status == "ok":
        for candidate in await SchedulerRunRepository(session).all():
            if candidate.name == notification_scheduler.SCHEDULER_RUN:
                run = candidate
    degraded = (
        database.status != "ok"
        or redis.status == "unreachable"
        or (storage.status == "unreachable")
    )
    return SystemHealth(
        status="degraded" if degraded else "ok",
        version=__version__,
        database=database,
        redis=redis,
        storage=storage,
        queue=QueueHealth(
            backend="redis" if isinstance(state.jobs, RedisJobQueue) else "in-process",
            depth=depth,
        ),
        scheduler=SchedulerHealth(
            last_run_at=run.last_run_at if run else None, details=run.details if run else {}
        ),
    )
