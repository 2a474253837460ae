import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mealplanner.foods.matching import aliases
from mealplanner.foods.nutrition import IngredientInput, Nutrients, compute_nutrition
from mealplanner.foods.table import get_food_table


def _line(
    name: str, quantity: float | None, unit: str | None, ndb_no: str | None
) -> IngredientInput:
    return IngredientInput(name=name, quantity=quantity, unit=unit, ndb_no=ndb_no)


README_RECIPE = [
    _line("flour", 2, "cups", "20081"),
    _line("eggs", 2, "large", "01123"),
    _line("olive oil", 1, "tbsp", "04053"),
    _line("butter", 4, "tbsp", "01001"),
    _line("sugar", 1, "cup", "19335"),
    _line("whole milk", 1, "cup", "01077"),
]


def test_olive_oil_by_mass() -> None:
    result = compute_nutrition([_line("olive oil", 100, "g", "04053")], servings=1)
    assert result.total.calories == pytest.approx(884, rel=0.02)
    assert result.total.fat_g == pytest.approx(100, rel=0.02)


def test_cup_of_flour_uses_usda_portion() -> None:
    result = compute_nutrition([_line("flour", 1, "cup", "20081")], servings=1)
    assert result.grams == [pytest.approx(125)]
    assert result.total.calories == pytest.approx(455, rel=0.02)


@pytest.mark.parametrize("unit", ["large", None])
def test_two_large_eggs(unit: str | None) -> None:
    result = compute_nutrition([_line("eggs", 2, unit, "01123")], servings=1)
    assert result.grams == [pytest.approx(100)]
    assert result.total.calories == pytest.approx(143, rel=0.02)


def test_readme_recipe() -> None:
    result = compute_nutrition(README_RECIPE, servings=4)
    assert result.grams == pytest.approx([250, 100, 13.5, 56.8, 200, 244])
    assert result.total.calories == pytest.approx(2502, rel=0.02)
    assert result.total.protein_g == pytest.approx(46.6, rel=0.02)
    assert result.total.fat_g == pytest.approx(79.5, rel=0.02)
    assert result.total.sodium_mg == pytest.approx(619, rel=0.02)
    assert result.per_serving.calories == pytest.approx(2502 / 4, rel=0.02)
    assert result.coverage == 1.0
    assert result.unresolved == []


def test_pint_of_milk_goes_through_cup_portion() -> None:
    grams = get_food_table().grams_for("01077", 1, "pint")
    # 473.176 ml at the cup portion's 244 g / 236.588 ml.
    assert grams == pytest.approx(473.176 * 244 / 236.588, rel=1e-3)


def test_range_uses_midpoint() -> None:
    line = IngredientInput("garlic", 2, "cloves", "11215", quantity_max=4)
    result = compute_nutrition([line], servings=1)
    assert result.grams == [pytest.approx(9)]


def test_coverage_estimates_unknown_lines_at_median() -> None:
    lines = [
        _line("flour", 100, "g", "20081"),
        _line("sugar", 300, "g", "19335"),
        _line("unobtainium", 2, None, None),
        _line("salt", None, None, "02047"),
        IngredientInput("pepper", 1, "tsp", None, to_taste=True),
        IngredientInput("nuts", 50, "g", None, optional=True),
    ]
    result = compute_nutrition(lines, servings=2)
    # Unknown line weighs the median resolved line (200 g): 400 / 600.
    assert result.coverage == pytest.approx(400 / 600)
    assert result.unresolved == ["unobtainium"]
    assert result.grams[:2] == [100, 300]


def test_unresolved_mass_unit_counts_its_own_grams() -> None:
    lines = [_line("flour", 100, "g", "20081"), _line("mystery", 300, "g", None)]
    assert compute_nutrition(lines, servings=1).coverage == pytest.approx(0.25)


def test_unknown_ndb_and_unconvertible_unit_are_unresolved() -> None:
    lines = [_line("x", 1, "cup", "99999"), _line("flour", 1, "furlong", "20081")]
    result = compute_nutrition(lines, servings=1)
    assert result.unresolved == ["x", "flour"]
    assert result.coverage == 0.0
    assert result.total == Nutrients.zero()


def test_empty_recipe_is_fully_covered() -> None:
    result = compute_nutrition([], servings=0)
    assert result.coverage == 1.0
    assert result.total == Nutrients.zero()


def test_missing_usda_values_count_as_zero() -> None:
    table = get_food_table()
    food = next(f for f in table.all() if f.nutrients.get("sugars_g") is None and f.portions)
    result = compute_nutrition([_line(food.description, 100, "g", food.ndb_no)], servings=1)
    assert result.total.sugar_g == 0


def test_nutrients_arithmetic_and_api_dict() -> None:
    one = Nutrients(calories=100.04, protein_g=1, carbs_g=2, fat_g=3, fiber_g=0.5)
    total = one + one.scale(2)
    assert total.calories == pytest.approx(300.12)
    assert total.as_dict() == {
        "calories": 300.1,
        "proteinG": 3.0,
        "carbsG": 6.0,
        "fatG": 9.0,
        "fiberG": 1.5,
        "sugarG": 0.0,
        "sodiumMg": 0.0,
        "saturatedFatG": 0.0,
    }


_ALIAS_IDS = sorted(set(aliases().values()))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([*_ALIAS_IDS, None, "99999"]),
            st.one_of(st.none(), st.floats(min_value=0, max_value=5000, allow_nan=False)),
            st.sampled_from([None, "g", "cup", "tbsp", "tsp", "large", "clove", "can", "oz", "x"]),
            st.booleans(),
        ),
        max_size=12,
    ),
    st.floats(min_value=-2, max_value=20, allow_nan=False),
)
def test_compute_nutrition_is_always_bounded(
    lines: list[tuple[str | None, float | None, str | None, bool]], servings: float
) -> None:
    inputs = [
        IngredientInput(f"line {i}", quantity, unit, ndb_no, optional=optional)
        for i, (ndb_no, quantity, unit, optional) in enumerate(lines)
    ]
    result = compute_nutrition(inputs, servings)
    assert 0.0 <= result.coverage <= 1.0
    assert len(result.grams) == len(inputs)
    assert all(value >= 0 for value in result.total.as_dict().values())
    assert all(grams is None or grams >= 0 for grams in result.grams)
