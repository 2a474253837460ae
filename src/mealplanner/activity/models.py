from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from mealplanner.core.clock import utcnow
from mealplanner.core.db import Base, UUIDPrimaryKey


class Activity(UUIDPrimaryKey, Base):
    """One user interaction; the recommender and the admin analytics learn from these."""

    __tablename__ = "activities"
    __table_args__ = (
        Index("ix_activities_user_created", "user_id", "created_at"),
        Index("ix_activities_event_created", "event_type", "created_at"),
        Index("ix_activities_recipe_event", "recipe_id", "event_type"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    event_type: Mapped[str] = mapped_column(String(40))
    # No foreign key: the log outlives deleted recipes (analytics keep their counts).
    recipe_id: Mapped[uuid.UUID | None]
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
