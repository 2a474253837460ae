"""`/ai/...`: suggestions, nutrition balance, substitutions and the week planner."""

from __future__ import annotations

from fastapi import APIRouter

from mealplanner.ai import service
from mealplanner.ai.schemas import (
    BalanceRead,
    BalanceRequest,
    GeneratedPlanRead,
    GeneratePlanRequest,
    SubstitutionRequest,
    SubstitutionsRead,
    SuggestionRequest,
    SuggestionsRead,
)
from mealplanner.auth.dependencies import CurrentUser
from mealplanner.core.dependencies import SessionDep, StateDep
from mealplanner.core.openapi import errors

router = APIRouter(prefix="/ai", tags=["ai"])


@router.post("/suggestions", responses=errors(400, 401))
async def suggestions(
    body: SuggestionRequest, user: CurrentUser, session: SessionDep, state: StateDep
) -> SuggestionsRead:
    """Recipes for a meal, ranked for the caller: never against their diets, allergies,
    dislikes or time limit, nothing planned within 14 days; cached for 30 minutes."""
    return await service.suggest(session, state.cache, user, body)


@router.post("/nutrition-balance", responses=errors(400, 401, 404))
async def nutrition_balance(
    body: BalanceRequest, user: CurrentUser, session: SessionDep, state: StateDep
) -> BalanceRead:
    """Per-person daily totals, weekly averages, macro split, balance score and insights of
    one of the caller's plans (by `mealPlanId` or `weekStart`)."""
    return await service.nutrition_balance(session, state.cache, user, body)


@router.post("/substitutions", responses=errors(400, 401, 404))
async def substitutions(
    body: SubstitutionRequest, user: CurrentUser, session: SessionDep
) -> SubstitutionsRead:
    """Ranked substitutes that are safe for the caller's diets and allergies; with `recipeId`,
    the recipe's per-serving nutrition before and after each swap."""
    return await service.substitutions(session, user, body)


@router.post("/generate-plan", responses=errors(400, 401, 404, 409))
async def generate_plan(
    body: GeneratePlanRequest, user: CurrentUser, session: SessionDep, state: StateDep
) -> GeneratedPlanRead:
    """Fills (or completes) the caller's plan for `weekStart` to their calorie and macro
    targets with an optimiser (HiGHS MILP, greedy fallback) and returns it."""
    return await service.generate_plan(session, state.cache, state.settings, user, body)
