from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from mealplanner.core.schemas import CamelModel, InputModel
from mealplanner.core.vocab import PLAN_MEAL_TYPES
from mealplanner.recipes.schemas import Nutrition


def _monday(value: date) -> date:
    if value.weekday() != 0:
        raise ValueError(f"weekStart must be a Monday; {value.isoformat()} is a {value:%A}")
    return value


def _meal_type(value: str) -> str:
    value = value.strip().lower()
    if value not in PLAN_MEAL_TYPES:
        raise ValueError(f"mealType must be one of: {', '.join(PLAN_MEAL_TYPES)}")
    return value


WeekStart = Annotated[date, AfterValidator(_monday)]
MealType = Annotated[
    str, AfterValidator(_meal_type), Field(json_schema_extra={"enum": list(PLAN_MEAL_TYPES)})
]
Servings = Annotated[float, Field(gt=0, le=50)]


class MealPlanCreate(InputModel):
    week_start: WeekStart
    name: Annotated[str, StringConstraints(max_length=120)] = ""
    notes: Annotated[str, StringConstraints(max_length=5000)] = ""


class MealPlanUpdate(InputModel):
    name: Annotated[str, StringConstraints(max_length=120)] | None = None
    notes: Annotated[str, StringConstraints(max_length=5000)] | None = None


class MealAdd(InputModel):
    date: date
    meal_type: MealType
    recipe_id: uuid.UUID
    servings: Servings | None = Field(
        default=None, description="Defaults to the user's household size"
    )
    note: Annotated[str, StringConstraints(max_length=500)] = ""


class CopyDay(InputModel):
    from_date: date
    to_date: date
    overwrite: bool = False


class RecipeBrief(CamelModel):
    id: uuid.UUID
    slug: str
    name: str
    image_keys: dict[str, object]
    prep_minutes: int
    cook_minutes: int
    total_minutes: int
    servings: float
    nutrition: Nutrition
    dietary_flags: list[str]


class PlannedMealRead(CamelModel):
    id: uuid.UUID
    date: date
    meal_type: str
    servings: float
    note: str
    recipe: RecipeBrief
    nutrition: Nutrition = Field(description="For the planned servings")


class DayNutrition(CamelModel):
    date: date
    meal_count: int
    total: Nutrition = Field(description="All planned servings of the day")
    per_person: Nutrition = Field(description="Total divided by the household size")


class MealPlanRead(CamelModel):
    id: uuid.UUID
    user_id: uuid.UUID
    week_start: date
    name: str
    notes: str
    household_size: int
    meals: list[PlannedMealRead]
    days: list[DayNutrition]
    created_at: datetime
    updated_at: datetime


class MealPlanSummary(CamelModel):
    id: uuid.UUID
    week_start: date
    name: str
    notes: str
    meal_count: int
    created_at: datetime
    updated_at: datetime


class CalendarToken(CamelModel):
    token: str
    url: str
