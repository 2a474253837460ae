"""The in-memory USDA food table: foods, their nutrients per 100 g, and household portions.

Loaded once per process from the CSVs in ``mealplanner/foods/data`` (see PROVENANCE.md there)
and shared read-only; ``get_food_table()`` is the entry point.

Gram conversion (``FoodTable.grams_for``) works on the edible portion, as USDA nutrient values
do: "500 g chicken thighs" is taken as 500 g of whatever the linked food describes, with no
refuse (bone, peel) subtracted, because a recipe line cannot tell us whether the cook weighed
before or after trimming.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from types import MappingProxyType
from typing import Final

from mealplanner.foods.units import Dimension, Unit, parse_unit

NUTRIENT_COLUMNS: Final[tuple[str, ...]] = (
    "water_g",
    "energy_kcal",
    "protein_g",
    "fat_g",
    "carbohydrate_g",
    "fiber_g",
    "sugars_g",
    "saturated_fat_g",
    "monounsaturated_fat_g",
    "polyunsaturated_fat_g",
    "trans_fat_g",
    "cholesterol_mg",
    "sodium_mg",
    "potassium_mg",
    "calcium_mg",
    "iron_mg",
    "vitamin_c_mg",
    "vitamin_d_ug",
)


@dataclass(frozen=True, slots=True)
class Portion:
    """A USDA household measure: ``amount`` x ``measure`` weighs ``gram_weight`` grams."""

    amount: float
    measure: str
    unit: str
    gram_weight: float

    @property
    def grams_per_unit(self) -> float:
        return self.gram_weight / self.amount if self.amount else self.gram_weight


@dataclass(frozen=True, slots=True)
class Food:
    """One USDA food; ``nutrients`` are per 100 g edible portion, None where USDA has no value."""

    ndb_no: str
    description: str
    group_code: str
    group: str
    common_name: str
    # Identity is the NDB number; leaving the mapping out of eq/hash keeps Food hashable.
    nutrients: Mapping[str, float | None] = field(compare=False, hash=False)
    portions: tuple[Portion, ...] = field(compare=False, hash=False)
    refuse_pct: float = field(default=0.0, compare=False, hash=False)

    def nutrient(self, column: str) -> float:
        """A nutrient per 100 g, with a missing USDA value read as 0."""
        return self.nutrients.get(column) or 0.0


# Grams per millilitre by SR food group, used only when a food has no volume portion of its own.
# Values are typical of the group's home-cooking items as they go into a measuring cup
# (chopped vegetables, diced meat, ground spices), rounded; the keyword table below takes
# precedence for items far from their group's norm (oils, flours, syrups).
GROUP_DENSITY: Final[Mapping[str, float]] = MappingProxyType(
    {
        "0100": 1.03,  # milk, cream, yogurt
        "0200": 0.5,  # ground spices, dried herbs
        "0400": 0.92,  # oils and fats
        "0500": 0.6,  # diced poultry
        "0600": 1.0,  # soups and sauces
        "0700": 0.6,
        "0800": 0.2,  # flakes and puffs are mostly air
        "0900": 0.65,  # chopped fruit
        "1000": 0.6,
        "1100": 0.55,  # chopped vegetables
        "1200": 0.55,  # whole nuts and seeds
        "1300": 0.6,
        "1400": 1.0,  # drinks
        "1500": 0.6,
        "1600": 0.75,  # beans, dry or cooked
        "1700": 0.6,
        "1800": 0.35,  # crumbs and cubes
        "1900": 0.85,  # granulated sugar
        "2000": 0.6,  # between flour (0.53) and rice (0.78)
        "2100": 0.6,
        "2200": 0.8,
        "2500": 0.25,
        "3500": 0.6,
        "3600": 0.8,
    }
)
DEFAULT_DENSITY: Final = 1.0  # water

KEYWORD_DENSITY: Final[tuple[tuple[str, float], ...]] = (
    ("honey", 1.42),
    ("syrup", 1.33),
    ("molasses", 1.4),
    ("oil", 0.92),
    ("flour", 0.53),
    ("water", 1.0),
    ("vinegar", 1.01),
    ("salt", 1.2),
)

# Unitless counts ("3 eggs", "2 lemons") use the first of these portion units a food has.
_ITEM_UNITS: Final = (
    "medium",
    "large",
    "whole",
    "fruit",
    "item",
    "each",
    "piece",
    "unit",
    "small",
    "extra large",
)
_GENERIC_COUNT_KEYS: Final = frozenset({"piece"})
_PLAIN_MEASURE_RE: Final = re.compile(r"^[a-z ]+$")


def density_for(food: Food) -> float:
    """Grams per ml for a food with no volume portion: keyword first, then food group."""
    head = food.description.lower().split(",", 1)[0]
    for keyword, density in KEYWORD_DENSITY:
        if keyword in head:
            return density
    return GROUP_DENSITY.get(food.group_code, DEFAULT_DENSITY)


def _portion_unit(portion: Portion) -> Unit | None:
    return parse_unit(portion.unit)


class FoodTable:
    """Read-only lookup of foods by NDB number, with recipe-unit to gram conversion."""

    __slots__ = ("_foods",)

    def __init__(self, foods: Iterable[Food]) -> None:
        self._foods: dict[str, Food] = {food.ndb_no: food for food in foods}

    @staticmethod
    def _key(ndb_no: str) -> str:
        key = ndb_no.strip()
        # Spreadsheets drop the leading zero ("1123" for "01123").
        return key.zfill(5) if key.isdigit() else key

    def get(self, ndb_no: str) -> Food | None:
        return self._foods.get(self._key(ndb_no))

    def __getitem__(self, ndb_no: str) -> Food:
        return self._foods[self._key(ndb_no)]

    def __contains__(self, ndb_no: object) -> bool:
        return isinstance(ndb_no, str) and self._key(ndb_no) in self._foods

    def __len__(self) -> int:
        return len(self._foods)

    def __iter__(self) -> Iterator[Food]:
        return iter(self._foods.values())

    def all(self) -> Iterable[Food]:
        return self._foods.values()

    def grams_for(self, food_or_ndb: Food | str, quantity: float, unit: str | None) -> float | None:
        """Grams of edible food in ``quantity`` ``unit``, or None when it cannot be converted.

        Mass units convert directly. A portion whose unit is exactly the requested one wins
        next (USDA weighs a tbsp of butter, a large egg, a clove of garlic). Other volumes go
        through the food's own volume portions, then through a density by food group. Count
        units without a matching portion, "piece", and no unit at all take the food's most
        natural single item ("medium", "large", "fruit", ... else its first portion).
        """
        food = food_or_ndb if isinstance(food_or_ndb, Food) else self.get(food_or_ndb)
        if food is None:
            return None
        per_unit = self.grams_per_unit(food, unit)
        return None if per_unit is None else quantity * per_unit

    def grams_per_unit(self, food: Food, unit: str | None) -> float | None:
        if unit is None or not unit.strip():
            return _item_grams(food)
        parsed = parse_unit(unit)
        if parsed is None:
            return _matching_portion_grams(food, unit.strip().lower())
        if parsed.dimension is Dimension.MASS:
            assert parsed.to_base is not None
            return parsed.to_base
        exact = _matching_portion_grams(food, parsed.key)
        if exact is not None:
            return exact
        if parsed.dimension is Dimension.VOLUME:
            assert parsed.to_base is not None
            return parsed.to_base * _grams_per_ml(food)
        return _item_grams(food)


def _plain_first(portions: Iterable[Portion]) -> list[Portion]:
    # "cup" beats "cup, chopped" beats "cup (8 fl oz)"; stable, so seq order breaks ties.
    return sorted(portions, key=lambda p: not _PLAIN_MEASURE_RE.match(p.measure.lower()))


def _matching_portion_grams(food: Food, unit_key: str) -> float | None:
    matches = [
        portion
        for portion in food.portions
        if portion.unit == unit_key
        or (_portion_unit(portion) or _NO_UNIT).key == unit_key
        or portion.measure.lower().split(" ", 1)[0].strip(",") == unit_key
    ]
    if not matches:
        return None
    return _plain_first(matches)[0].grams_per_unit


_NO_UNIT: Final = Unit("", Dimension.COUNT, None)


def _grams_per_ml(food: Food) -> float:
    volume = [
        (portion, unit)
        for portion in food.portions
        if (unit := _portion_unit(portion)) is not None
        and unit.dimension is Dimension.VOLUME
        and unit.to_base
        and unit.key not in {"pinch", "dash"}
    ]
    if not volume:
        return density_for(food)
    # Larger measures are weighed more precisely than a teaspoon, so cups come first.
    ordered = sorted(volume, key=lambda pair: -(pair[1].to_base or 0.0))
    plain = [pair for pair in ordered if _PLAIN_MEASURE_RE.match(pair[0].measure.lower())]
    portion, unit = (plain or ordered)[0]
    assert unit.to_base is not None
    return portion.grams_per_unit / unit.to_base


def _item_grams(food: Food) -> float | None:
    if not food.portions:
        return None
    preferred: tuple[str, ...] = _ITEM_UNITS
    if food.description.lower().startswith("egg"):
        # US recipes assume large eggs; for everything else medium is the default size.
        preferred = ("large", *_ITEM_UNITS)
    for key in preferred:
        grams = _matching_portion_grams(food, key)
        if grams is not None:
            return grams
    for portion in food.portions:
        if _portion_unit(portion) is None and portion.unit not in {"serving", "cubic inch"}:
            # A food-specific item ("breast", "link", "tortilla") is what a bare count means.
            return portion.grams_per_unit
    return food.portions[0].grams_per_unit


def _float(text: str) -> float | None:
    return float(text) if text else None


def _csv_rows(resource: Traversable) -> Iterator[list[str]]:
    # Read whole files: the package may live in a zip, where only read_text is portable.
    return csv.reader(io.StringIO(resource.read_text(encoding="utf-8"), newline=""))


def load_food_table() -> FoodTable:
    """Parse the shipped CSVs; prefer the cached ``get_food_table()``."""
    data = resources.files("mealplanner.foods") / "data"
    portions: dict[str, list[Portion]] = {}
    portion_rows = _csv_rows(data / "portions.csv")
    next(portion_rows)
    for ndb_no, _seq, amount, measure, unit, gram_weight in portion_rows:
        portions.setdefault(ndb_no, []).append(
            Portion(float(amount), measure, unit, float(gram_weight))
        )

    food_rows = _csv_rows(data / "foods.csv")
    index = {name: position for position, name in enumerate(next(food_rows))}
    nutrient_positions = [(name, index[name]) for name in NUTRIENT_COLUMNS if name in index]
    foods: list[Food] = []
    for row in food_rows:
        ndb_no = row[index["ndb_no"]]
        foods.append(
            Food(
                ndb_no=ndb_no,
                description=row[index["description"]],
                group_code=row[index["food_group_code"]],
                group=row[index["food_group"]],
                common_name=row[index["common_name"]],
                nutrients=MappingProxyType(
                    {name: _float(row[position]) for name, position in nutrient_positions}
                ),
                portions=tuple(portions.get(ndb_no, ())),
                refuse_pct=_float(row[index["refuse_pct"]]) or 0.0,
            )
        )
    return FoodTable(foods)


@functools.cache
def get_food_table() -> FoodTable:
    """The process-wide food table, loaded on first use (about 0.1 s)."""
    return load_food_table()
