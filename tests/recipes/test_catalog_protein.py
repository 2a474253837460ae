"""Checks for the high-protein plant catalog file (high-protein-plant.yaml).

These recipes exist so the planner can give vegetarian and vegan users 30 % of calories from
protein every day. Each one is derived exactly as the service derives a stored recipe, then
held to the protein and fat shares, calorie ranges and diet counts that goal needs.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from typing import Any

import pytest

from mealplanner.core.vocab import CUISINES, DIFFICULTIES, RECIPE_CATEGORIES
from mealplanner.foods import get_food_table
from mealplanner.recipes.models import Recipe
from mealplanner.recipes.schemas import RecipeCreate
from mealplanner.recipes.service import apply_derived, build_ingredient
from tests.recipes.catalog_checks import (
    ALLOWED_UNITS,
    CATALOG,
    load_file,
    portion_measures,
    unit_has_portion,
)

FILE = CATALOG / "high-protein-plant.yaml"
PER_MEAL = 12
CALORIES = {"breakfast": (300, 550), "lunch": (400, 700), "dinner": (400, 700)}


@cache
def _entries() -> tuple[dict[str, Any], ...]:
    return tuple(load_file(FILE))


@cache
def _derived(slug: str) -> Recipe:
    entry = next(e for e in _entries() if e["slug"] == slug)
    data = RecipeCreate.model_validate(entry)
    recipe = Recipe(**data.model_dump(exclude={"ingredients", "slug", "visibility"}))
    ingredients = [build_ingredient(item, n) for n, item in enumerate(data.ingredients)]
    apply_derived(recipe, ingredients)
    return recipe


def _slugs() -> list[str]:
    return [e["slug"] for e in _entries()]


def _primary(entry: dict[str, Any]) -> str:
    return entry["mealTypes"][0]


def test_counts_per_meal_type() -> None:
    counts = Counter(_primary(e) for e in _entries())
    assert counts == {"breakfast": PER_MEAL, "lunch": PER_MEAL, "dinner": PER_MEAL}


def test_diet_counts() -> None:
    flags = [set(_derived(slug).dietary_flags) for slug in _slugs()]
    assert all("vegetarian" in f for f in flags)
    assert sum("vegan" in f for f in flags) >= 24
    assert sum("gluten-free" in f for f in flags) >= 18


def test_slugs_unique_across_catalog() -> None:
    slugs = [entry["slug"] for path in sorted(CATALOG.glob("*.yaml")) for entry in load_file(path)]
    duplicates = [slug for slug, n in Counter(slugs).items() if n > 1]
    assert not duplicates


@pytest.mark.parametrize("slug", _slugs())
def test_vocabulary_and_units(slug: str) -> None:
    entry = next(e for e in _entries() if e["slug"] == slug)
    assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug)
    assert entry["cuisine"] in CUISINES
    assert entry["category"] in RECIPE_CATEGORIES
    assert entry["difficulty"] in DIFFICULTIES
    assert set(entry["mealTypes"]) <= set(CALORIES)
    table = get_food_table()
    for ing in entry["ingredients"]:
        food = table.get(ing["food"])
        assert food is not None, ing
        if ing.get("toTaste"):
            continue
        assert isinstance(ing["quantity"], str), ing
        unit = ing["unit"]
        assert unit in ALLOWED_UNITS, ing
        measures = portion_measures(food)
        assert unit_has_portion(unit, measures), (ing, measures)


@pytest.mark.parametrize("slug", _slugs())
def test_protein_fat_and_calories(slug: str) -> None:
    entry = next(e for e in _entries() if e["slug"] == slug)
    recipe = _derived(slug)
    assert recipe.nutrition_coverage >= 0.95, recipe.unresolved_ingredients
    assert "vegetarian" in recipe.dietary_flags
    protein_share = recipe.protein_g * 4 / recipe.calories
    fat_share = recipe.fat_g * 9 / recipe.calories
    assert protein_share >= 0.30, protein_share
    assert fat_share <= 0.35, fat_share
    low, high = CALORIES[_primary(entry)]
    assert low <= recipe.calories <= high, recipe.calories
