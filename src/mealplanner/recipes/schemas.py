from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    Field,
    StringConstraints,
    computed_field,
    field_validator,
    model_validator,
)

from mealplanner.core.schemas import CamelModel, InputModel
from mealplanner.core.storage import media_url
from mealplanner.core.vocab import (
    ALLERGENS,
    CUISINES,
    DIETS,
    DIFFICULTIES,
    MEAL_TYPES,
    RECIPE_CATEGORIES,
)
from mealplanner.foods.parser import parse_quantity
from mealplanner.foods.units import parse_unit


def _vocab(vocab: tuple[str, ...], what: str) -> AfterValidator:
    def check(value: str) -> str:
        value = value.strip().lower()
        if value not in vocab:
            raise ValueError(f"Unknown {what} '{value}'; expected one of: {', '.join(vocab)}")
        return value

    return AfterValidator(check)


def _enum(vocab: tuple[str, ...]) -> Any:
    return Field(json_schema_extra={"enum": list(vocab)})


Cuisine = Annotated[str, _vocab(CUISINES, "cuisine"), _enum(CUISINES)]
MealType = Annotated[str, _vocab(MEAL_TYPES, "meal type"), _enum(MEAL_TYPES)]
Category = Annotated[str, _vocab(RECIPE_CATEGORIES, "category"), _enum(RECIPE_CATEGORIES)]
Difficulty = Annotated[str, _vocab(DIFFICULTIES, "difficulty"), _enum(DIFFICULTIES)]
Diet = Annotated[str, _vocab(DIETS, "diet"), _enum(DIETS)]
Allergen = Annotated[str, _vocab(ALLERGENS, "allergen"), _enum(ALLERGENS)]
Tag = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, min_length=1, max_length=40, pattern=r"^[\w -]+$"
    ),
]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Minutes = Annotated[int, Field(ge=0, le=2880)]
MAX_QUANTITY = 100_000


class IngredientIn(InputModel):
    """One ingredient: either structured fields, or a free-text `text` line to parse.

    `quantity` accepts numbers or text such as "1 1/2", "½" or "2-3".
    """

    text: Annotated[str, StringConstraints(max_length=300)] | None = None
    quantity: float | str | None = None
    quantity_max: float | None = Field(default=None, gt=0, le=MAX_QUANTITY)
    unit: Annotated[str, StringConstraints(max_length=20)] | None = None
    name: ShortText | None = None
    food: Annotated[str, StringConstraints(pattern=r"^\d{4,5}$")] | None = Field(
        default=None, description="USDA SR28 NDB number; linked automatically when omitted"
    )
    preparation: Annotated[str, StringConstraints(max_length=200)] | None = None
    optional: bool = False
    to_taste: bool = False
    group: Annotated[str, StringConstraints(max_length=100)] | None = None

    @field_validator("quantity")
    @classmethod
    def _quantity(cls, value: float | str | None) -> float | str | None:
        if value is None:
            return None
        if isinstance(value, str):
            parsed = parse_quantity(value)
            if parsed is None:
                raise ValueError(f"Cannot read quantity '{value}'")
            return value
        if not 0 < value <= MAX_QUANTITY:
            raise ValueError(f"Quantity must be between 0 and {MAX_QUANTITY}")
        return value

    @field_validator("unit")
    @classmethod
    def _unit(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        unit = parse_unit(value)
        if unit is None:
            raise ValueError(f"Unknown unit '{value}'")
        return unit.key

    @model_validator(mode="after")
    def _text_or_name(self) -> IngredientIn:
        if not self.text and not self.name:
            raise ValueError("Give either `text` or `name`")
        return self


class RecipeBase(InputModel):
    name: ShortText
    description: Annotated[str, StringConstraints(max_length=2000)] = ""
    cuisine: Cuisine = "international"
    meal_types: list[MealType] = Field(min_length=1, max_length=len(MEAL_TYPES))
    category: Category = "main"
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    prep_minutes: Minutes = 0
    cook_minutes: Minutes = 0
    servings: float = Field(default=4, gt=0, le=100)
    difficulty: Difficulty = "easy"
    ingredients: list[IngredientIn] = Field(min_length=1, max_length=100)
    instructions: list[Annotated[str, StringConstraints(min_length=1, max_length=5000)]] = Field(
        min_length=1, max_length=100
    )
    source_name: Annotated[str, StringConstraints(max_length=200)] | None = None
    source_url: Annotated[str, StringConstraints(max_length=2000, pattern=r"^https?://")] | None = (
        None
    )
    attribution: Annotated[str, StringConstraints(max_length=500)] | None = None


Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=120)]


class RecipeCreate(RecipeBase):
    slug: Annotated[
        str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=120)
    ] | (None) = None
    visibility: Literal["public", "private"] = "public"


class RecipeUpdate(InputModel):
    """Partial update; `ingredients` and `instructions` replace the whole list when sent."""

    name: ShortText | None = None
    description: Annotated[str, StringConstraints(max_length=2000)] | None = None
    cuisine: Cuisine | None = None
    meal_types: list[MealType] | None = Field(default=None, min_length=1)
    category: Category | None = None
    tags: list[Tag] | None = Field(default=None, max_length=20)
    prep_minutes: Minutes | None = None
    cook_minutes: Minutes | None = None
    servings: float | None = Field(default=None, gt=0, le=100)
    difficulty: Difficulty | None = None
    ingredients: list[IngredientIn] | None = Field(default=None, min_length=1, max_length=100)
    instructions: list[Annotated[str, StringConstraints(min_length=1, max_length=5000)]] | None = (
        Field(default=None, min_length=1, max_length=100)
    )
    source_name: Annotated[str, StringConstraints(max_length=200)] | None = None
    source_url: Annotated[str, StringConstraints(max_length=2000, pattern=r"^https?://")] | None = (
        None
    )
    attribution: Annotated[str, StringConstraints(max_length=500)] | None = None
    visibility: Literal["public", "private"] | None = None


class IngredientRead(CamelModel):
    id: uuid.UUID
    position: int
    group: str | None = Field(default=None, validation_alias="group_name")
    quantity: float | None
    quantity_max: float | None
    unit: str | None
    name: str
    preparation: str | None
    optional: bool
    to_taste: bool
    food_id: str | None
    link_confidence: float | None
    grams: float | None


class Nutrition(CamelModel):
    calories: float = 0
    protein_g: float = 0
    carbs_g: float = 0
    fat_g: float = 0
    fiber_g: float = 0
    sugar_g: float = 0
    sodium_mg: float = 0
    saturated_fat_g: float = 0


class RecipeSummary(CamelModel):
    id: uuid.UUID
    slug: str
    name: str
    description: str
    cuisine: str
    meal_types: list[str]
    category: str
    tags: list[str]
    prep_minutes: int
    cook_minutes: int
    total_minutes: int
    servings: float
    difficulty: str
    nutrition: Nutrition
    dietary_flags: list[str]
    allergens: list[str]
    image_keys: dict[str, Any]
    visibility: str
    favorite_count: int
    times_planned: int
    created_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def image_urls(self) -> dict[str, str]:
        """Public URLs of the image variants (original, large, medium, thumbnail)."""
        urls = {name: media_url(key) for name, key in self.image_keys.items()}
        return {name: url for name, url in urls.items() if isinstance(url, str)}


class RecipeRead(RecipeSummary):
    ingredients: list[IngredientRead]
    instructions: list[str]
    nutrition_coverage: float
    unresolved_ingredients: list[str]
    source_name: str | None
    source_url: str | None
    attribution: str | None
    owner_id: uuid.UUID | None
    updated_at: datetime
    is_favorite: bool = False


class AutocompleteItem(CamelModel):
    id: uuid.UUID
    slug: str
    name: str


class FavoriteState(CamelModel):
    recipe_id: uuid.UUID
    favorited: bool
    favorite_count: int
