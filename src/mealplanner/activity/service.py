"""The activity log (spec: Event Tracking): what users did, for suggestions and analytics."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mealplanner.activity.models import Activity
from mealplanner.core.clock import utcnow

MEAL_PLANNED: Final = "meal_planned"
MEAL_REMOVED: Final = "meal_removed"
RECIPE_FAVORITED: Final = "recipe_favorited"
RECIPE_UNFAVORITED: Final = "recipe_unfavorited"
RECIPE_VIEWED: Final = "recipe_viewed"
RECIPE_CREATED: Final = "recipe_created"
SHOPPING_LIST_GENERATED: Final = "shopping_list_generated"
PLAN_GENERATED: Final = "plan_generated"
EVENT_TYPES: Final = (
    MEAL_PLANNED,
    MEAL_REMOVED,
    RECIPE_FAVORITED,
    RECIPE_UNFAVORITED,
    RECIPE_VIEWED,
    RECIPE_CREATED,
    SHOPPING_LIST_GENERATED,
    PLAN_GENERATED,
)


async def track(
    session: AsyncSession,
    user_id: uuid.UUID,
    event_type: str,
    *,
    recipe_id: uuid.UUID | None = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """Records one event in the request's unit of work (it commits or rolls back with it)."""
    session.add(
        Activity(
            user_id=user_id,
            event_type=event_type,
            recipe_id=recipe_id,
            details=details or {},
            created_at=at or utcnow(),
        )
    )


async def user_events(
    session: AsyncSession,
    user_id: uuid.UUID,
    *,
    event_types: Sequence[str] | None = None,
    since: datetime | None = None,
    limit: int = 1000,
) -> Sequence[Activity]:
    stmt = select(Activity).where(Activity.user_id == user_id)
    if event_types:
        stmt = stmt.where(Activity.event_type.in_(event_types))
    if since is not None:
        stmt = stmt.where(Activity.created_at >= since)
    stmt = stmt.order_by(Activity.created_at.desc()).limit(limit)
    return (await session.execute(stmt)).scalars().all()


async def export_activity(session: AsyncSession, user_id: uuid.UUID) -> list[dict[str, Any]]:
    return [
        {
            "eventType": a.event_type,
            "recipeId": str(a.recipe_id) if a.recipe_id else None,
            "details": a.details,
            "createdAt": a.created_at.isoformat(),
        }
        for a in await user_events(session, user_id, limit=100_000)
    ]
