import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mealplanner.foods.units import (
    UNITS,
    Dimension,
    IncompatibleUnits,
    convert,
    format_quantity,
    parse_unit,
    to_display_unit,
)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("g", "g"),
        ("Grams", "g"),
        ("kg", "kg"),
        ("mg", "mg"),
        ("oz", "oz"),
        ("ounces", "oz"),
        ("lbs", "lb"),
        ("Pound", "lb"),
        ("ml", "ml"),
        ("mL", "ml"),
        ("millilitre", "ml"),
        ("L", "l"),
        ("liters", "l"),
        ("litre", "l"),
        ("tsp", "tsp"),
        ("tsp.", "tsp"),
        ("teaspoons", "tsp"),
        ("t", "tsp"),
        ("T", "tbsp"),
        ("Tbsp", "tbsp"),
        ("TBSP", "tbsp"),
        ("tablespoon", "tbsp"),
        ("cups", "cup"),
        ("C", "cup"),
        ("c", "cup"),
        ("fl oz", "fl oz"),
        ("fl. oz.", "fl oz"),
        ("fluid ounces", "fl oz"),
        ("pints", "pint"),
        ("pt", "pint"),
        ("quarts", "quart"),
        ("qt", "quart"),
        ("gallon", "gallon"),
        ("pinch", "pinch"),
        ("dash", "dash"),
        ("pieces", "piece"),
        ("whole", "piece"),
        ("each", "piece"),
        ("cloves", "clove"),
        ("cans", "can"),
        ("slices", "slice"),
        ("large", "large"),
        ("Medium", "medium"),
        ("small", "small"),
        ("extra large", "extra large"),
        ("stalks", "stalk"),
        ("sprigs", "sprig"),
        ("leaf", "leaf"),
        ("leaves", "leaf"),
        ("bunch", "bunch"),
        ("head", "head"),
        ("fillets", "fillet"),
        ("package", "package"),
        ("sticks", "stick"),
        ("handful", "handful"),
    ],
)
def test_parse_unit_recognises_spellings(text: str, key: str) -> None:
    unit = parse_unit(text)
    assert unit is not None
    assert unit.key == key


@pytest.mark.parametrize("text", ["", "flour", "zz", "cupboard"])
def test_parse_unit_rejects_non_units(text: str) -> None:
    assert parse_unit(text) is None


def test_us_customary_volumes() -> None:
    assert convert(1, "cup", "ml") == pytest.approx(236.588)
    assert convert(1, "gallon", "quart") == pytest.approx(4, rel=1e-4)
    assert convert(1, "pint", "cup") == pytest.approx(2, rel=1e-4)
    assert convert(1, "tbsp", "tsp") == pytest.approx(3, rel=1e-3)
    assert convert(1, "lb", "oz") == pytest.approx(16, rel=1e-4)


def test_hand_computed_sums() -> None:
    assert convert(2, "cups", "ml") + convert(250, "ml", "ml") == pytest.approx(723.2, abs=0.05)
    assert convert(1, "tbsp", "ml") + convert(2, "tsp", "ml") == pytest.approx(24.6, abs=0.05)


def test_convert_across_dimensions_raises() -> None:
    with pytest.raises(IncompatibleUnits):
        convert(1, "cup", "g")
    with pytest.raises(IncompatibleUnits):
        convert(1, "clove", "can")
    with pytest.raises(ValueError, match="unknown unit"):
        convert(1, "furlong", "g")


def test_count_converts_to_itself() -> None:
    assert convert(3, "cloves", "clove") == 3


@pytest.mark.parametrize(
    ("quantity", "unit", "system", "expected"),
    [
        (750, "g", "metric", "750 g"),
        (1500, "g", "metric", "1.5 kg"),
        (723.2, "ml", "metric", "723 ml"),
        (1000, "ml", "metric", "1 l"),
        (2.5, "cup", "imperial", "2 1/2 cups"),
        (680.4, "g", "imperial", "1 1/2 lb"),
        (3, "tbsp", "imperial", "3 tbsp"),
        (1 / 3, "cup", "imperial", "1/3 cup"),
        (1, "cup", "imperial", "1 cup"),
        (0.3, "tsp", "imperial", "1/4 tsp"),
        (2.2, None, "metric", "3"),
        (3, None, "imperial", "3"),
        (2.2, "clove", "metric", "3 cloves"),
        (1, "pinch", "metric", "1 pinch"),
        (2, "cup", "metric", "473 ml"),
    ],
)
def test_format_quantity(quantity: float, unit: str | None, system: str, expected: str) -> None:
    assert format_quantity(quantity, unit, system) == expected  # type: ignore[arg-type]


def test_display_unit_choice() -> None:
    assert to_display_unit(10, Dimension.VOLUME, "imperial")[1] == "tsp"
    assert to_display_unit(30, Dimension.VOLUME, "imperial")[1] == "tbsp"
    assert to_display_unit(500, Dimension.VOLUME, "imperial")[1] == "cup"
    assert to_display_unit(2500, Dimension.MASS, "metric") == (2.5, "kg")
    assert to_display_unit(999, Dimension.MASS, "metric") == (999, "g")


_CONVERTIBLE = sorted(key for key, unit in UNITS.items() if unit.to_base is not None)


@given(
    quantity=st.floats(min_value=1e-3, max_value=1e6, allow_nan=False),
    source=st.sampled_from(_CONVERTIBLE),
    target=st.sampled_from(_CONVERTIBLE),
)
def test_round_trip(quantity: float, source: str, target: str) -> None:
    if UNITS[source].dimension is not UNITS[target].dimension:
        with pytest.raises(IncompatibleUnits):
            convert(quantity, source, target)
        return
    there = convert(quantity, source, target)
    assert math.isclose(convert(there, target, source), quantity, rel_tol=1e-9)


@given(
    quantity=st.floats(min_value=1e-3, max_value=1e6, allow_nan=False),
    unit=st.sampled_from(sorted(UNITS)),
    system=st.sampled_from(["metric", "imperial"]),
)
def test_format_quantity_never_shows_zero(quantity: float, unit: str, system: str) -> None:
    text = format_quantity(quantity, unit, system)  # type: ignore[arg-type]
    assert text
    assert not text.startswith("0 ")
