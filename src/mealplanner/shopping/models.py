from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mealplanner.core.clock import utcnow
from mealplanner.core.db import Base, JSONType, Timestamps, UUIDPrimaryKey


class ShoppingList(UUIDPrimaryKey, Timestamps, Base):
    """A consolidated shopping list, generated from (at most) one meal plan.

    There is one list per plan: regenerating updates it in place (unique ``meal_plan_id``;
    NULLs, left when the plan is deleted, do not collide on either database).
    """

    __tablename__ = "shopping_lists"
    __table_args__ = (Index("ix_shopping_lists_user_created", "user_id", "created_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    meal_plan_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("meal_plans.id", ondelete="SET NULL"), unique=True
    )
    name: Mapped[str] = mapped_column(String(120), default="")
    from_date: Mapped[date] = mapped_column(Date)
    to_date: Mapped[date] = mapped_column(Date)
    unit_system: Mapped[str] = mapped_column(String(10), default="metric")
    # The share token itself is never stored, only its SHA-256.
    share_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    share_expires_at: Mapped[datetime | None] = mapped_column()
    share_revoked: Mapped[bool] = mapped_column(Boolean, default=False)

    items: Mapped[list[ShoppingListItem]] = relationship(
        back_populates="shopping_list",
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ShoppingListItem.position",
    )


class ShoppingListItem(UUIDPrimaryKey, Base):
    __tablename__ = "shopping_list_items"
    __table_args__ = (Index("ix_shopping_list_items_list_position", "list_id", "position"),)

    list_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("shopping_lists.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    food_id: Mapped[str | None] = mapped_column(String(8))
    # Identity of a generated line across regenerations (None for manual items).
    merge_key: Mapped[str | None] = mapped_column(String(255))
    # In `unit`, which is g / ml / a count unit / None (a bare count); see consolidator.
    quantity: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(20))
    display: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(32))
    checked: Mapped[bool] = mapped_column(Boolean, default=False)
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    optional: Mapped[bool] = mapped_column(Boolean, default=False)
    to_taste: Mapped[bool] = mapped_column(Boolean, default=False)
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    shopping_list: Mapped[ShoppingList] = relationship(back_populates="items", lazy="raise")
