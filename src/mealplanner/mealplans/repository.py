from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import Select, bindparam, delete, func, select
from sqlalchemy.orm import load_only, selectinload

from mealplanner.core.pagination import PageParams
from mealplanner.core.repository import Repository
from mealplanner.mealplans.models import CalendarFeed, MealPlan, PlannedMeal
from mealplanner.recipes.models import Recipe


class MealPlanRepository(Repository[MealPlan]):
    model = MealPlan

    async def get_with_meals(self, plan_id: uuid.UUID) -> MealPlan | None:
        return await self.get_one_or_none(
            select(MealPlan).where(MealPlan.id == plan_id).options(selectinload(MealPlan.meals))
        )

    async def get_plan(self, plan_id: uuid.UUID) -> MealPlan | None:
        """The plan row only (its meals are read with their recipes, see `meals_with_recipes`)."""
        return await self.get_one_or_none(select(MealPlan).where(MealPlan.id == plan_id))

    async def get_for_week(self, user_id: uuid.UUID, week_start: date) -> MealPlan | None:
        return await self.get_one_or_none(
            select(MealPlan).where(MealPlan.user_id == user_id, MealPlan.week_start == week_start)
        )

    async def recipe_access(self, recipe_id: uuid.UUID) -> Recipe | None:
        """The recipe's id, visibility and owner (what `recipes.service.can_read` looks at),
        as a transient object: planning a meal need not load the recipe and its ingredients."""
        row = (
            await self.session.execute(
                select(Recipe.visibility, Recipe.owner_id).where(Recipe.id == recipe_id)
            )
        ).first()
        if row is None:
            return None
        return Recipe(id=recipe_id, visibility=row.visibility, owner_id=row.owner_id)

    async def list_for_user(
        self, user_id: uuid.UUID, page: PageParams
    ) -> tuple[Sequence[tuple[MealPlan, int]], int]:
        meal_count = (
            select(func.count(PlannedMeal.id))
            .where(PlannedMeal.plan_id == MealPlan.id)
            .correlate(MealPlan)
            .scalar_subquery()
        )
        total = int(
            (
                await self.session.execute(
                    select(func.count()).select_from(MealPlan).where(MealPlan.user_id == user_id)
                )
            ).scalar_one()
        )
        rows = await self.session.execute(
            select(MealPlan, meal_count)
            .where(MealPlan.user_id == user_id)
            .order_by(MealPlan.week_start.desc())
            .limit(page.limit)
            .offset(page.offset)
        )
        return [(row[0], int(row[1])) for row in rows], total

    async def calendar_feed_by_hash(self, token_hash: str) -> CalendarFeed | None:
        result = await self.session.execute(
            select(CalendarFeed).where(CalendarFeed.token_hash == token_hash)
        )
        return result.scalars().first()


@functools.cache
def _meals_with_recipes(recipe_columns: tuple[str, ...]) -> Select[PlannedMeal, Recipe]:
    # Built once per column set: constructing it (with its loader options) cost about as much
    # CPU as running it, and every meal-plan write reads the plan back.
    return (
        select(PlannedMeal, Recipe)
        .join(Recipe, Recipe.id == PlannedMeal.recipe_id)
        .where(PlannedMeal.plan_id == bindparam("plan_id"))
        .order_by(PlannedMeal.date, PlannedMeal.meal_type, PlannedMeal.created_at)
        .options(load_only(*(getattr(Recipe, c) for c in recipe_columns), raiseload=True))
    )


class PlannedMealRepository(Repository[PlannedMeal]):
    model = PlannedMeal

    async def meals_with_recipes(
        self, plan_id: uuid.UUID, recipe_columns: Sequence[str]
    ) -> Sequence[tuple[PlannedMeal, Recipe]]:
        """The plan's meals in plan order, each with its recipe (only `recipe_columns`
        loaded), in one query."""
        result = await self.session.execute(
            _meals_with_recipes(tuple(recipe_columns)), {"plan_id": plan_id}
        )
        return [(meal, recipe) for meal, recipe in result]

    async def add_meal(self, meal: PlannedMeal) -> PlannedMeal:
        # A plain INSERT of its own row: concurrent additions to one plan cannot collide.
        self.session.add(meal)
        await self.session.flush()
        return meal

    async def get_meal(self, plan_id: uuid.UUID, meal_id: uuid.UUID) -> PlannedMeal | None:
        return await self.get_one_or_none(
            select(PlannedMeal).where(PlannedMeal.plan_id == plan_id, PlannedMeal.id == meal_id)
        )

    async def find_meal(
        self, plan_id: uuid.UUID, day: date, meal_type: str, recipe_id: uuid.UUID
    ) -> PlannedMeal | None:
        return await self.get_one_or_none(
            select(PlannedMeal)
            .where(
                PlannedMeal.plan_id == plan_id,
                PlannedMeal.date == day,
                PlannedMeal.meal_type == meal_type,
                PlannedMeal.recipe_id == recipe_id,
            )
            .order_by(PlannedMeal.created_at)
        )

    async def delete_meals_on(self, plan_id: uuid.UUID, day: date) -> Sequence[uuid.UUID]:
        result = await self.session.execute(
            delete(PlannedMeal)
            .where(PlannedMeal.plan_id == plan_id, PlannedMeal.date == day)
            .returning(PlannedMeal.recipe_id)
        )
        return [row[0] for row in result]

    async def meals_between(
        self, user_id: uuid.UUID, start: date, end: date
    ) -> Sequence[PlannedMeal]:
        result = await self.session.execute(
            select(PlannedMeal)
            .join(MealPlan, MealPlan.id == PlannedMeal.plan_id)
            .where(MealPlan.user_id == user_id, PlannedMeal.date >= start, PlannedMeal.date <= end)
            .order_by(PlannedMeal.date, PlannedMeal.meal_type)
        )
        return result.scalars().all()
