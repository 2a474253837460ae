from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from mealplanner.core.clock import utcnow
from mealplanner.core.repository import Repository
from mealplanner.notifications.models import (
    DELIVERY_PENDING,
    NotificationDelivery,
    SchedulerRun,
)
from mealplanner.users.models import User


class DeliveryRepository(Repository[NotificationDelivery]):
    model = NotificationDelivery

    def _insert(self) -> Any:
        dialect = self.session.get_bind().dialect.name
        return postgresql.insert if dialect == "postgresql" else sqlite.insert

    async def claim(self, user_id: uuid.UUID, kind: str, period_key: str) -> uuid.UUID | None:
        """Insert-or-skip on (user, kind, period): the delivery id when this call won."""
        delivery_id = uuid.uuid4()
        insert = self._insert()
        stmt: Insert = (
            insert(NotificationDelivery)
            .values(
                id=delivery_id,
                user_id=user_id,
                kind=kind,
                period_key=period_key,
                status=DELIVERY_PENDING,
                created_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["user_id", "kind", "period_key"])
        )
        result = await self.session.execute(stmt)
        return delivery_id if getattr(result, "rowcount", 0) == 1 else None

    async def mark(self, delivery_id: uuid.UUID, status: str, at: datetime | None) -> None:
        await self.session.execute(
            update(NotificationDelivery)
            .where(NotificationDelivery.id == delivery_id)
            .values(status=status, sent_at=at)
        )

    async def for_user(self, user_id: uuid.UUID) -> Sequence[NotificationDelivery]:
        return await self.list(
            select(NotificationDelivery)
            .where(NotificationDelivery.user_id == user_id)
            .order_by(NotificationDelivery.created_at)
        )


class SchedulerRunRepository(Repository[SchedulerRun]):
    model = SchedulerRun

    async def record(self, name: str, at: datetime, details: dict[str, Any]) -> None:
        """Upsert: two schedulers may record the same run name at the same moment."""
        dialect = self.session.get_bind().dialect.name
        insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(SchedulerRun).values(name=name, last_run_at=at, details=details)
        stmt = stmt.on_conflict_do_update(
            index_elements=["name"], set_={"last_run_at": at, "details": details}
        )
        await self.session.execute(stmt)

    async def all(self) -> Sequence[SchedulerRun]:
        return await self.list(select(SchedulerRun).order_by(SchedulerRun.name))


async def users_batch(session: Any, after: uuid.UUID | None, limit: int) -> Sequence[User]:
    """Active users in id order, keyset-paginated (the scheduler walks everybody)."""
    stmt = select(User).where(User.disabled.is_(False)).order_by(User.id).limit(limit)
    if after is not None:
        stmt = stmt.where(User.id > after)
    users: Sequence[User] = (await session.execute(stmt)).scalars().all()
    return users
