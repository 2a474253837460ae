"""Checks for shipped catalog file set A (breakfast, lunch-a, snacks, desserts).

Every recipe must use the fixed vocabularies, link every ingredient to a known USDA food,
resolve (almost) all of its mass to nutrition, and land in a sane calorie range. The set as a
whole must offer enough vegan, vegetarian and gluten-free choices and enough cuisines for the
planner to work with.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest

from mealplanner.foods import get_food_table, parse_unit
from tests.recipes.catalog_checks import (
    ALLOWED_UNITS,
    INGREDIENT_KEYS,
    KEBAB,
    QUANTITY,
    RECIPE_KEYS,
    CatalogSet,
    check_vocabulary,
    load_file,
    portion_measures,
    unit_has_portion,
)

FILES = ("breakfast.yaml", "lunch-a.yaml", "snacks.yaml", "desserts.yaml")
SET_A = CatalogSet(*FILES)


@pytest.mark.parametrize("name", FILES)
def test_file_is_a_non_empty_list(name: str) -> None:
    assert load_file(name)


def test_slugs_are_unique_across_set_a() -> None:
    slugs = Counter(SET_A.ids())
    assert not [slug for slug, n in slugs.items() if n > 1]


@pytest.mark.parametrize(("file", "recipe"), SET_A.rows, ids=SET_A.ids())
def test_recipe_shape_and_vocabulary(file: str, recipe: dict[str, Any]) -> None:
    assert set(recipe) == RECIPE_KEYS
    assert KEBAB.match(recipe["slug"])
    assert recipe["name"].strip()
    assert recipe["description"].strip()
    check_vocabulary(recipe)
    assert isinstance(recipe["prepMinutes"], int)
    assert recipe["prepMinutes"] >= 0
    assert isinstance(recipe["cookMinutes"], int)
    assert recipe["cookMinutes"] >= 0
    assert recipe["prepMinutes"] + recipe["cookMinutes"] > 0
    assert isinstance(recipe["servings"], int)
    assert recipe["servings"] >= 1
    assert len(recipe["instructions"]) >= 2
    assert all(isinstance(step, str) and step.strip() for step in recipe["instructions"])
    expected_meal = {
        "breakfast.yaml": "breakfast",
        "lunch-a.yaml": "lunch",
        "snacks.yaml": "snack",
        "desserts.yaml": "dessert",
    }[file]
    assert expected_meal in recipe["mealTypes"]


@pytest.mark.parametrize(("file", "recipe"), SET_A.rows, ids=SET_A.ids())
def test_ingredients_link_to_known_foods_and_portions(file: str, recipe: dict[str, Any]) -> None:
    table = get_food_table()
    assert recipe["ingredients"]
    for ing in recipe["ingredients"]:
        assert set(ing) <= INGREDIENT_KEYS, ing
        assert ing["name"].strip(), ing
        assert re.fullmatch(r"\d{5}", ing["food"]), ing
        food = table.get(ing["food"])
        assert food is not None, ing
        if ing.get("toTaste"):
            assert "quantity" not in ing, ing
            continue
        assert isinstance(ing["quantity"], str), ing
        assert QUANTITY.match(ing["quantity"]), ing
        unit = ing.get("unit")
        if unit is None:
            assert food.portions, ing  # a bare count needs a natural item size
            continue
        assert unit in ALLOWED_UNITS, ing
        assert parse_unit(unit) is not None, ing
        measures = portion_measures(food)
        assert unit_has_portion(unit, measures), (ing, measures)


@pytest.mark.parametrize(("file", "recipe"), SET_A.rows, ids=SET_A.ids())
def test_nutrition_is_covered_and_sane(file: str, recipe: dict[str, Any]) -> None:
    result = SET_A.nutrition(recipe["slug"])
    assert result.coverage >= 0.95, (result.coverage, result.unresolved)
    assert 100 <= result.per_serving.calories <= 1200, result.per_serving.calories


def _count(file: str, meal: str, flag: str | None) -> int:
    return sum(
        1
        for recipe in SET_A.recipes(file)
        if meal in recipe["mealTypes"] and (flag is None or flag in SET_A.flags(recipe["slug"]))
    )


@pytest.mark.parametrize(
    ("file", "meal", "flag", "minimum"),
    [
        ("breakfast.yaml", "breakfast", None, 40),
        ("breakfast.yaml", "breakfast", "vegan", 12),
        ("breakfast.yaml", "breakfast", "vegetarian", 16),
        ("breakfast.yaml", "breakfast", "gluten-free", 14),
        ("lunch-a.yaml", "lunch", None, 37),
        ("lunch-a.yaml", "lunch", "vegan", 10),
        ("lunch-a.yaml", "lunch", "vegetarian", 14),
        ("lunch-a.yaml", "lunch", "gluten-free", 14),
        ("snacks.yaml", "snack", None, 18),
        ("desserts.yaml", "dessert", None, 15),
    ],
)
def test_diet_and_meal_counts(file: str, meal: str, flag: str | None, minimum: int) -> None:
    assert _count(file, meal, flag) >= minimum


def test_vegan_recipes_are_also_vegetarian() -> None:
    for _, recipe in SET_A.rows:
        flags = SET_A.flags(recipe["slug"])
        if "vegan" in flags:
            assert "vegetarian" in flags, recipe["slug"]


def test_cuisine_spread() -> None:
    assert len({recipe["cuisine"] for _, recipe in SET_A.rows}) >= 12


def test_high_protein_options_exist() -> None:
    high = [r["slug"] for _, r in SET_A.rows if "high-protein" in SET_A.flags(r["slug"])]
    vegan_high = [s for s in high if "vegan" in SET_A.flags(s)]
    assert len(high) >= 10
    assert len(vegan_high) >= 3


@pytest.mark.parametrize(
    ("file", "low", "high"),
    [("breakfast.yaml", 200, 700), ("lunch-a.yaml", 350, 850)],
)
def test_calorie_spread_for_main_meals(file: str, low: float, high: float) -> None:
    calories = [SET_A.nutrition(r["slug"]).per_serving.calories for r in SET_A.recipes(file)]
    assert all(low <= kcal <= high for kcal in calories), sorted(calories)
    # A realistic spread, not every recipe clustered at one size.
    assert max(calories) - min(calories) >= 200
