"""Admin queries. Read-only views across domains: the admin console is the one place that
reports on everybody's data, so its SQL lives here rather than in each domain."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, String, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from mealplanner.activity.models import Activity
from mealplanner.core.pagination import PageParams
from mealplanner.core.repository import Repository
from mealplanner.recipes.models import Recipe
from mealplanner.users.models import User


def _day(column: Any, dialect: str) -> ColumnElement[Any]:
    """The UTC calendar day of a timestamp column, as 'YYYY-MM-DD' text on both databases."""
    if dialect == "postgresql":
        return cast(func.date(func.timezone("UTC", column)), String)
    return func.date(column)


class AdminUserRepository(Repository[User]):
    model = User

    def search(self, q: str | None, role: str | None, disabled: bool | None) -> Select[Any]:
        stmt = select(User)
        if q:
            escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern = f"%{escaped}%"
            stmt = stmt.where(
                or_(
                    func.lower(User.email).like(pattern, escape="\\"),
                    func.lower(User.name).like(pattern, escape="\\"),
                )
            )
        if role:
            stmt = stmt.where(User.role == role)
        if disabled is not None:
            stmt = stmt.where(User.disabled.is_(disabled))
        return stmt.order_by(User.created_at.desc(), User.id)

    async def count_active_admins(self) -> int:
        count = await self.session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == "admin", User.disabled.is_(False))
        )
        return int(count or 0)

    async def page(
        self, q: str | None, role: str | None, disabled: bool | None, params: PageParams
    ) -> tuple[Sequence[User], int]:
        return await self.paginate(self.search(q, role, disabled), params)


class AnalyticsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name

    async def registrations_per_day(self, start: datetime, end: datetime) -> dict[str, int]:
        day = _day(User.created_at, self.dialect)
        rows = await self.session.execute(
            select(day, func.count())
            .where(User.created_at >= start, User.created_at < end)
            .group_by(day)
        )
        return {str(d): int(n) for d, n in rows}

    async def events_per_day(
        self, event_type: str, start: datetime, end: datetime
    ) -> dict[str, int]:
        # Served by ix_activities_event_created (event_type, created_at).
        day = _day(Activity.created_at, self.dialect)
        rows = await self.session.execute(
            select(day, func.count())
            .where(
                Activity.event_type == event_type,
                Activity.created_at >= start,
                Activity.created_at < end,
            )
            .group_by(day)
        )
        return {str(d): int(n) for d, n in rows}

    async def active_users_per_day(self, start: datetime, end: datetime) -> dict[str, int]:
        day = _day(Activity.created_at, self.dialect)
        rows = await self.session.execute(
            select(day, func.count(func.distinct(Activity.user_id)))
            .where(Activity.created_at >= start, Activity.created_at < end)
            .group_by(day)
        )
        return {str(d): int(n) for d, n in rows}

    async def active_users(self, start: datetime, end: datetime) -> int:
        count = await self.session.scalar(
            select(func.count(func.distinct(Activity.user_id))).where(
                Activity.created_at >= start, Activity.created_at < end
            )
        )
        return int(count or 0)

    async def top_recipes(
        self, event_type: str, start: datetime, end: datetime, limit: int
    ) -> list[tuple[uuid.UUID, str | None, int]]:
        times = func.count().label("times")
        top = (
            select(Activity.recipe_id, times)
            .where(
                Activity.event_type == event_type,
                Activity.created_at >= start,
                Activity.created_at < end,
                Activity.recipe_id.is_not(None),
            )
            .group_by(Activity.recipe_id)
            .order_by(times.desc(), Activity.recipe_id)
            .limit(limit)
            .subquery()
        )
        rows = await self.session.execute(
            select(top.c.recipe_id, Recipe.name, top.c.times)
            .outerjoin(Recipe, Recipe.id == top.c.recipe_id)
            .order_by(top.c.times.desc(), top.c.recipe_id)
        )
        return [(r, t, int(n)) for r, t, n in rows]


def day_range(start: date, end: date) -> list[str]:
    days = (end - start).days
    return [date.fromordinal(start.toordinal() + i).isoformat() for i in range(days + 1)]
