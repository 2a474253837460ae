from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mealplanner.core.clock import utcnow
from mealplanner.core.db import Base, UUIDPrimaryKey

DELIVERY_PENDING = "pending"
DELIVERY_SENT = "sent"
DELIVERY_SKIPPED = "skipped"


class NotificationDelivery(UUIDPrimaryKey, Base):
    """One scheduled email per user, kind and period (ISO week).

    The unique constraint is what makes two scheduler processes safe: the second insert of
    the same (user, kind, week) is skipped, so that email is queued exactly once.
    """

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        UniqueConstraint(
            "user_id", "kind", "period_key", name="uq_notification_deliveries_user_kind_period"
        ),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    period_key: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=DELIVERY_PENDING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class SchedulerRun(Base):
    """When each scheduled task last ran (shown by the admin health endpoint)."""

    __tablename__ = "scheduler_runs"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_run_at: Mapped[datetime] = mapped_column(default=utcnow)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
