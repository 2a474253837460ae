from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from mealplanner.auth.dependencies import CurrentUser
from mealplanner.core.dependencies import SessionDep, StateDep
from mealplanner.core.errors import ValidationFailed
from mealplanner.core.openapi import errors
from mealplanner.core.pagination import Pagination
from mealplanner.core.schemas import Page
from mealplanner.mealplans import calendar, service
from mealplanner.mealplans.schemas import (
    CalendarToken,
    CopyDay,
    MealAdd,
    MealPlanCreate,
    MealPlanRead,
    MealPlanSummary,
    MealPlanUpdate,
    MealType,
)
from mealplanner.users.router import TargetUser, UserIdPath

router = APIRouter(tags=["meal-plans"])

PlanIdPath = Annotated[uuid.UUID, Path(alias="planId")]
OWNED = errors(400, 401, 403, 404)


@router.get("/users/{userId}/meal-plans", responses=OWNED)
async def get_meal_plans(
    owner: TargetUser,
    session: SessionDep,
    state: StateDep,
    page: Pagination,
    week_start: Annotated[
        date | None,
        Query(alias="weekStart", description="A Monday; without it, all plans, newest first"),
    ] = None,
) -> MealPlanRead | Page[MealPlanSummary]:
    """The week's plan with meals and per-day nutrition, or the list of the user's plans."""
    if week_start is not None:
        if week_start.weekday() != 0:
            raise ValidationFailed(
                details={"weekStart": f"Must be a Monday; {week_start} is a {week_start:%A}"}
            )
        return await service.get_week(session, state.cache, owner, week_start)
    return await service.list_plans(session, owner, page)


@router.post(
    "/users/{userId}/meal-plans",
    status_code=status.HTTP_201_CREATED,
    responses=errors(400, 401, 403, 404, 409),
)
async def create_meal_plan(
    owner: TargetUser, body: MealPlanCreate, session: SessionDep, state: StateDep
) -> MealPlanRead:
    return await service.create_plan(session, state.cache, owner, body)


@router.get("/users/{userId}/meal-plans/calendar.ics", responses=errors(404))
async def calendar_feed(
    user_id: UserIdPath,
    session: SessionDep,
    token: Annotated[str, Query(min_length=10, max_length=100)],
) -> Response:
    """iCalendar feed of planned meals (4 weeks back, 8 ahead) for calendar apps; the
    `token` comes from `POST /users/{userId}/meal-plans/calendar-token`."""
    body = await calendar.feed_for_token(session, user_id, token)
    return Response(
        content=body,
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, max-age=300"},
    )


@router.post("/users/{userId}/meal-plans/calendar-token", responses=OWNED)
async def rotate_calendar_token(
    owner: TargetUser, session: SessionDep, state: StateDep
) -> CalendarToken:
    """Creates (or replaces) the secret calendar-feed URL; the old URL stops working."""
    token = await calendar.rotate_token(session, owner)
    base = state.settings.public_base_url.rstrip("/")
    return CalendarToken(
        token=token, url=f"{base}/api/v1/users/{owner.id}/meal-plans/calendar.ics?token={token}"
    )


@router.patch("/users/{userId}/meal-plans/{planId}", responses=OWNED)
async def update_meal_plan(
    owner: TargetUser,
    plan_id: PlanIdPath,
    body: MealPlanUpdate,
    session: SessionDep,
    state: StateDep,
) -> MealPlanRead:
    return await service.update_plan(session, state.cache, owner, plan_id, body)


@router.delete(
    "/users/{userId}/meal-plans/{planId}", status_code=status.HTTP_204_NO_CONTENT, responses=OWNED
)
async def delete_meal_plan(
    owner: TargetUser, plan_id: PlanIdPath, session: SessionDep, state: StateDep
) -> Response:
    await service.delete_plan(session, state.cache, owner, plan_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/meal-plans/{planId}", responses=errors(401, 404))
async def get_meal_plan(
    plan_id: PlanIdPath, user: CurrentUser, session: SessionDep
) -> MealPlanRead:
    return await service.read_plan(session, user, plan_id)


@router.post(
    "/meal-plans/{planId}/meals",
    status_code=status.HTTP_201_CREATED,
    responses=errors(400, 401, 404),
)
async def add_meal(
    plan_id: PlanIdPath, body: MealAdd, user: CurrentUser, session: SessionDep, state: StateDep
) -> MealPlanRead:
    """Adds a recipe to a slot (a slot may hold several recipes); returns the updated plan."""
    return await service.add_meal(session, state.cache, user, plan_id, body)


@router.delete("/meal-plans/{planId}/meals", responses=errors(400, 401, 404))
async def remove_meal(
    plan_id: PlanIdPath,
    user: CurrentUser,
    session: SessionDep,
    state: StateDep,
    meal_id: Annotated[uuid.UUID | None, Query(alias="mealId")] = None,
    day: Annotated[date | None, Query(alias="date")] = None,
    meal_type: Annotated[MealType | None, Query(alias="mealType")] = None,
    recipe_id: Annotated[uuid.UUID | None, Query(alias="recipeId")] = None,
) -> MealPlanRead:
    """Removes one meal: `?mealId=`, or `?date=&mealType=&recipeId=`."""
    return await service.remove_meal(
        session,
        state.cache,
        user,
        plan_id,
        meal_id=meal_id,
        day=day,
        meal_type=meal_type,
        recipe_id=recipe_id,
    )


@router.post("/meal-plans/{planId}/copy-day", responses=errors(400, 401, 404))
async def copy_day(
    plan_id: PlanIdPath, body: CopyDay, user: CurrentUser, session: SessionDep, state: StateDep
) -> MealPlanRead:
    return await service.copy_day(session, state.cache, user, plan_id, body)
