"""Canonical cooking units, conversion between them, and shopper-friendly display.

Every unit has a canonical ``key`` (what recipes, the API and the shopping list store) and a
dimension. Mass units convert through grams and volume units through millilitres; count units
("clove", "large", "can") have no fixed size and only convert to themselves. Volumes are US
customary (a cup is 236.588 ml), which is what the USDA portion weights assume.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Literal

UnitSystem = Literal["metric", "imperial"]


class Dimension(StrEnum):
    MASS = "mass"
    VOLUME = "volume"
    COUNT = "count"


@dataclass(frozen=True, slots=True)
class Unit:
    """A canonical unit; ``to_base`` is grams (mass) or millilitres (volume) per one unit."""

    key: str
    dimension: Dimension
    to_base: float | None

    def label(self, quantity: float) -> str:
        """The unit as written after ``quantity`` ("1 cup", "2 cups", "2 tbsp")."""
        if abs(quantity - 1) < 1e-9 or quantity <= 1:
            return self.key
        return _PLURALS.get(self.key, self.key)


class IncompatibleUnits(ValueError):
    """Raised when converting between dimensions (mass to volume needs a food density)."""


_M = Dimension.MASS
_V = Dimension.VOLUME
_C = Dimension.COUNT

# US customary volumes, exact to the precision recipes need.
CUP_ML: Final = 236.588
TBSP_ML: Final = 14.787
TSP_ML: Final = 4.929
FL_OZ_ML: Final = 29.574
PINT_ML: Final = 473.176
QUART_ML: Final = 946.353
GALLON_ML: Final = 3785.41
OUNCE_G: Final = 28.3495
POUND_G: Final = 453.592

UNITS: Final[dict[str, Unit]] = {
    unit.key: unit
    for unit in (
        Unit("mg", _M, 0.001),
        Unit("g", _M, 1.0),
        Unit("kg", _M, 1000.0),
        Unit("oz", _M, OUNCE_G),
        Unit("lb", _M, POUND_G),
        Unit("ml", _V, 1.0),
        Unit("cl", _V, 10.0),
        Unit("dl", _V, 100.0),
        Unit("l", _V, 1000.0),
        # A pinch is 1/16 tsp and a dash 1/8 tsp by the usual measuring-spoon sets; giving them
        # a volume lets "a pinch of salt" count towards nutrition instead of staying unknown.
        Unit("pinch", _V, TSP_ML / 16),
        Unit("dash", _V, TSP_ML / 8),
        Unit("tsp", _V, TSP_ML),
        Unit("tbsp", _V, TBSP_ML),
        Unit("fl oz", _V, FL_OZ_ML),
        Unit("cup", _V, CUP_ML),
        Unit("pint", _V, PINT_ML),
        Unit("quart", _V, QUART_ML),
        Unit("gallon", _V, GALLON_ML),
        Unit("piece", _C, None),
        Unit("clove", _C, None),
        Unit("can", _C, None),
        Unit("jar", _C, None),
        Unit("bottle", _C, None),
        Unit("slice", _C, None),
        Unit("small", _C, None),
        Unit("medium", _C, None),
        Unit("large", _C, None),
        Unit("extra large", _C, None),
        Unit("stalk", _C, None),
        Unit("sprig", _C, None),
        Unit("leaf", _C, None),
        Unit("bunch", _C, None),
        Unit("head", _C, None),
        Unit("fillet", _C, None),
        Unit("package", _C, None),
        Unit("stick", _C, None),
        Unit("handful", _C, None),
    )
}

_PLURALS: Final[dict[str, str]] = {
    "pinch": "pinches",
    "dash": "dashes",
    "cup": "cups",
    "pint": "pints",
    "quart": "quarts",
    "gallon": "gallons",
    "piece": "pieces",
    "clove": "cloves",
    "can": "cans",
    "jar": "jars",
    "bottle": "bottles",
    "slice": "slices",
    "stalk": "stalks",
    "sprig": "sprigs",
    "leaf": "leaves",
    "bunch": "bunches",
    "head": "heads",
    "fillet": "fillets",
    "package": "packages",
    "stick": "sticks",
    "handful": "handfuls",
}

# Spellings, lowercase and without dots, mapped to canonical keys. Plurals of the canonical
# count/volume names are added below from _PLURALS.
_ALIASES: Final[dict[str, str]] = {
    "mg": "mg",
    "milligram": "mg",
    "milligrams": "mg",
    "milligramme": "mg",
    "milligrammes": "mg",
    "g": "g",
    "gr": "g",
    "grs": "g",
    "gm": "g",
    "gms": "g",
    "gram": "g",
    "grams": "g",
    "gramme": "g",
    "grammes": "g",
    "kg": "kg",
    "kgs": "kg",
    "kilo": "kg",
    "kilos": "kg",
    "kilogram": "kg",
    "kilograms": "kg",
    "kilogramme": "kg",
    "kilogrammes": "kg",
    "oz": "oz",
    "ozs": "oz",
    "ounce": "oz",
    "ounces": "oz",
    "lb": "lb",
    "lbs": "lb",
    "pound": "lb",
    "pounds": "lb",
    "ml": "ml",
    "mls": "ml",
    "milliliter": "ml",
    "milliliters": "ml",
    "millilitre": "ml",
    "millilitres": "ml",
    "cc": "ml",
    "cl": "cl",
    "centiliter": "cl",
    "centiliters": "cl",
    "centilitre": "cl",
    "centilitres": "cl",
    "dl": "dl",
    "deciliter": "dl",
    "deciliters": "dl",
    "decilitre": "dl",
    "decilitres": "dl",
    "l": "l",
    "lt": "l",
    "ltr": "l",
    "ltrs": "l",
    "liter": "l",
    "liters": "l",
    "litre": "l",
    "litres": "l",
    "tsp": "tsp",
    "tsps": "tsp",
    "tspn": "tsp",
    "teaspoon": "tsp",
    "teaspoons": "tsp",
    "teaspoonful": "tsp",
    "teaspoonfuls": "tsp",
    "tbsp": "tbsp",
    "tbsps": "tbsp",
    "tbs": "tbsp",
    "tbl": "tbsp",
    "tbls": "tbsp",
    "tblsp": "tbsp",
    "tablespoon": "tbsp",
    "tablespoons": "tbsp",
    "tablespoonful": "tbsp",
    "tablespoonfuls": "tbsp",
    "c": "cup",
    "cup": "cup",
    "fl oz": "fl oz",
    "floz": "fl oz",
    "fl ounce": "fl oz",
    "fl ounces": "fl oz",
    "fluid ounce": "fl oz",
    "fluid ounces": "fl oz",
    "pint": "pint",
    "pt": "pint",
    "pts": "pint",
    "quart": "quart",
    "qt": "quart",
    "qts": "quart",
    "gallon": "gallon",
    "gal": "gallon",
    "gals": "gallon",
    "pinch": "pinch",
    "dash": "dash",
    "piece": "piece",
    "pc": "piece",
    "pcs": "piece",
    "whole": "piece",
    "each": "piece",
    "ea": "piece",
    "clove": "clove",
    "can": "can",
    "tin": "can",
    "tins": "can",
    "jar": "jar",
    "bottle": "bottle",
    "slice": "slice",
    "small": "small",
    "sm": "small",
    "medium": "medium",
    "med": "medium",
    "md": "medium",
    "large": "large",
    "lg": "large",
    "lrg": "large",
    "extra large": "extra large",
    "extra-large": "extra large",
    "x-large": "extra large",
    "xl": "extra large",
    "stalk": "stalk",
    "rib": "stalk",
    "ribs": "stalk",
    "sprig": "sprig",
    "leaf": "leaf",
    "leafs": "leaf",
    "bunch": "bunch",
    "head": "head",
    "fillet": "fillet",
    "filet": "fillet",
    "filets": "fillet",
    "package": "package",
    "pkg": "package",
    "pkgs": "package",
    "packet": "package",
    "packets": "package",
    "pack": "package",
    "packs": "package",
    "stick": "stick",
    "handful": "handful",
    "handsful": "handful",
    **{plural: key for key, plural in _PLURALS.items()},
}

_DOTS_RE: Final = re.compile(r"\.")
_SPACE_RE: Final = re.compile(r"\s+")


# Unit texts repeat ("cup", "g", "tbsp" on most lines of a list being consolidated), and
# `Unit` is immutable, so answers are kept per text.
@functools.lru_cache(maxsize=4096)
def parse_unit(text: str) -> Unit | None:
    """Recognise a unit written in a recipe, or return None.

    Case matters only for the bare letter "t" (teaspoon) versus "T" (tablespoon), the one
    abbreviation cooks distinguish by case.
    """
    stripped = text.strip().strip(".").strip()
    if stripped in {"T", "Tb", "Tbs", "TB", "TBS"}:
        return UNITS["tbsp"]
    if stripped == "t":
        return UNITS["tsp"]
    normalised = _SPACE_RE.sub(" ", _DOTS_RE.sub(" ", stripped.lower())).strip()
    key = _ALIASES.get(normalised) or _ALIASES.get(normalised.replace(" ", ""))
    return UNITS[key] if key else None


def _as_unit(unit: Unit | str) -> Unit:
    if isinstance(unit, Unit):
        return unit
    parsed = parse_unit(unit)
    if parsed is None:
        raise IncompatibleUnits(f"unknown unit {unit!r}")
    return parsed


def convert(quantity: float, from_unit: Unit | str, to_unit: Unit | str) -> float:
    """Convert between units of the same dimension; counts convert only to the same unit."""
    source, target = _as_unit(from_unit), _as_unit(to_unit)
    if source.key == target.key:
        return quantity
    if source.dimension is not target.dimension or source.to_base is None or target.to_base is None:
        raise IncompatibleUnits(f"cannot convert {source.key} to {target.key}")
    return quantity * source.to_base / target.to_base


def to_display_unit(
    quantity_in_base: float, dimension: Dimension, system: UnitSystem
) -> tuple[float, str]:
    """Pick the unit a shopper would read an amount in; returns (quantity, unit key).

    The quantity is converted but not rounded; ``format_quantity`` rounds for display.
    """
    amount = abs(quantity_in_base)
    if dimension is Dimension.COUNT:
        return quantity_in_base, "piece"
    if dimension is Dimension.MASS:
        if system == "metric":
            key = "kg" if amount >= 1000 else "g"
        else:
            key = "lb" if amount >= POUND_G * 0.99 else "oz"
    elif system == "metric":
        key = "l" if amount >= 1000 else "ml"
    # Cooks measure a quarter cup and up with cups, smaller amounts with spoons; a quarter
    # of an amount above a gallon is easier to buy as gallons than as quarts.
    elif amount < TBSP_ML * 0.99:
        key = "tsp"
    elif amount < CUP_ML / 4 * 0.99:
        key = "tbsp"
    elif amount < QUART_ML:
        key = "cup"
    elif amount < GALLON_ML:
        key = "quart"
    else:
        key = "gallon"
    to_base = UNITS[key].to_base
    assert to_base is not None
    return quantity_in_base / to_base, key


_QUARTERS: Final = (0.0, 0.25, 0.5, 0.75, 1.0)
_CUP_FRACTIONS: Final = (0.0, 0.25, 1 / 3, 0.5, 2 / 3, 0.75, 1.0)
_FRACTION_TEXT: Final = {0.25: "1/4", 1 / 3: "1/3", 0.5: "1/2", 2 / 3: "2/3", 0.75: "3/4"}


def _fraction_text(value: float, fractions: tuple[float, ...]) -> tuple[str, float]:
    whole = math.floor(value)
    rest = value - whole
    nearest = min(fractions, key=lambda candidate: abs(candidate - rest))
    if nearest == 1.0:
        whole, nearest = whole + 1, 0.0
    if whole == 0 and nearest == 0.0:
        # Never show "0 tsp" for a real amount: the smallest fraction is closer to the truth.
        nearest = fractions[1]
    shown = whole + nearest
    if nearest == 0.0:
        return str(whole), shown
    fraction = _FRACTION_TEXT[nearest]
    return (f"{whole} {fraction}" if whole else fraction), shown


def _decimal_text(value: float, places: int) -> str:
    text = f"{value:.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _metric_places(value: float) -> int:
    if value >= 10:
        return 0
    if value >= 1:
        return 1
    # Two significant figures for tiny amounts, so 0.004 g of saffron is not "0 g".
    return max(1, 1 - math.floor(math.log10(value))) if value > 0 else 0


def _count_text(quantity: float) -> tuple[str, float]:
    # A shopper cannot buy 2.2 onions; round up, forgiving float noise (2.0000001 is 2).
    whole = max(1, math.ceil(quantity - 1e-6))
    return str(whole), float(whole)


def format_quantity(quantity: float, unit: Unit | str | None, system: UnitSystem) -> str:
    """Render an amount for a shopping list or recipe card ("1.5 kg", "2 1/2 cups", "3")."""
    parsed = unit if isinstance(unit, Unit) else (parse_unit(unit) if unit else None)
    if parsed is None:
        text, _ = _count_text(quantity)
        if unit:
            # An unknown unit is kept verbatim rather than dropped from the display.
            return f"{text} {unit}"
        return text
    if parsed.to_base is None or parsed.key in {"pinch", "dash"}:
        text, shown = _count_text(quantity)
        return f"{text} {parsed.label(shown)}"
    value, key = to_display_unit(quantity * parsed.to_base, parsed.dimension, system)
    display = UNITS[key]
    if system == "metric":
        if key in {"g", "ml"}:
            text = _decimal_text(value, _metric_places(value))
        else:
            text = _decimal_text(value, 2)
        return f"{text} {key}"
    fractions = _CUP_FRACTIONS if key == "cup" else _QUARTERS
    text, shown = _fraction_text(value, fractions)
    return f"{text} {display.label(shown)}"
