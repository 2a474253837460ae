from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mealplanner.core.clock import utcnow
from mealplanner.core.db import Base, Timestamps, UUIDPrimaryKey


class MealPlan(UUIDPrimaryKey, Timestamps, Base):
    """One plan per user per week (weeks start on Monday)."""

    __tablename__ = "meal_plans"
    __table_args__ = (UniqueConstraint("user_id", "week_start"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    week_start: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(120), default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    meals: Mapped[list[PlannedMeal]] = relationship(
        back_populates="plan",
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="(PlannedMeal.date, PlannedMeal.meal_type, PlannedMeal.created_at)",
    )


class PlannedMeal(UUIDPrimaryKey, Base):
    """A recipe in a slot (day + meal type). Stored as rows, not a JSON blob, so that two
    concurrent additions to one plan never overwrite each other (the spec's weak spot)."""

    __tablename__ = "planned_meals"
    __table_args__ = (Index("ix_planned_meals_plan_date", "plan_id", "date"),)

    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meal_plans.id", ondelete="CASCADE"))
    date: Mapped[date] = mapped_column(Date)
    meal_type: Mapped[str] = mapped_column(String(16))
    recipe_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("recipes.id", ondelete="CASCADE"), index=True
    )
    servings: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    plan: Mapped[MealPlan] = relationship(back_populates="meals", lazy="raise")


class CalendarFeed(Base):
    """The secret that authenticates a user's iCalendar feed (rotatable, stored hashed)."""

    __tablename__ = "calendar_feeds"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
