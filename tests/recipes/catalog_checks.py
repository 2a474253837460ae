"""Shared helpers for the shipped-catalog checks (test_catalog_*.py).

Loading catalog YAML files, turning a recipe's ingredient lines into nutrition inputs, deriving
(and caching) a recipe's nutrition and diet flags, and checking that a line's unit can be
weighed with one of its USDA food's portions.
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from mealplanner.core.vocab import CUISINES, DIFFICULTIES, MEAL_TYPES, RECIPE_CATEGORIES
from mealplanner.foods import IngredientInput, compute_nutrition, get_food_table
from mealplanner.foods.dietary import derive_dietary
from mealplanner.foods.nutrition import NutritionResult

CATALOG = Path(__file__).resolve().parents[2] / "src/mealplanner/recipes/data/catalog"

RECIPE_KEYS = {
    "slug",
    "name",
    "description",
    "cuisine",
    "mealTypes",
    "category",
    "tags",
    "prepMinutes",
    "cookMinutes",
    "servings",
    "difficulty",
    "ingredients",
    "instructions",
}
INGREDIENT_KEYS = {
    "quantity",
    "unit",
    "food",
    "name",
    "preparation",
    "optional",
    "toTaste",
    "group",
}
COUNT_UNITS = {
    "large",
    "medium",
    "small",
    "clove",
    "slice",
    "can",
    "piece",
    "stalk",
    "sprig",
    "leaf",
    "head",
    "fillet",
    "stick",
}
OTHER_UNITS = {"g", "kg", "ml", "l", "tsp", "tbsp", "cup", "oz", "lb", "fl oz", "pinch"}
ALLOWED_UNITS = COUNT_UNITS | OTHER_UNITS
# Household volume units, which need a USDA portion measured in a household volume.
HOUSEHOLD_VOLUME_UNITS = {"cup", "tbsp", "tsp", "fl oz"}
# Household volume measures a USDA portion can start with.
VOLUME_MEASURES = ("cup", "tbsp", "tsp", "fl oz", "tablespoon", "teaspoon")
KEBAB = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
QUANTITY = re.compile(r"^\d+(?: \d+/\d+|/\d+)?(?:-\d+(?: \d+/\d+|/\d+)?)?$")


def load_file(name: str | Path) -> list[dict[str, Any]]:
    """One catalog file (a name in CATALOG, or a path), which must hold a YAML list."""
    path = CATALOG / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, list), f"{path.name} must hold a YAML list"
    return data


def parse_quantity(text: str) -> tuple[float, float | None]:
    """A catalog quantity ("2", "1 1/2", "1/2-1") as (quantity, quantity_max)."""

    def one(part: str) -> Fraction:
        return sum((Fraction(piece) for piece in part.split()), Fraction(0))

    low, _, high = text.partition("-")
    return float(one(low)), (float(one(high)) if high else None)


def ingredient_inputs(recipe: dict[str, Any]) -> list[IngredientInput]:
    inputs = []
    for line in recipe["ingredients"]:
        quantity, quantity_max = (None, None)
        if "quantity" in line:
            quantity, quantity_max = parse_quantity(line["quantity"])
        inputs.append(
            IngredientInput(
                name=line["name"],
                quantity=quantity,
                unit=line.get("unit"),
                ndb_no=line["food"],
                quantity_max=quantity_max,
                optional=bool(line.get("optional", False)),
                to_taste=bool(line.get("toTaste", False)),
            )
        )
    return inputs


def check_vocabulary(recipe: dict[str, Any]) -> None:
    """Cuisine, meal types, category, difficulty and tags use the shared vocabularies."""
    assert recipe["cuisine"] in CUISINES
    assert recipe["mealTypes"]
    assert set(recipe["mealTypes"]) <= set(MEAL_TYPES)
    assert recipe["category"] in RECIPE_CATEGORIES
    assert recipe["difficulty"] in DIFFICULTIES
    assert 2 <= len(recipe["tags"]) <= 6
    assert all(KEBAB.match(tag) for tag in recipe["tags"])


def portion_measures(food: Any) -> list[str]:
    """A food's USDA portion measures, lower-cased."""
    return [portion.measure.lower() for portion in food.portions]


def unit_has_portion(unit: str, measures: list[str]) -> bool:
    """Whether a food with these portion measures can be weighed in ``unit``.

    A count unit ("clove", "slice", ...) needs a portion starting with it, a household volume
    unit needs a household volume portion; mass units and ml/l need no portion.
    """
    if unit in COUNT_UNITS:
        return any(m.startswith(unit) for m in measures)
    if unit in HOUSEHOLD_VOLUME_UNITS:
        return any(m.startswith(VOLUME_MEASURES) for m in measures)
    return True


class CatalogSet:
    """The recipes of some catalog files, with each recipe's nutrition and flags cached."""

    def __init__(self, *files: str) -> None:
        self.files = files
        self._nutrition: dict[str, NutritionResult] = {}
        self._flags: dict[str, frozenset[str]] = {}

    @cached_property
    def rows(self) -> tuple[tuple[str, dict[str, Any]], ...]:
        """(file name, recipe) for every recipe, in file order."""
        return tuple((name, recipe) for name in self.files for recipe in load_file(name))

    def recipes(self, file: str | None = None) -> list[dict[str, Any]]:
        return [recipe for name, recipe in self.rows if file is None or name == file]

    def ids(self) -> list[str]:
        return [str(recipe.get("slug")) for _, recipe in self.rows]

    def recipe(self, slug: str) -> dict[str, Any]:
        return next(recipe for _, recipe in self.rows if recipe["slug"] == slug)

    def nutrition(self, slug: str) -> NutritionResult:
        if slug not in self._nutrition:
            recipe = self.recipe(slug)
            self._nutrition[slug] = compute_nutrition(ingredient_inputs(recipe), recipe["servings"])
        return self._nutrition[slug]

    def flags(self, slug: str) -> frozenset[str]:
        if slug not in self._flags:
            table = get_food_table()
            foods = [table[line["food"]] for line in self.recipe(slug)["ingredients"]]
            self._flags[slug] = derive_dietary(foods, self.nutrition(slug).per_serving).flags
        return self._flags[slug]
