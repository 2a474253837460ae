from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload

from mealplanner.core.pagination import PageParams
from mealplanner.core.repository import Repository
from mealplanner.mealplans.models import CalendarFeed, MealPlan, PlannedMeal


class MealPlanRepository(Repository[MealPlan]):
    model = MealPlan

    async def get_with_meals(self, plan_id: uuid.UUID) -> MealPlan | None:
        return await self.get_one_or_none(
            select(MealPlan).where(MealPlan.id == plan_id).options(selectinload(MealPlan.meals))
        )

    async def get_for_week(self, user_id: uuid.UUID, week_start: date) -> MealPlan | None:
        return await self.get_one_or_none(
            select(MealPlan)
            .where(MealPlan.user_id == user_id, MealPlan.week_start == week_start)
            .options(selectinload(MealPlan.meals))
        )

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


class PlannedMealRepository(Repository[PlannedMeal]):
    model = PlannedMeal

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
