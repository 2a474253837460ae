from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mealplanner.ai.engine.balance import Targets
from mealplanner.ai.engine.planner import (
    Candidate,
    LockedMeal,
    PlannedMeal,
    PlanRequest,
    PlanResult,
    plan_week,
)
from mealplanner.ai.engine.synthetic import synthetic_candidates

MONDAY = date(2026, 3, 2)
WEEK = [MONDAY + timedelta(days=i) for i in range(7)]
MEALS = ["breakfast", "lunch", "dinner"]
CATALOG = synthetic_candidates(300, seed=7)


def _assert_targets_met(result: PlanResult) -> None:
    for day in result.per_day:
        assert abs(day.calorie_dev_pct) <= 10.0, day
        for gap in (day.protein_dev_pp, day.carbs_dev_pp, day.fat_dev_pp):
            assert abs(gap) <= 5.0, day


@pytest.mark.parametrize(
    "targets",
    [Targets(2000, 30, 40, 30), Targets(1600, 25, 50, 25), Targets(2600, 35, 35, 30)],
)
def test_week_meets_calorie_and_macro_targets(targets: Targets) -> None:
    request = PlanRequest(days=WEEK, meal_types=MEALS, targets=targets, time_limit_s=0.6)
    result = plan_week(CATALOG, request)
    assert len(result.meals) == 21
    assert result.unmet == []
    assert result.status in {"optimal", "feasible"}
    _assert_targets_met(result)


def test_heuristic_alone_meets_targets() -> None:
    request = PlanRequest(days=WEEK, meal_types=MEALS, targets=Targets(2000), time_limit_s=0.3)
    result = plan_week(CATALOG, request, use_milp=False)
    assert result.solver == "greedy"
    _assert_targets_met(result)


def test_missing_meal_type_is_reported_with_best_plan() -> None:
    request = PlanRequest(
        days=WEEK[:3],
        meal_types=[*MEALS, "snack"],
        targets=Targets(2000),
        time_limit_s=0.5,
    )
    no_snacks = [c for c in CATALOG if "snack" not in c.meal_types]
    result = plan_week(no_snacks, request)
    assert result.status == "infeasible-relaxed"
    assert any("meal type 'snack'" in u for u in result.unmet)
    assert len(result.meals) == 9
    assert {m.meal_type for m in result.meals} == set(MEALS)


def test_too_few_recipes_for_no_repeat_rule() -> None:
    breakfasts = [c for c in CATALOG if c.meal_types == frozenset({"breakfast"})][:3]
    request = PlanRequest(
        days=WEEK, meal_types=["breakfast"], targets=Targets(500), time_limit_s=0.5
    )
    result = plan_week(breakfasts, request, top_k=3)
    assert result.status == "infeasible-relaxed"
    assert len(result.meals) == 3
    assert len({m.recipe_id for m in result.meals}) == 3
    assert sum("without repeating" in u for u in result.unmet) == 4


def test_locked_meals_are_kept_and_counted() -> None:
    dinner = next(c for c in CATALOG if "dinner" in c.meal_types)
    lock = LockedMeal(WEEK[2], "dinner", dinner.recipe_id, servings=1.5)
    ghost = LockedMeal(WEEK[4], "lunch", "not-in-catalog", servings=1.0)
    request = PlanRequest(
        days=WEEK, meal_types=MEALS, targets=Targets(2000), locked=[lock, ghost], time_limit_s=0.6
    )
    result = plan_week(CATALOG, request)
    assert PlannedMeal(WEEK[2], "dinner", dinner.recipe_id, 1.5, locked=True) in result.meals
    assert PlannedMeal(WEEK[4], "lunch", "not-in-catalog", 1.0, locked=True) in result.meals
    assert any("not-in-catalog" in u for u in result.unmet)
    assert sum(m.recipe_id == dinner.recipe_id for m in result.meals) == 1


def test_invalid_servings_rejected() -> None:
    request = PlanRequest(days=WEEK, meal_types=MEALS, targets=Targets(2000), min_servings=0.75)
    with pytest.raises(ValueError, match="servings"):
        plan_week(CATALOG, request)


_meal_type = st.sampled_from(MEALS)


@st.composite
def _instances(draw: st.DrawFn) -> tuple[list[Candidate], PlanRequest]:
    n = draw(st.integers(2, 10))
    cands = [
        Candidate(
            recipe_id=f"c{i}",
            name=f"c{i}",
            meal_types=frozenset(draw(st.sets(_meal_type, min_size=1))),
            calories=draw(st.floats(150, 900)),
            protein_g=draw(st.floats(2, 60)),
            carbs_g=draw(st.floats(2, 120)),
            fat_g=draw(st.floats(1, 45)),
            food_ids=frozenset(draw(st.sets(st.sampled_from("abcdefgh"), max_size=4))),
            cuisine=draw(st.sampled_from(["thai", "italian", "mexican"])),
            popularity=draw(st.floats(0, 1)),
        )
        for i in range(n)
    ]
    n_days = draw(st.integers(1, 5))
    days = WEEK[:n_days]
    meal_types = draw(st.lists(_meal_type, min_size=1, max_size=3, unique=True))
    locked = []
    for day in days:
        for m in meal_types:
            if draw(st.integers(0, 5)) == 0:
                c = draw(st.sampled_from(cands))
                locked.append(LockedMeal(day, m, c.recipe_id, draw(st.sampled_from([0.5, 1.0]))))
    request = PlanRequest(
        days=days,
        meal_types=meal_types,
        targets=Targets(draw(st.floats(1200, 3000))),
        locked=locked,
        avoid_repeats_days=draw(st.integers(0, 4)),
        time_limit_s=0.3,
    )
    return cands, request


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instance=_instances(), use_milp=st.booleans())
def test_hard_constraints_always_hold(
    instance: tuple[list[Candidate], PlanRequest], use_milp: bool
) -> None:
    cands, request = instance
    by_id = {c.recipe_id: c for c in cands}
    result = plan_week(cands, request, use_milp=use_milp)

    for lock in request.locked:
        assert PlannedMeal(lock.date, lock.meal_type, lock.recipe_id, lock.servings, True) in (
            result.meals
        )
    slots = [(m.date, m.meal_type) for m in result.meals]
    assert len(slots) == len(set(slots)), "one recipe per slot"
    for meal in result.meals:
        assert meal.date in request.days
        assert meal.meal_type in request.meal_types
        if not meal.locked:
            assert meal.meal_type in by_id[meal.recipe_id].meal_types
            assert request.min_servings <= meal.servings <= request.max_servings
    horizon = request.avoid_repeats_days
    for a in result.meals:
        for b in result.meals:
            if a is b or a.recipe_id != b.recipe_id or (a.locked and b.locked):
                continue
            gap = abs((a.date - b.date).days)
            assert gap != 0, (a, b)
            assert gap >= horizon, (a, b)
    filled = len(result.meals)
    if filled < len(request.days) * len(request.meal_types):
        assert result.status == "infeasible-relaxed"
        assert result.unmet
