from __future__ import annotations

from datetime import date, timedelta

import pytest

from mealplanner.ai.engine.balance import (
    BalanceResult,
    DayNutrition,
    MacroSplit,
    Targets,
    calculate_balance_score,
    score_macro_distribution,
)

MONDAY = date(2026, 3, 2)


def _day(
    offset: int,
    kcal: float,
    split: tuple[float, float, float] = (30.0, 40.0, 30.0),
    *,
    fiber: float = 30.0,
    sodium: float = 1500.0,
    meals: int = 3,
    veg: bool = True,
    recipes: tuple[str, ...] | None = None,
) -> DayNutrition:
    """A day whose macro grams produce exactly ``split`` (percent of kcal)."""
    p, c, f = split
    return DayNutrition(
        date=MONDAY + timedelta(days=offset),
        calories=kcal,
        protein_g=kcal * p / 100 / 4,
        carbs_g=kcal * c / 100 / 4,
        fat_g=kcal * f / 100 / 9,
        fiber_g=fiber,
        sodium_mg=sodium,
        meal_count=meals,
        has_vegetables=veg,
        recipe_ids=recipes if recipes is not None else (f"r{offset}a", f"r{offset}b"),
    )


def _empty(offset: int) -> DayNutrition:
    return DayNutrition(MONDAY + timedelta(days=offset), 0, 0, 0, 0, 0, 0, 0, False, ())


def _messages(result: BalanceResult) -> list[str]:
    return [i.message for i in result.insights]


def test_perfect_week_scores_100() -> None:
    # std-dev 0, split 30/40/30 = default target -> macro score 100, 14 recipes:
    # 100 * 0.6 + 100 * 0.4 = 100.
    week = [_day(i, 1800) for i in range(7)]
    result = calculate_balance_score(week, Targets(calories=1800))
    assert result.balance_score == 100.0
    assert result.macro_score == 100.0
    assert result.unique_recipes == 14
    assert "Great protein balance!" in _messages(result)
    assert "Every planned day is within 10% of your calorie target" in _messages(result)
    assert not [i for i in result.insights if i.severity == "warning"]


def test_uneven_week_with_poor_split_and_little_variety() -> None:
    # kcal 1200/2800 alternating + 2000: mean 2000, pstdev = sqrt(6 * 800^2 / 7) = 740.7 > 500
    # -> 100 - 20 = 80. Split 25/50/25 vs 30/40/30: 5 + 10 + 5 = 20 pp -> macro 100 - 40 = 60.
    # 80 * 0.6 + 60 * 0.4 = 72; 5 distinct recipes < 7 -> 62.
    recipes = ("a", "b", "c", "d", "e")
    kcal = [1200, 2800, 1200, 2800, 1200, 2800, 2000]
    week = [
        _day(
            i,
            k,
            (25, 50, 25),
            fiber=14,
            sodium=2900 if i == 0 else 1800,
            veg=i != 3,
            recipes=(recipes[i % 5],),
        )
        for i, k in enumerate(kcal)
    ]
    result = calculate_balance_score(week, Targets(calories=2000))
    assert result.calorie_std_dev == pytest.approx(740.7, abs=0.05)
    assert result.macro_score == 60.0
    assert result.unique_recipes == 5
    assert result.balance_score == 62.0
    messages = _messages(result)
    assert "Thursday has no vegetables" in messages
    assert "Tuesday is 40% over your calorie target" in messages
    assert "Monday is 40% under your calorie target" in messages
    assert "Sodium is high on Monday (2,900 mg)" in messages
    assert "Fiber is low this week (avg 14 g/day; aim for 25\u201330 g)" in messages
    assert "Only 5 different recipes this week — add variety" in messages
    assert "Great protein balance!" not in messages
    thursday = next(i for i in result.insights if i.kind == "no_vegetables")
    assert thursday.date == MONDAY + timedelta(days=3)


def test_empty_days_are_reported_not_averaged() -> None:
    # Four planned days (2000, 2100, 1900, 2000): mean 2000, pstdev sqrt(20000/4) = 70.7.
    # Split 30/40/30 vs the user's 20/50/30: 10 + 10 + 0 = 20 pp -> macro 60.
    # 100 * 0.6 + 60 * 0.4 = 84; 8 distinct recipes -> no variety penalty.
    week = [_day(0, 2000), _day(1, 2100), _day(2, 1900), _day(3, 2000)] + [
        _empty(i) for i in range(4, 7)
    ]
    result = calculate_balance_score(week, Targets(2000, protein_pct=20, carbs_pct=50, fat_pct=30))
    assert result.averages.days_counted == 4
    assert result.averages.calories == pytest.approx(2000.0)
    assert result.empty_days == tuple(MONDAY + timedelta(days=i) for i in range(4, 7))
    assert result.balance_score == 84.0
    messages = _messages(result)
    assert "Friday has no meals planned" in messages
    assert "Sunday has no meals planned" in messages
    assert result.days[4].calorie_dev_pct is None
    assert result.days[1].calorie_dev_pct == pytest.approx(5.0)
    assert result.days[0].protein_dev_pp == pytest.approx(10.0)


def test_week_without_meals_scores_zero() -> None:
    result = calculate_balance_score([_empty(i) for i in range(7)])
    assert result.balance_score == 0.0
    assert [i.kind for i in result.insights] == ["no_meals"]


def test_default_targets_without_calorie_goal() -> None:
    # All-fat week: split 0/0/100 -> 30 + 40 + 70 = 140 pp -> macro 0; std 0; 14 recipes:
    # 100 * 0.6 + 0 = 60.
    week = [_day(i, 2000, (0, 0, 100)) for i in range(7)]
    result = calculate_balance_score(week)
    assert result.balance_score == 60.0
    assert result.days[0].calorie_dev_pct is None
    assert not any("calorie target" in m for m in _messages(result))


def test_macro_score_formula() -> None:
    assert score_macro_distribution(MacroSplit(30, 40, 30)) == 100.0
    assert score_macro_distribution(MacroSplit(35, 35, 30)) == 80.0
    assert score_macro_distribution(MacroSplit(10, 80, 10)) == 0.0
    assert score_macro_distribution(MacroSplit(40, 30, 30), MacroSplit(40, 30, 30)) == 100.0


def test_duplicate_dates_rejected() -> None:
    with pytest.raises(ValueError, match="once"):
        calculate_balance_score([_day(0, 2000), _day(0, 1800)])


def test_targets_must_sum_to_100() -> None:
    with pytest.raises(ValueError, match="sum to 100"):
        Targets(2000, 30, 30, 30)
