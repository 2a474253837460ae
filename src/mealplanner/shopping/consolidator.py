"""Merge the ingredients of many planned meals into one shopping list (pure, no I/O).

Each recipe line is scaled by planned servings / recipe servings, then lines are grouped by
food identity: the USDA food id when the line is linked, else its normalised name. Within one
food, amounts are kept in *buckets* by what they measure: mass (grams), volume (millilitres),
one bucket per count unit ("clove", "large", a bare count) and one per unknown unit. Buckets
whose gram weight is known for the food (mass always; volume through the food's USDA portions
or density; counts through the food's item or portion weight) are merged into the bucket that
carries most of the weight, so "200 g flour" + "1 cup flour" becomes one line of 325 g while
"2 cups milk" + "250 ml milk" stays a volume. Only buckets with no gram weight (an unlinked
name in cups and grams, "1 can" of a food USDA has no can weight for) stay separate lines.

Lines with no quantity ("salt to taste", "oil for frying") are listed once without one; when
the same food also has a measured amount, that line carries the to-taste mark instead.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from mealplanner.foods.matching import normalise
from mealplanner.foods.table import Food, FoodTable, get_food_table
from mealplanner.foods.units import Dimension, UnitSystem, format_quantity, parse_unit

MASS: Final = "mass"
VOLUME: Final = "volume"
# Size words describe one item of the food, so a food's item weight applies to them.
_ITEM_SIZES: Final = frozenset({"", "small", "medium", "large", "extra large"})
_MEAL_ORDER: Final = {"breakfast": 0, "lunch": 1, "dinner": 2, "snack": 3}


@dataclass(frozen=True, slots=True)
class Source:
    """Why an item is on the list: one recipe on one day."""

    recipe_id: str
    recipe_name: str
    date: date
    meal_type: str

    def as_json(self) -> dict[str, str]:
        return {
            "recipeId": self.recipe_id,
            "recipeName": self.recipe_name,
            "date": self.date.isoformat(),
            "mealType": self.meal_type,
        }


@dataclass(frozen=True, slots=True)
class IngredientUse:
    """One recipe ingredient line as planned; ``factor`` = planned / recipe servings."""

    name: str
    quantity: float | None
    unit: str | None
    source: Source
    factor: float = 1.0
    food_id: str | None = None
    quantity_max: float | None = None
    optional: bool = False
    to_taste: bool = False

    @property
    def amount(self) -> float | None:
        # A range ("1-2 cloves") is bought at its upper end; running short is worse.
        base = self.quantity_max if self.quantity_max is not None else self.quantity
        if base is None or base <= 0:
            return None
        return base * self.factor


@dataclass(slots=True)
class ConsolidatedItem:
    """One shopping-list line.

    ``unit`` is "g" (mass), "ml" (volume), a count unit key ("clove", "large"), a verbatim
    unknown unit, or None for a bare count; ``quantity`` is in that unit and None when the
    item has no amount ("to taste").
    """

    key: str
    name: str
    food_id: str | None
    quantity: float | None
    unit: str | None
    optional: bool
    to_taste: bool
    sources: list[Source] = field(default_factory=list)

    def display(self, system: UnitSystem) -> str:
        return display_text(self.name, self.quantity, self.unit, system, to_taste=self.to_taste)


def scale_factor(planned_servings: float | None, recipe_servings: float | None) -> float:
    """How many times a recipe is cooked; a recipe without servings counts as one batch."""
    if not recipe_servings or recipe_servings <= 0:
        return 1.0
    if planned_servings is None or planned_servings <= 0:
        return 1.0
    return planned_servings / recipe_servings


def identity_key(name: str, food_id: str | None) -> str:
    if food_id:
        return f"food:{food_id}"
    return f"name:{normalise(name, drop_prep=True) or name.strip().lower()}"


def _bucket_of(unit: str | None) -> tuple[str, float]:
    """(bucket, multiplier to the bucket's base unit) for a recipe unit."""
    if unit is None or not unit.strip():
        return "count:", 1.0
    parsed = parse_unit(unit)
    if parsed is None:
        return f"other:{unit.strip().lower()}", 1.0
    if parsed.dimension is Dimension.MASS:
        assert parsed.to_base is not None
        return MASS, parsed.to_base
    if parsed.dimension is Dimension.VOLUME:
        assert parsed.to_base is not None
        return VOLUME, parsed.to_base
    # "piece" and "whole" mean the same as no unit at all ("3 eggs").
    return f"count:{'' if parsed.key == 'piece' else parsed.key}", 1.0


def to_base_units(quantity: float, unit: str | None) -> tuple[float, str | None]:
    """An amount as a list stores it: grams, millilitres, or a count in its own unit."""
    bucket, multiplier = _bucket_of(unit)
    if bucket.startswith("other:"):
        assert unit is not None
        return quantity, unit.strip()
    return quantity * multiplier, _bucket_unit(bucket)


def _has_portion(food: Food, unit_key: str) -> bool:
    for portion in food.portions:
        parsed = parse_unit(portion.unit)
        if portion.unit == unit_key or (parsed is not None and parsed.key == unit_key):
            return True
        if portion.measure.lower().split(" ", 1)[0].strip(",") == unit_key:
            return True
    return False


class _GramWeights:
    """Grams per bucket base unit for a food.

    Memoised per process and table: the food table is immutable, and the USDA portion scan
    behind each answer is most of the consolidation's CPU time.
    """

    def __init__(self, table: FoodTable) -> None:
        self.table = table

    def per_base(self, food: Food | None, bucket: str) -> float | None:
        if bucket == MASS:
            return 1.0
        if food is None:
            return None
        return _grams_per_base(self.table, food, bucket)


@functools.lru_cache(maxsize=65_536)
def _grams_per_base(table: FoodTable, food: Food, bucket: str) -> float | None:
    grams: float | None
    if bucket == VOLUME:
        grams = table.grams_per_unit(food, "ml")
    elif bucket.startswith("count:"):
        key = bucket.removeprefix("count:")
        if key in _ITEM_SIZES or _has_portion(food, key):
            grams = table.grams_per_unit(food, key or None)
        else:
            # No USDA weight for "a can" or "a bunch" of this food: guessing one from a
            # single item would be wrong by an order of magnitude.
            grams = None
    else:
        raw = bucket.removeprefix("other:")
        grams = table.grams_per_unit(food, raw) if _has_portion(food, raw) else None
    return grams if grams and grams > 0 and math.isfinite(grams) else None


@dataclass(slots=True)
class _Bucket:
    amount: float = 0.0
    uses: list[IngredientUse] = field(default_factory=list)


def _bucket_unit(bucket: str) -> str | None:
    if bucket == MASS:
        return "g"
    if bucket == VOLUME:
        return "ml"
    key = bucket.split(":", 1)[1]
    return key or None


def _sources(uses: Iterable[IngredientUse]) -> list[Source]:
    unique = {use.source: None for use in uses}
    return sorted(
        unique,
        key=lambda s: (s.date, _MEAL_ORDER.get(s.meal_type, 9), s.recipe_name, s.recipe_id),
    )


def _name(uses: list[IngredientUse]) -> str:
    counts = Counter(use.name.strip() for use in uses)
    best = max(counts.values())
    # Most frequent spelling; ties go to the first seen, so the choice is stable.
    return next(use.name.strip() for use in uses if counts[use.name.strip()] == best)


def _item(
    key: str,
    uses: list[IngredientUse],
    quantity: float | None,
    unit: str | None,
    to_taste: bool,
    name_uses: list[IngredientUse],
) -> ConsolidatedItem:
    return ConsolidatedItem(
        key=key,
        name=_name(name_uses),
        food_id=uses[0].food_id,
        quantity=quantity,
        unit=unit,
        optional=all(use.optional for use in uses),
        to_taste=to_taste,
        sources=_sources(uses),
    )


def _consolidate_food(
    identity: str, uses: list[IngredientUse], food: Food | None, weights: _GramWeights
) -> list[ConsolidatedItem]:
    buckets: dict[str, _Bucket] = {}
    unmeasured: list[IngredientUse] = []
    for use in uses:
        amount = use.amount
        if amount is None:
            unmeasured.append(use)
            continue
        bucket_name, multiplier = _bucket_of(use.unit)
        bucket = buckets.setdefault(bucket_name, _Bucket())
        bucket.amount += amount * multiplier
        bucket.uses.append(use)

    if not buckets:
        return [_item(identity, uses, None, None, any(u.to_taste for u in uses), uses)]

    convertible: dict[str, float] = {}
    for bucket_name in buckets:
        per_base = weights.per_base(food, bucket_name)
        if per_base is not None:
            convertible[bucket_name] = per_base

    # (bucket, quantity in its base unit, uses) per output line.
    lines: list[tuple[str, float, list[IngredientUse]]] = []
    if len(convertible) >= 2:
        grams = {b: buckets[b].amount * per_base for b, per_base in convertible.items()}
        target = max(grams, key=lambda b: (grams[b], b == MASS, b == VOLUME))
        merged = [use for b in convertible for use in buckets[b].uses]
        lines.append((target, sum(grams.values()) / convertible[target], merged))
        rest = [b for b in buckets if b not in convertible]
    else:
        rest = list(buckets)
    # The merged line (else the most used one) keeps the bare identity key, so that
    # regenerating a list finds it again.
    rest.sort(key=lambda b: (-len(buckets[b].uses), b))
    lines.extend((b, buckets[b].amount, buckets[b].uses) for b in rest)

    items: list[ConsolidatedItem] = []
    for index, (bucket_name, quantity, line_uses) in enumerate(lines):
        first = index == 0
        contributing = line_uses + unmeasured if first else line_uses
        items.append(
            _item(
                identity if first else f"{identity}|{bucket_name}",
                contributing,
                quantity,
                _bucket_unit(bucket_name),
                to_taste=first and any(u.to_taste for u in unmeasured),
                name_uses=line_uses,
            )
        )
    return items


def consolidate_ingredients(
    uses: Iterable[IngredientUse], table: FoodTable | None = None
) -> list[ConsolidatedItem]:
    """Merge planned ingredient lines into shopping items, in first-seen order of foods."""
    table = table or get_food_table()
    weights = _GramWeights(table)
    by_identity: dict[str, list[IngredientUse]] = {}
    for use in uses:
        if not use.name.strip():
            continue
        by_identity.setdefault(identity_key(use.name, use.food_id), []).append(use)
    items: list[ConsolidatedItem] = []
    for identity, food_uses in by_identity.items():
        food_id = food_uses[0].food_id
        food = table.get(food_id) if food_id else None
        items.extend(_consolidate_food(identity, food_uses, food, weights))
    return items


# -- display --------------------------------------------------------------------------------


def pluralise(name: str) -> str:
    """English plural of the last word, for bare counts ("5 eggs", "2 tomatoes")."""
    head, _, last = name.rpartition(" ")
    lower = last.lower()
    if not lower or not lower[-1].isalpha() or lower.endswith(("s", "x", "z")):
        return name
    if lower.endswith(("ch", "sh", "o")):
        plural = last + "es"
    elif lower.endswith("y") and len(lower) > 1 and lower[-2] not in "aeiou":
        plural = last[:-1] + "ies"
    elif lower.endswith("leaf"):
        plural = last[:-1] + "ves"
    else:
        plural = last + "s"
    return f"{head} {plural}" if head else plural


def display_text(
    name: str,
    quantity: float | None,
    unit: str | None,
    system: UnitSystem,
    *,
    to_taste: bool = False,
) -> str:
    """'750 g flour', '2 1/2 cups milk', '5 eggs', 'salt (to taste)'."""
    if quantity is None:
        return f"{name} (to taste)" if to_taste else name
    amount = format_quantity(quantity, unit, system)
    parsed = parse_unit(unit) if unit else None
    if unit is None or (parsed is not None and parsed.key in _ITEM_SIZES):
        shown = amount.split(" ", 1)[0]
        if shown != "1":
            name = pluralise(name)
    text = f"{amount} {name}"
    return f"{text} (+ to taste)" if to_taste else text
