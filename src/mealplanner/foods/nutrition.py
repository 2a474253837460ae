"""Recipe nutrition from ingredient lines linked to USDA foods.

For each line: grams = ``FoodTable.grams_for(food, quantity, unit)`` (a range such as "2-3"
uses its midpoint), then each nutrient = value per 100 g * grams / 100, USDA's own formula.
A nutrient USDA has no value for counts as 0.

Which lines count:

* *to-taste* lines, *optional* lines and lines with no quantity at all ("salt", "oil for
  frying", group headings) are left out of the totals and out of coverage: the recipe does not
  say how much goes in, so no number would be honest.
* Every other line is *counted*. It is *resolved* when it links to a known food and its amount
  converts to grams; otherwise its name goes into ``unresolved``.

``coverage`` is the share of counted ingredient mass that was resolved::

    coverage = resolved grams / (resolved grams + unresolved grams)

An unresolved line's grams are its own when the amount alone tells them (a mass unit, or a
volume read as water), else the median grams of the resolved lines (a typical line), or 100 g
when nothing resolved. A recipe with no counted lines has coverage 1.0: nothing measurable is
missing.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Final

from mealplanner.foods.table import Food, FoodTable, get_food_table
from mealplanner.foods.units import Dimension, parse_unit

# When nothing in the recipe resolved there is no typical line to compare with.
_FALLBACK_LINE_GRAMS: Final = 100.0

# USDA column for each Nutrients field.
_COLUMNS: Final[dict[str, str]] = {
    "calories": "energy_kcal",
    "protein_g": "protein_g",
    "carbs_g": "carbohydrate_g",
    "fat_g": "fat_g",
    "fiber_g": "fiber_g",
    "sugar_g": "sugars_g",
    "sodium_mg": "sodium_mg",
    "saturated_fat_g": "saturated_fat_g",
}
_API_KEYS: Final[dict[str, str]] = {
    "calories": "calories",
    "protein_g": "proteinG",
    "carbs_g": "carbsG",
    "fat_g": "fatG",
    "fiber_g": "fiberG",
    "sugar_g": "sugarG",
    "sodium_mg": "sodiumMg",
    "saturated_fat_g": "saturatedFatG",
}


@dataclass(frozen=True, slots=True)
class Nutrients:
    calories: float = 0.0
    protein_g: float = 0.0
    carbs_g: float = 0.0
    fat_g: float = 0.0
    fiber_g: float = 0.0
    sugar_g: float = 0.0
    sodium_mg: float = 0.0
    saturated_fat_g: float = 0.0

    @classmethod
    def zero(cls) -> Nutrients:
        return cls()

    @classmethod
    def for_food(cls, food: Food, grams: float) -> Nutrients:
        factor = grams / 100.0
        return cls(**{name: food.nutrient(column) * factor for name, column in _COLUMNS.items()})

    def __add__(self, other: Nutrients) -> Nutrients:
        if not isinstance(other, Nutrients):
            return NotImplemented
        return Nutrients(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    def scale(self, factor: float) -> Nutrients:
        return Nutrients(**{f.name: getattr(self, f.name) * factor for f in fields(self)})

    @property
    def net_carbs_g(self) -> float:
        return max(0.0, self.carbs_g - self.fiber_g)

    def as_dict(self) -> dict[str, float]:
        """camelCase keys as the API shows them, rounded to one decimal."""
        return {_API_KEYS[f.name]: round(getattr(self, f.name), 1) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class IngredientInput:
    name: str
    quantity: float | None
    unit: str | None
    ndb_no: str | None
    quantity_max: float | None = None
    optional: bool = False
    to_taste: bool = False


@dataclass(frozen=True, slots=True)
class NutritionResult:
    total: Nutrients
    per_serving: Nutrients
    coverage: float
    unresolved: list[str] = field(default_factory=list)
    grams: list[float | None] = field(default_factory=list)


def effective_quantity(quantity: float | None, quantity_max: float | None) -> float | None:
    """The amount a line stands for: a range's midpoint, else the quantity."""
    if quantity is None:
        return None
    if quantity_max is not None and quantity_max > quantity:
        return (quantity + quantity_max) / 2
    return quantity


def _grams_without_food(quantity: float, unit: str | None) -> float | None:
    parsed = parse_unit(unit) if unit else None
    if parsed is None or parsed.to_base is None:
        return None
    # Read a volume as water: the best guess when the food itself is unknown.
    if parsed.dimension in (Dimension.MASS, Dimension.VOLUME):
        return quantity * parsed.to_base
    return None


def compute_nutrition(
    ingredients: Sequence[IngredientInput],
    servings: float,
    table: FoodTable | None = None,
) -> NutritionResult:
    """Total and per-serving nutrition, coverage and per-line grams for a recipe.

    A non-positive ``servings`` is taken as 1 rather than dividing by zero.
    """
    table = table or get_food_table()
    total = Nutrients.zero()
    grams_per_line: list[float | None] = []
    resolved_grams: list[float] = []
    unresolved: list[str] = []
    # Unresolved counted lines: their own grams when known, None to estimate later.
    unresolved_grams: list[float | None] = []

    for line in ingredients:
        quantity = effective_quantity(line.quantity, line.quantity_max)
        food = table.get(line.ndb_no) if line.ndb_no else None
        grams: float | None = None
        if quantity is not None and quantity > 0 and food is not None:
            grams = table.grams_for(food, quantity, line.unit)
        grams_per_line.append(grams)

        if line.to_taste or line.optional or quantity is None or quantity <= 0:
            continue
        if food is not None and grams is not None:
            total = total + Nutrients.for_food(food, grams)
            resolved_grams.append(grams)
        else:
            unresolved.append(line.name)
            unresolved_grams.append(_grams_without_food(quantity, line.unit))

    typical = statistics.median(resolved_grams) if resolved_grams else _FALLBACK_LINE_GRAMS
    resolved_mass = sum(resolved_grams)
    missing_mass = sum(typical if grams is None else grams for grams in unresolved_grams)
    counted_mass = resolved_mass + missing_mass
    coverage = resolved_mass / counted_mass if counted_mass > 0 else float(not unresolved)

    return NutritionResult(
        total=total,
        per_serving=total.scale(1 / (servings if servings > 0 else 1.0)),
        coverage=min(1.0, max(0.0, coverage)),
        unresolved=unresolved,
        grams=grams_per_line,
    )
