"""Property tests of the pure consolidator and the categorizer."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mealplanner.foods import get_food_table
from mealplanner.foods.units import convert
from mealplanner.shopping.categorizer import AISLES, aisle_rank, categorize, category_for_name
from mealplanner.shopping.consolidator import (
    IngredientUse,
    Source,
    consolidate_ingredients,
    display_text,
    pluralise,
    scale_factor,
)

TABLE = get_food_table()
FOODS = {"milk": "01077", "flour": "20081", "eggs": "01123", "soy sauce": "16123"}
MASS_VOLUME_UNITS = ["g", "kg", "oz", "lb", "ml", "l", "tsp", "tbsp", "cup", "fl oz"]
SOURCE = Source("r", "Recipe", date(2025, 10, 13), "dinner")

quantities = st.floats(min_value=0.05, max_value=500, allow_nan=False, allow_infinity=False)
uses = st.lists(
    st.builds(
        lambda name, q, unit, day: IngredientUse(
            name=name,
            quantity=q,
            unit=unit,
            food_id=FOODS[name],
            source=Source("r", "Recipe", date(2025, 10, 13 + day), "dinner"),
        ),
        st.sampled_from(["milk", "flour", "soy sauce"]),
        quantities,
        st.sampled_from(MASS_VOLUME_UNITS),
        st.integers(0, 6),
    ),
    min_size=1,
    max_size=12,
)


def grams(food_id: str, quantity: float, unit: str | None) -> float:
    value = TABLE.grams_for(food_id, quantity, unit)
    assert value is not None
    return value


@settings(max_examples=150, deadline=None)
@given(uses)
def test_linked_mass_and_volume_merge_into_one_line_conserving_weight(
    lines: list[IngredientUse],
) -> None:
    items = consolidate_ingredients(lines, TABLE)
    by_food = {item.food_id: item for item in items}
    assert len(items) == len(by_food)  # one line per food
    for food_id, item in by_food.items():
        expected = sum(
            grams(food_id, use.quantity or 0, use.unit) for use in lines if use.food_id == food_id
        )
        assert item.quantity is not None
        # Per-unit USDA weights (a tbsp of soy sauce is weighed apart from a cup) make the
        # totals differ slightly from the sum of per-line grams.
        assert grams(food_id, item.quantity, item.unit) == pytest.approx(expected, rel=0.1)


@settings(max_examples=100, deadline=None)
@given(uses, st.randoms(use_true_random=False))
def test_order_does_not_matter(lines: list[IngredientUse], rnd: object) -> None:
    shuffled = list(lines)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    first = {i.key: (i.quantity, i.unit) for i in consolidate_ingredients(lines, TABLE)}
    second = {i.key: (i.quantity, i.unit) for i in consolidate_ingredients(shuffled, TABLE)}
    assert first.keys() == second.keys()
    for key, (quantity, unit) in first.items():
        assert unit == second[key][1]
        assert quantity == pytest.approx(second[key][0])


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(quantities, st.sampled_from(["ml", "tsp", "tbsp", "cup", "l"])), min_size=1),
    st.floats(min_value=0.25, max_value=8),
)
def test_volumes_sum_and_scale_linearly(amounts: list[tuple[float, str]], servings: float) -> None:
    factor = scale_factor(servings, 4)
    lines = [
        IngredientUse("milk", q, unit, SOURCE, factor=factor, food_id="01077")
        for q, unit in amounts
    ]
    [item] = consolidate_ingredients(lines, TABLE)
    assert item.unit == "ml"
    expected = sum(convert(q, unit, "ml") for q, unit in amounts) * servings / 4
    assert item.quantity == pytest.approx(expected)


@given(st.lists(st.integers(1, 24), min_size=1, max_size=10))
def test_counts_sum_and_display_rounds_up(counts: list[int]) -> None:
    lines = [IngredientUse("eggs", n, None, SOURCE, food_id="01123") for n in counts]
    [item] = consolidate_ingredients(lines, TABLE)
    assert item.quantity == pytest.approx(sum(counts))
    total = sum(counts)
    assert item.display("metric") == f"{total} eggs"


@given(st.floats(min_value=0.01, max_value=10_000), st.sampled_from(["g", "ml", None, "clove"]))
def test_display_never_shows_zero(quantity: float, unit: str | None) -> None:
    for system in ("metric", "imperial"):
        text = display_text("thing", quantity, unit, system)  # type: ignore[arg-type]
        assert not text.startswith("0 ")


def test_unlinked_names_merge_by_normalised_name() -> None:
    lines = [
        IngredientUse("Red Onions", 2, None, SOURCE),
        IngredientUse("red onion, diced", 1, None, SOURCE),
    ]
    [item] = consolidate_ingredients(lines, TABLE)
    assert item.quantity == 3


def test_count_and_mass_merge_through_item_weight() -> None:
    lines = [
        IngredientUse("onion", 2, None, SOURCE, food_id="11282"),
        IngredientUse("onion", 100, "g", SOURCE, food_id="11282"),
    ]
    [item] = consolidate_ingredients(lines, TABLE)
    # 2 medium onions (110 g each) outweigh 100 g, so the line stays a count.
    assert item.unit is None
    assert item.quantity == pytest.approx(2 + 100 / 110)
    assert item.display("metric") == "3 onions"


def test_count_without_a_known_weight_stays_separate() -> None:
    lines = [
        IngredientUse("garlic", 3, "clove", SOURCE, food_id="11215"),
        IngredientUse("garlic", 1, "head", SOURCE, food_id="11215"),
    ]
    assert sorted(i.display("metric") for i in consolidate_ingredients(lines, TABLE)) == [
        "1 head garlic",
        "3 cloves garlic",
    ]


def test_to_taste_joins_a_measured_line() -> None:
    lines = [
        IngredientUse("salt", 1, "tsp", SOURCE, food_id="02047"),
        IngredientUse("salt", None, None, SOURCE, food_id="02047", to_taste=True),
    ]
    [item] = consolidate_ingredients(lines, TABLE)
    assert item.to_taste is True
    assert item.display("metric") == "4.9 ml salt (+ to taste)"


def test_optional_only_when_every_use_is_optional() -> None:
    a = IngredientUse("milk", 1, "cup", SOURCE, food_id="01077", optional=True)
    b = IngredientUse("milk", 1, "cup", SOURCE, food_id="01077")
    assert consolidate_ingredients([a], TABLE)[0].optional is True
    assert consolidate_ingredients([a, b], TABLE)[0].optional is False


def test_ranges_buy_the_upper_end() -> None:
    [item] = consolidate_ingredients(
        [IngredientUse("garlic", 2, "clove", SOURCE, quantity_max=3, food_id="11215")], TABLE
    )
    assert item.quantity == 3


@pytest.mark.parametrize(
    ("word", "plural"),
    [("egg", "eggs"), ("tomato", "tomatoes"), ("berry", "berries"), ("eggs", "eggs")],
)
def test_pluralise(word: str, plural: str) -> None:
    assert pluralise(word) == plural


@pytest.mark.parametrize(
    ("ndb", "aisle"),
    [
        ("11282", "produce"),  # onions
        ("05062", "meat & seafood"),
        ("01077", "dairy & eggs"),
        ("18069", "bakery"),
        ("20081", "pantry"),
        ("02047", "spices & seasonings"),
        ("11312", "frozen"),  # frozen peas
        ("09206", "beverages"),  # orange juice
        ("02044", "produce"),  # fresh basil
    ],
)
def test_categorize_by_food_group(ndb: str, aisle: str) -> None:
    assert categorize("x", TABLE[ndb]) == aisle


@pytest.mark.parametrize(
    ("name", "aisle"),
    [
        ("frozen spinach", "frozen"),
        ("chicken thighs", "meat & seafood"),
        ("greek yogurt", "dairy & eggs"),
        ("sourdough bread", "bakery"),
        ("basmati rice", "pantry"),
        ("smoked paprika", "spices & seasonings"),
        ("paper towels", "other"),
    ],
)
def test_categorize_unlinked_names(name: str, aisle: str) -> None:
    assert category_for_name(name) == aisle


def test_aisle_order_is_the_store_walk() -> None:
    assert [aisle_rank(a) for a in AISLES] == list(range(len(AISLES)))
    assert aisle_rank("unknown") == len(AISLES)
