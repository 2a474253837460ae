import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mealplanner.foods.parser import (
    MAX_QUANTITY,
    ParsedIngredient,
    is_group_heading,
    parse_ingredient_line,
    parse_quantity,
)
from mealplanner.foods.units import UNITS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2", (2, None)),
        ("1.5", (1.5, None)),
        ("1 1/2", (1.5, None)),
        ("1-1/2", (1.5, None)),
        ("½", (0.5, None)),
        ("1½", (1.5, None)),
        ("2-3", (2, 3)),
        ("2 \u2013 3", (2, 3)),
        ("2 to 3", (2, 3)),
        ("1/2", (0.5, None)),
        ("1\u20442", (0.5, None)),
        ("¼-½", (0.25, 0.5)),
    ],
)
def test_parse_quantity(text: str, expected: tuple[float, float | None]) -> None:
    assert parse_quantity(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["", "abc", "3/0", "0", "200000", "2 cups"])
def test_parse_quantity_rejects(text: str) -> None:
    assert parse_quantity(text) is None


def _parsed(line: str) -> ParsedIngredient:
    return parse_ingredient_line(line)


def test_flour_sifted() -> None:
    parsed = _parsed("1 1/2 cups flour, sifted")
    assert (parsed.quantity, parsed.unit, parsed.name, parsed.preparation) == (
        1.5,
        "cup",
        "flour",
        "sifted",
    )


def test_garlic_range() -> None:
    parsed = _parsed("2-3 cloves garlic, minced")
    assert (parsed.quantity, parsed.quantity_max, parsed.unit, parsed.name) == (
        2,
        3,
        "clove",
        "garlic",
    )
    assert parsed.preparation == "minced"


@pytest.mark.parametrize(
    "line", ["1 (14 oz) can tomatoes", "1 14-oz can tomatoes", "1 (14-ounce) can tomatoes"]
)
def test_can_with_package_size(line: str) -> None:
    parsed = _parsed(line)
    assert (parsed.quantity, parsed.unit, parsed.name) == (1, "can", "tomatoes")
    assert parsed.package_size == (14, "oz")


@pytest.mark.parametrize(
    ("line", "name"), [("salt to taste", "salt"), ("salt and pepper, to taste", "salt and pepper")]
)
def test_to_taste(line: str, name: str) -> None:
    parsed = _parsed(line)
    assert parsed.to_taste
    assert parsed.quantity is None
    assert parsed.name == name


def test_size_as_unit() -> None:
    parsed = _parsed("2 large eggs")
    assert (parsed.quantity, parsed.unit, parsed.name) == (2, "large", "eggs")


@pytest.mark.parametrize("line", ["a pinch of salt", "pinch of salt", "A pinch of salt"])
def test_pinch(line: str) -> None:
    parsed = _parsed(line)
    assert (parsed.quantity, parsed.unit, parsed.name) == (1, "pinch", "salt")


def test_alternative_measure_is_dropped() -> None:
    parsed = _parsed("1 cup (240 ml) milk")
    assert (parsed.quantity, parsed.unit, parsed.name) == (1, "cup", "milk")
    assert parsed.package_size is None
    assert parsed.preparation is None


def test_dotted_unit() -> None:
    parsed = _parsed("1/2 tsp. ground cumin")
    assert (parsed.quantity, parsed.unit, parsed.name) == (0.5, "tsp", "ground cumin")


def test_juice_of() -> None:
    parsed = _parsed("Juice of 1 lemon")
    assert (parsed.quantity, parsed.unit, parsed.name) == (1, None, "lemon juice")


def test_optional() -> None:
    parsed = _parsed("3 tbsp olive oil (optional)")
    assert parsed.optional
    assert (parsed.quantity, parsed.unit, parsed.name) == (3, "tbsp", "olive oil")
    assert parsed.preparation is None


def test_heading() -> None:
    assert is_group_heading("For the sauce:") == "For the sauce"
    assert is_group_heading("Topping:") == "Topping"
    assert is_group_heading("2 cups flour") is None
    assert is_group_heading("salt, to taste") is None
    parsed = _parsed("For the sauce:")
    assert parsed.quantity is None
    assert parsed.name == "For the sauce"


@pytest.mark.parametrize(
    ("line", "quantity", "unit", "name"),
    [
        ("½ cup sugar", 0.5, "cup", "sugar"),
        ("1½ cups milk", 1.5, "cup", "milk"),
        ("- 200g butter", 200, "g", "butter"),
        ("• 2 onions", 2, None, "onions"),
        ("* 3 T sugar", 3, "tbsp", "sugar"),
        ("1 t salt", 1, "tsp", "salt"),
        ("2 c. flour", 2, "cup", "flour"),
        ("1 fl oz rum", 1, "fl oz", "rum"),
        ("an onion, chopped", 1, None, "onion"),
        ("500 ml vegetable stock", 500, "ml", "vegetable stock"),
    ],
)
def test_assorted_lines(line: str, quantity: float, unit: str | None, name: str) -> None:
    parsed = _parsed(line)
    assert (parsed.quantity, parsed.unit, parsed.name) == (quantity, unit, name)


@pytest.mark.parametrize("line", ["999999 g sugar", "0 eggs", "3/0 cup sugar"])
def test_absurd_quantities_are_dropped(line: str) -> None:
    assert _parsed(line).quantity is None


def _assert_within_bounds(parsed: ParsedIngredient, line: str) -> None:
    assert parsed.raw == line
    if parsed.quantity is not None:
        assert 0 < parsed.quantity <= MAX_QUANTITY
    else:
        assert parsed.quantity_max is None
    if parsed.quantity_max is not None:
        assert parsed.quantity is not None
        assert parsed.quantity < parsed.quantity_max <= MAX_QUANTITY
    assert parsed.unit is None or parsed.unit in UNITS
    assert len(parsed.name) <= 200
    if parsed.package_size is not None:
        assert parsed.package_size[0] > 0
        assert parsed.package_size[1] in UNITS


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_parse_ingredient_line_never_raises(line: str) -> None:
    _assert_within_bounds(parse_ingredient_line(line), line)


_PIECES = st.sampled_from(
    [
        "1",
        "2",
        "1/2",
        "½",
        "1½",
        "2-3",
        " to ",
        "(",
        ")",
        "14 oz",
        "cup",
        "cups",
        "tbsp",
        "T",
        "can",
        "of",
        ",",
        " ",
        "salt",
        "optional",
        "to taste",
        "-",
        "•",
        ":",
        "For the",
        "1e309",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=8).map(" ".join))
def test_recipe_like_noise_never_raises(line: str) -> None:
    _assert_within_bounds(parse_ingredient_line(line), line)


@given(st.text())
def test_parse_quantity_never_raises(text: str) -> None:
    result = parse_quantity(text)
    if result is not None:
        low, high = result
        assert 0 < low <= MAX_QUANTITY
        assert high is None or low < high <= MAX_QUANTITY


@given(
    whole=st.integers(min_value=0, max_value=999),
    numerator=st.integers(min_value=1, max_value=7),
)
def test_mixed_numbers(whole: int, numerator: int) -> None:
    text = f"{whole} {numerator}/8" if whole else f"{numerator}/8"
    assert parse_quantity(text) == pytest.approx((whole + numerator / 8, None))
