"""Request and response bodies of the AI endpoints (`/ai/...`)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from mealplanner.core.schemas import CamelModel, InputModel
from mealplanner.core.vocab import MEAL_TYPES, PLAN_MEAL_TYPES
from mealplanner.mealplans.schemas import MealPlanRead, WeekStart
from mealplanner.recipes.schemas import Nutrition, RecipeSummary


def _meal_type(value: str) -> str:
    value = value.strip().lower()
    if value not in MEAL_TYPES:
        raise ValueError(f"mealType must be one of: {', '.join(MEAL_TYPES)}")
    return value


def _plan_meal_type(value: str) -> str:
    value = value.strip().lower()
    if value not in PLAN_MEAL_TYPES:
        raise ValueError(f"mealType must be one of: {', '.join(PLAN_MEAL_TYPES)}")
    return value


AnyMealType = Annotated[
    str, AfterValidator(_meal_type), Field(json_schema_extra={"enum": list(MEAL_TYPES)})
]
PlanMealType = Annotated[
    str, AfterValidator(_plan_meal_type), Field(json_schema_extra={"enum": list(PLAN_MEAL_TYPES)})
]

# -- suggestions ------------------------------------------------------------------------------


class SuggestionContext(InputModel):
    meal_type: AnyMealType | None = None
    date: dt.date | None = Field(default=None, description="Defaults to today (UTC)")


class SuggestionRequest(InputModel):
    context: SuggestionContext = Field(default_factory=SuggestionContext)
    limit: int = Field(default=10, ge=1, le=50)


class Suggestion(CamelModel):
    recipe_id: uuid.UUID
    score: float
    reason: str
    recipe: RecipeSummary


class SuggestionsRead(CamelModel):
    recommendations: list[Suggestion]


# -- nutrition balance ------------------------------------------------------------------------


class BalanceRequest(InputModel):
    meal_plan_id: uuid.UUID | None = None
    week_start: WeekStart | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> BalanceRequest:
        if (self.meal_plan_id is None) == (self.week_start is None):
            raise ValueError("Send exactly one of mealPlanId or weekStart")
        return self


class MacroShares(CamelModel):
    protein: float = Field(description="% of macro kcal")
    carbs: float
    fat: float


class DailyTotals(CamelModel):
    """Per person: the day's planned servings divided by the household size."""

    date: dt.date
    weekday: str
    meal_count: int
    empty: bool
    calories: float
    protein_g: float
    carbs_g: float
    fat_g: float
    fiber_g: float
    sodium_mg: float
    has_vegetables: bool
    vegetable_grams: float
    macros: MacroShares | None
    calorie_deviation_pct: float | None
    protein_deviation_pp: float | None
    carbs_deviation_pp: float | None
    fat_deviation_pp: float | None


class WeeklyAverages(CamelModel):
    days_counted: int
    calories: float
    protein_g: float
    carbs_g: float
    fat_g: float
    fiber_g: float
    sodium_mg: float


class BalanceTargets(CamelModel):
    calories: float | None
    protein_pct: float
    carbs_pct: float
    fat_pct: float
    source: Literal["preferences", "default"]


class InsightRead(CamelModel):
    kind: str
    severity: str
    message: str
    date: dt.date | None


class BalanceRead(CamelModel):
    meal_plan_id: uuid.UUID
    week_start: dt.date
    household_size: int
    days: list[DailyTotals]
    empty_days: list[dt.date]
    weekly_averages: WeeklyAverages
    macro_distribution: MacroShares
    targets: BalanceTargets
    macro_deviation_pp: MacroShares
    macro_score: float
    calorie_std_dev: float
    unique_recipes: int
    balance_score: float = Field(ge=0, le=100)
    insights: list[InsightRead]


# -- substitutions ----------------------------------------------------------------------------


class SubstitutionRequest(InputModel):
    ingredient: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    recipe_id: uuid.UUID | None = None
    reason: Literal["allergy", "diet", "unavailable"] | None = None
    context: Literal["baking", "cooking", "raw"] | None = None


class NutritionChange(CamelModel):
    """The recipe's per-serving nutrition before and after the swap."""

    ingredient_line: str
    before: Nutrition
    after: Nutrition
    delta: Nutrition
    exact: bool = Field(
        description="False when the swap is not a simple scaling or the line had no grams; "
        "then the substitute is assumed to replace the same weight"
    )


class SubstituteRead(CamelModel):
    substitute: str
    ratio: str
    quantity_factor: float | None
    suits_diets: list[str]
    contains_allergens: list[str]
    free_of_allergens: list[str]
    resolves_diets: list[str]
    removes_allergens: list[str]
    contexts: list[str]
    reasons: list[str]
    quality: float
    note: str
    ndb_no: str | None
    nutrition_change: NutritionChange | None = None


class SubstitutionsRead(CamelModel):
    ingredient: str
    matched: str | None = Field(description="The knowledge-base entry the name resolved to")
    recipe_id: uuid.UUID | None
    substitutes: list[SubstituteRead]


# -- generate plan ----------------------------------------------------------------------------


class PlanTargetsIn(InputModel):
    calories: float = Field(ge=800, le=6000)
    protein_pct: float | None = Field(default=None, ge=5, le=70)
    protein_g: float | None = Field(default=None, gt=0, le=500)
    carbs_pct: float | None = Field(default=None, ge=0, le=80)
    fat_pct: float | None = Field(default=None, ge=5, le=80)

    @model_validator(mode="after")
    def _one_protein(self) -> PlanTargetsIn:
        if self.protein_pct is not None and self.protein_g is not None:
            raise ValueError("Send proteinPct or proteinG, not both")
        return self


class LockedMealIn(InputModel):
    date: dt.date
    meal_type: PlanMealType
    recipe_id: uuid.UUID
    servings: float | None = Field(
        default=None, gt=0, le=50, description="Total servings; defaults to the household size"
    )


class GeneratePlanRequest(InputModel):
    week_start: WeekStart
    meal_types: list[PlanMealType] = Field(
        default_factory=lambda: ["breakfast", "lunch", "dinner"], min_length=1, max_length=4
    )
    targets: PlanTargetsIn | None = None
    max_prep_time: int | None = Field(default=None, ge=5, le=480, description="Total minutes")
    locked_meals: list[LockedMealIn] = Field(default_factory=list, max_length=28)
    avoid_repeats_days: int = Field(default=7, ge=1, le=7)
    prefer_leftovers: bool = Field(
        default=False,
        description="Allow a dinner to come back as the next day's lunch (relaxes repeats)",
    )
    replace: bool = Field(
        default=False, description="Drop the week's existing meals instead of keeping them"
    )

    @model_validator(mode="after")
    def _distinct_meal_types(self) -> GeneratePlanRequest:
        self.meal_types = list(dict.fromkeys(self.meal_types))
        return self


class DayDeviationRead(CamelModel):
    date: dt.date
    calories: float = Field(description="Per person")
    protein_pct: float
    carbs_pct: float
    fat_pct: float
    calorie_deviation_pct: float
    protein_deviation_pp: float
    carbs_deviation_pp: float
    fat_deviation_pp: float
    within_targets: bool


class PlanTargetsRead(CamelModel):
    calories: float
    protein_pct: float
    carbs_pct: float
    fat_pct: float
    source: Literal["request", "preferences", "default"]


class GeneratedPlanRead(CamelModel):
    plan: MealPlanRead
    targets: PlanTargetsRead
    per_day: list[DayDeviationRead]
    solver: Literal["milp", "greedy"]
    status: str
    unmet: list[str]
    candidates: int
    elapsed_ms: float
