"""Query parameters of the recipe list and search: filters and sort, validated strictly."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Query

from mealplanner.core.errors import ValidationFailed
from mealplanner.core.vocab import ALLERGENS, CUISINES, DIETS, MEAL_TYPES, RECIPE_CATEGORIES

SORT_FIELDS = {
    "createdAt",
    "name",
    "popularity",
    "rating",
    "prepTime",
    "totalTime",
    "calories",
    "protein",
    "relevance",
}
DEFAULT_SORT = (("createdAt", "desc"),)
SORT_HELP = "Comma-separated field:direction, e.g. createdAt:desc,name:asc (searches: relevance)"


@dataclass(frozen=True)
class RecipeFilters:
    categories: tuple[str, ...] = ()
    cuisines: tuple[str, ...] = ()
    meal_types: tuple[str, ...] = ()
    dietary: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    max_prep_time: int | None = None
    max_total_time: int | None = None
    min_calories: float | None = None
    max_calories: float | None = None
    exclude_allergens: tuple[str, ...] = ()
    include_ingredients: tuple[str, ...] = ()
    exclude_ingredients: tuple[str, ...] = ()
    sort: tuple[tuple[str, str], ...] = field(default=DEFAULT_SORT)

    def cache_key_part(self) -> dict[str, object]:
        return {
            name: list(value) if isinstance(value, tuple) else value
            for name, value in self.__dict__.items()
            if name != "sort" and value not in ((), None)
        }

    def sort_key_part(self) -> str:
        return ",".join(f"{f}:{d}" for f, d in self.sort)


def _split(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for value in values or []:
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return out


def _vocab(values: list[str] | None, vocab: tuple[str, ...], param: str) -> tuple[str, ...]:
    items = [v.lower() for v in _split(values)]
    unknown = [v for v in items if v not in vocab]
    if unknown:
        raise ValidationFailed(
            details={param: f"Unknown value '{unknown[0]}'; expected one of: {', '.join(vocab)}"}
        )
    return tuple(dict.fromkeys(items))


def _free_text(values: list[str] | None, param: str) -> tuple[str, ...]:
    items = [v.lower() for v in _split(values)]
    if len(items) > 20 or any(len(v) > 60 for v in items):
        raise ValidationFailed(details={param: "At most 20 values of up to 60 characters"})
    return tuple(dict.fromkeys(items))


def parse_sort(value: str | None, *, allow_relevance: bool) -> tuple[tuple[str, str], ...]:
    if not value:
        return (("relevance", "desc"),) if allow_relevance else DEFAULT_SORT
    result: list[tuple[str, str]] = []
    for part in value.split(","):
        name, _, direction = part.strip().partition(":")
        direction = (direction or "asc" if name == "name" else direction or "desc").lower()
        if name not in SORT_FIELDS or (name == "relevance" and not allow_relevance):
            allowed = sorted(SORT_FIELDS - (set() if allow_relevance else {"relevance"}))
            raise ValidationFailed(
                details={"sort": f"Unknown sort field '{name}'; use one of: {', '.join(allowed)}"}
            )
        if direction not in {"asc", "desc"}:
            raise ValidationFailed(
                details={"sort": f"Direction must be asc or desc, not '{direction}'"}
            )
        result.append((name, direction))
    if len(result) > 4:
        raise ValidationFailed(details={"sort": "At most 4 sort fields"})
    return tuple(result)


Multi = Annotated[list[str] | None, Query()]


def filters_dependency(
    *, allow_relevance: bool
) -> Callable[..., Coroutine[Any, Any, RecipeFilters]]:
    """The query-parameter dependency for lists (`allow_relevance=False`) or searches."""

    async def recipe_filters(
        category: Multi = None,
        cuisine: Multi = None,
        meal_type: Annotated[list[str] | None, Query(alias="mealType")] = None,
        dietary: Multi = None,
        tags: Multi = None,
        max_prep_time: Annotated[int | None, Query(alias="maxPrepTime", ge=0, le=2880)] = None,
        max_total_time: Annotated[int | None, Query(alias="maxTotalTime", ge=0, le=2880)] = None,
        min_calories: Annotated[float | None, Query(alias="minCalories", ge=0, le=10000)] = None,
        max_calories: Annotated[float | None, Query(alias="maxCalories", ge=0, le=10000)] = None,
        exclude_allergens: Annotated[list[str] | None, Query(alias="excludeAllergens")] = None,
        include_ingredients: Annotated[list[str] | None, Query(alias="includeIngredients")] = None,
        exclude_ingredients: Annotated[list[str] | None, Query(alias="excludeIngredients")] = None,
        sort: Annotated[str | None, Query(max_length=200, description=SORT_HELP)] = None,
    ) -> RecipeFilters:
        # The spec's own example filters `category=Dinner`: a meal type given as category is
        # read as a meal-type filter rather than refused.
        raw_categories = [v.lower() for v in _split(category)]
        as_meal_types = [
            v for v in raw_categories if v in MEAL_TYPES and v not in RECIPE_CATEGORIES
        ]
        categories = _vocab(
            [v for v in raw_categories if v not in as_meal_types], RECIPE_CATEGORIES, "category"
        )
        meal_types = _vocab([*(meal_type or []), *as_meal_types], MEAL_TYPES, "mealType")
        if min_calories is not None and max_calories is not None and min_calories > max_calories:
            raise ValidationFailed(details={"minCalories": "minCalories is above maxCalories"})
        return RecipeFilters(
            categories=categories,
            cuisines=_vocab(cuisine, CUISINES, "cuisine"),
            meal_types=meal_types,
            dietary=_vocab(dietary, DIETS, "dietary"),
            tags=_free_text(tags, "tags"),
            max_prep_time=max_prep_time,
            max_total_time=max_total_time,
            min_calories=min_calories,
            max_calories=max_calories,
            exclude_allergens=_vocab(exclude_allergens, ALLERGENS, "excludeAllergens"),
            include_ingredients=_free_text(include_ingredients, "includeIngredients"),
            exclude_ingredients=_free_text(exclude_ingredients, "excludeIngredients"),
            sort=parse_sort(sort, allow_relevance=allow_relevance),
        )

    return recipe_filters


list_filters = filters_dependency(allow_relevance=False)
search_filters = filters_dependency(allow_relevance=True)
