"""Weekly meal plans: one plan per user per week, meals as rows, nutrition per day."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any, Final

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from mealplanner.activity import service as activity
from mealplanner.core.cache import Cache, meal_plan_key, suggestions_key
from mealplanner.core.errors import Conflict, NotFound, ValidationFailed
from mealplanner.core.metrics import record_meal_planned
from mealplanner.core.pagination import PageParams, make_page
from mealplanner.core.schemas import Page
from mealplanner.mealplans.models import MealPlan, PlannedMeal
from mealplanner.mealplans.repository import MealPlanRepository, PlannedMealRepository
from mealplanner.mealplans.schemas import (
    CopyDay,
    DayNutrition,
    MealAdd,
    MealPlanCreate,
    MealPlanRead,
    MealPlanSummary,
    MealPlanUpdate,
    PlannedMealRead,
    RecipeBrief,
)
from mealplanner.recipes import service as recipe_service
from mealplanner.recipes.models import Recipe
from mealplanner.recipes.schemas import Nutrition
from mealplanner.users import service as user_service
from mealplanner.users.models import User

MEAL_PLAN_TTL = 600
NUTRIENTS = tuple(Nutrition.model_fields)


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def household_size(user: User) -> int:
    return user_service.read_preferences(user).household_size


def _scaled(per_serving: dict[str, Any], factor: float) -> dict[str, float]:
    return {k: round(float(per_serving.get(k, 0) or 0) * factor, 1) for k in NUTRIENTS}


def _sum(items: Sequence[dict[str, float]], divisor: float = 1) -> dict[str, float]:
    return {k: round(sum(i[k] for i in items) / divisor, 1) for k in NUTRIENTS}


def build_plan_read(
    plan: MealPlan, planned: Sequence[tuple[PlannedMeal, Recipe]], household: int
) -> MealPlanRead:
    """The plan with recipe summaries and nutrition per meal and per day.

    `planned` holds the plan's meals in order, each with its recipe. Recipe nutrition is per
    serving; a meal of `servings` servings counts that many times. `perPerson` divides a day's
    total by the household size.
    """
    meals: list[PlannedMealRead] = []
    by_day: dict[date, list[dict[str, float]]] = defaultdict(list)
    for meal, recipe in planned:
        nutrition = _scaled(recipe.nutrition, meal.servings)
        by_day[meal.date].append(nutrition)
        meals.append(
            PlannedMealRead(
                id=meal.id,
                date=meal.date,
                meal_type=meal.meal_type,
                servings=meal.servings,
                note=meal.note,
                recipe=RecipeBrief.model_validate(recipe),
                nutrition=Nutrition.model_validate(nutrition),
            )
        )
    days = [
        DayNutrition(
            date=day,
            meal_count=len(by_day.get(day, [])),
            total=Nutrition.model_validate(_sum(by_day.get(day, []))),
            per_person=Nutrition.model_validate(_sum(by_day.get(day, []), household)),
        )
        for day in (plan.week_start + timedelta(days=i) for i in range(7))
    ]
    return MealPlanRead(
        id=plan.id,
        user_id=plan.user_id,
        week_start=plan.week_start,
        name=plan.name,
        notes=plan.notes,
        household_size=household,
        meals=meals,
        days=days,
        created_at=plan.created_at,
        updated_at=plan.updated_at,
    )


_BRIEF: Final = tuple(RecipeBrief.model_fields)


async def _read(session: AsyncSession, plan: MealPlan, owner: User) -> MealPlanRead:
    """The plan as stored now: its meals are read here with their recipes in one query (not
    from `plan.meals`, which need not be loaded or current after a change)."""
    planned = await PlannedMealRepository(session).meals_with_recipes(plan.id, _BRIEF)
    return build_plan_read(plan, planned, household_size(owner))


async def _invalidate(cache: Cache, plan: MealPlan) -> None:
    await cache.delete(meal_plan_key(plan.user_id, plan.week_start), suggestions_key(plan.user_id))


# -- plans ----------------------------------------------------------------------------------


async def get_week(
    session: AsyncSession, cache: Cache, owner: User, week_start: date
) -> MealPlanRead:
    key = meal_plan_key(owner.id, week_start)

    async def load() -> dict[str, Any] | None:
        plan = await MealPlanRepository(session).get_for_week(owner.id, week_start)
        if plan is None:
            return None
        return (await _read(session, plan, owner)).model_dump(mode="json", by_alias=True)

    cached = await cache.get_or_load_json(key, MEAL_PLAN_TTL, load)
    if cached is None:
        raise NotFound(f"No meal plan for the week of {week_start.isoformat()}")
    return MealPlanRead.model_validate(cached)


async def list_plans(session: AsyncSession, owner: User, page: PageParams) -> Page[MealPlanSummary]:
    rows, total = await MealPlanRepository(session).list_for_user(owner.id, page)
    items = [
        MealPlanSummary(
            id=plan.id,
            week_start=plan.week_start,
            name=plan.name,
            notes=plan.notes,
            meal_count=count,
            created_at=plan.created_at,
            updated_at=plan.updated_at,
        )
        for plan, count in rows
    ]
    return make_page(items, total, page)


async def create_plan(
    session: AsyncSession, cache: Cache, owner: User, data: MealPlanCreate
) -> MealPlanRead:
    repo = MealPlanRepository(session)
    if await repo.get_for_week(owner.id, data.week_start) is not None:
        raise Conflict(f"A plan for the week of {data.week_start.isoformat()} already exists")
    plan = MealPlan(
        user_id=owner.id, week_start=data.week_start, name=data.name, notes=data.notes, meals=[]
    )
    try:
        async with session.begin_nested():
            await repo.add(plan)
    except IntegrityError as exc:  # a concurrent request created it first
        raise Conflict(
            f"A plan for the week of {data.week_start.isoformat()} already exists"
        ) from exc
    await _invalidate(cache, plan)
    return build_plan_read(plan, [], household_size(owner))


async def get_owned_plan(
    session: AsyncSession, user: User, plan_id: uuid.UUID, *, meals: bool = True
) -> MealPlan:
    """The plan, with its meals unless `meals` is false; 404 unless it belongs to `user` (or
    `user` is an admin)."""
    repo = MealPlanRepository(session)
    plan = await (repo.get_with_meals if meals else repo.get_plan)(plan_id)
    if plan is None or (plan.user_id != user.id and not user.is_admin):
        raise NotFound("Meal plan not found")
    return plan


async def _plan_owner(session: AsyncSession, user: User, plan: MealPlan) -> User:
    return user if plan.user_id == user.id else await user_service.get_user(session, plan.user_id)


async def read_plan(session: AsyncSession, user: User, plan_id: uuid.UUID) -> MealPlanRead:
    plan = await get_owned_plan(session, user, plan_id, meals=False)
    return await _read(session, plan, await _plan_owner(session, user, plan))


async def update_plan(
    session: AsyncSession, cache: Cache, owner: User, plan_id: uuid.UUID, data: MealPlanUpdate
) -> MealPlanRead:
    plan = await _owned_by(session, owner, plan_id)
    for key, value in data.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(plan, key, value)
    await session.flush()
    await _invalidate(cache, plan)
    return await _read(session, plan, owner)


async def delete_plan(session: AsyncSession, cache: Cache, owner: User, plan_id: uuid.UUID) -> None:
    plan = await _owned_by(session, owner, plan_id)
    for meal in plan.meals:
        await recipe_service.record_planned(session, meal.recipe_id, -1)
    await MealPlanRepository(session).delete(plan)
    await _invalidate(cache, plan)


async def _owned_by(session: AsyncSession, owner: User, plan_id: uuid.UUID) -> MealPlan:
    # `owner` is the path's user, already authorised; the plan must be theirs.
    plan = await MealPlanRepository(session).get_with_meals(plan_id)
    if plan is None or plan.user_id != owner.id:
        raise NotFound("Meal plan not found")
    return plan


# -- meals ----------------------------------------------------------------------------------


def _check_in_week(plan: MealPlan, day: date, field: str) -> None:
    if not plan.week_start <= day <= plan.week_start + timedelta(days=6):
        end = plan.week_start + timedelta(days=6)
        raise ValidationFailed(
            details={field: f"Must be within the plan's week ({plan.week_start} to {end})"}
        )


async def add_meal(
    session: AsyncSession, cache: Cache, user: User, plan_id: uuid.UUID, data: MealAdd
) -> MealPlanRead:
    plan = await get_owned_plan(session, user, plan_id, meals=False)
    owner = await _plan_owner(session, user, plan)
    _check_in_week(plan, data.date, "date")
    repo = MealPlanRepository(session)
    recipe = await repo.recipe_access(data.recipe_id)
    # A private recipe of someone else is "not found", as on the recipe routes.
    if recipe is None or not recipe_service.can_read(owner, recipe):
        raise NotFound("Recipe not found")
    meal = PlannedMeal(
        plan_id=plan.id,
        date=data.date,
        meal_type=data.meal_type,
        recipe_id=recipe.id,
        servings=data.servings or household_size(owner),
        note=data.note,
    )
    await PlannedMealRepository(session).add_meal(meal)
    await recipe_service.record_planned(session, recipe.id, 1)
    await activity.track(
        session,
        owner.id,
        activity.MEAL_PLANNED,
        recipe_id=recipe.id,
        details={"date": data.date.isoformat(), "mealType": data.meal_type},
    )
    record_meal_planned()
    await _invalidate(cache, plan)
    return await _read(session, plan, owner)


async def remove_meal(
    session: AsyncSession,
    cache: Cache,
    user: User,
    plan_id: uuid.UUID,
    *,
    meal_id: uuid.UUID | None,
    day: date | None,
    meal_type: str | None,
    recipe_id: uuid.UUID | None,
) -> MealPlanRead:
    plan = await get_owned_plan(session, user, plan_id, meals=False)
    owner = await _plan_owner(session, user, plan)
    repo = PlannedMealRepository(session)
    if meal_id is not None:
        meal = await repo.get_meal(plan.id, meal_id)
    elif day is not None and meal_type is not None and recipe_id is not None:
        meal = await repo.find_meal(plan.id, day, meal_type, recipe_id)
    else:
        raise ValidationFailed(
            "Identify the meal by mealId, or by date + mealType + recipeId",
            details={"mealId": "Required unless date, mealType and recipeId are given"},
        )
    if meal is None:
        raise NotFound("Meal not found in this plan")
    await repo.delete(meal)
    await recipe_service.record_planned(session, meal.recipe_id, -1)
    await activity.track(
        session,
        owner.id,
        activity.MEAL_REMOVED,
        recipe_id=meal.recipe_id,
        details={"date": meal.date.isoformat(), "mealType": meal.meal_type},
    )
    await _invalidate(cache, plan)
    return await _read(session, plan, owner)


async def copy_day(
    session: AsyncSession, cache: Cache, user: User, plan_id: uuid.UUID, data: CopyDay
) -> MealPlanRead:
    """Copies one day's meals onto another day of the same week.

    Without `overwrite` the copies are added next to what the target day already has;
    with it the target day is cleared first.
    """
    plan = await get_owned_plan(session, user, plan_id)
    owner = await _plan_owner(session, user, plan)
    _check_in_week(plan, data.from_date, "fromDate")
    _check_in_week(plan, data.to_date, "toDate")
    if data.from_date == data.to_date:
        raise ValidationFailed(details={"toDate": "Must differ from fromDate"})
    source = [m for m in plan.meals if m.date == data.from_date]
    repo = PlannedMealRepository(session)
    if data.overwrite:
        for recipe_id in await repo.delete_meals_on(plan.id, data.to_date):
            await recipe_service.record_planned(session, recipe_id, -1)
    for meal in source:
        await repo.add_meal(
            PlannedMeal(
                plan_id=plan.id,
                date=data.to_date,
                meal_type=meal.meal_type,
                recipe_id=meal.recipe_id,
                servings=meal.servings,
                note=meal.note,
            )
        )
        await recipe_service.record_planned(session, meal.recipe_id, 1)
        await activity.track(
            session,
            owner.id,
            activity.MEAL_PLANNED,
            recipe_id=meal.recipe_id,
            details={"date": data.to_date.isoformat(), "mealType": meal.meal_type, "copy": True},
        )
    record_meal_planned(len(source))
    await _invalidate(cache, plan)
    return await _read(session, plan, owner)


async def meals_between(
    session: AsyncSession, user_id: uuid.UUID, start: date, end: date
) -> Sequence[PlannedMeal]:
    """A user's planned meals in a date range (inclusive), across plans."""
    return await PlannedMealRepository(session).meals_between(user_id, start, end)


async def export_plans(session: AsyncSession, user_id: uuid.UUID) -> list[dict[str, Any]]:
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    plans = (
        await session.execute(
            select(MealPlan)
            .where(MealPlan.user_id == user_id)
            .options(selectinload(MealPlan.meals))
            .order_by(MealPlan.week_start)
        )
    ).scalars()
    return [
        {
            "id": str(p.id),
            "weekStart": p.week_start.isoformat(),
            "name": p.name,
            "notes": p.notes,
            "meals": [
                {
                    "date": m.date.isoformat(),
                    "mealType": m.meal_type,
                    "recipeId": str(m.recipe_id),
                    "servings": m.servings,
                    "note": m.note,
                }
                for m in p.meals
            ],
        }
        for p in plans
    ]
