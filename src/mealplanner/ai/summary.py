"""The weekly-summary email's content: the week's nutrition and balance score.

Registered with the notifications domain at app start (it does not import meal plans or AI).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from mealplanner.ai import service as ai_service
from mealplanner.core.cache import MemoryCache
from mealplanner.core.errors import NotFound
from mealplanner.mealplans import service as mealplan_service
from mealplanner.notifications.service import WeeklySummary
from mealplanner.users import service as user_service
from mealplanner.users.models import User

MAX_INSIGHTS = 5


async def weekly_summary(
    session: AsyncSession, user: User, week_start: date
) -> WeeklySummary | None:
    """None when the user planned nothing that week (the email says so)."""
    try:
        # A throwaway cache: the job must read the database, not a possibly stale copy.
        plan = await mealplan_service.get_week(session, MemoryCache(), user, week_start)
    except NotFound:
        return None
    if not plan.meals:
        return None
    targets, source = ai_service.resolve_targets(user_service.read_preferences(user))
    balance = await ai_service.build_balance(session, plan, targets, source)
    averages = balance.weekly_averages
    return WeeklySummary(
        meals_planned=len(plan.meals),
        balance_score=round(balance.balance_score),
        nutrition={
            "Calories": f"{averages.calories:,.0f} kcal a day",
            "Protein": f"{averages.protein_g:,.0f} g a day",
            "Carbohydrates": f"{averages.carbs_g:,.0f} g a day",
            "Fat": f"{averages.fat_g:,.0f} g a day",
            "Fiber": f"{averages.fiber_g:,.0f} g a day",
        },
        insights=[insight.message for insight in balance.insights[:MAX_INSIGHTS]],
    )
