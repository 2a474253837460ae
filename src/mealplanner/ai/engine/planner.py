"""The week planner: pick a recipe and a serving count for every (day, meal type) slot.

Hard constraints: locked meals stay as given; every recipe fits its slot's meal type; a recipe
is never used twice on the same day or on two days closer than ``avoid_repeats_days``.
Objective: stay near the daily calorie target and the macro shares of kcal, then use fewer
distinct foods (shorter shopping list), vary cuisines and prefer popular recipes.

Solved as a mixed-integer program with HiGHS after pruning each meal type's candidates to the
best ``top_k`` by a quick fit score, warm-started from a greedy + local-search plan, which is
also the fallback when HiGHS fails or finds nothing in time. The model is written out in
``docs/ai.md``.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final, Literal

from mealplanner.ai.engine.balance import (
    KCAL_PER_G_CARBS,
    KCAL_PER_G_FAT,
    KCAL_PER_G_PROTEIN,
    Targets,
    weekday_name,
)

Solver = Literal["milp", "greedy"]
Status = Literal["optimal", "feasible", "infeasible-relaxed"]

# Typical split of a day's calories between meals; only used to prune candidates and to guide
# the greedy start, the optimiser itself only sees daily totals.
MEAL_CALORIE_SHARE: Final = {
    "breakfast": 0.25,
    "lunch": 0.35,
    "dinner": 0.40,
    "snack": 0.12,
    "dessert": 0.10,
}
CALORIE_TOLERANCE_PCT: Final = 10.0
MACRO_TOLERANCE_PP: Final = 5.0


@dataclass(frozen=True, slots=True)
class Candidate:
    """A recipe the planner may use; nutrition is per serving."""

    recipe_id: str
    name: str
    meal_types: frozenset[str]
    calories: float
    protein_g: float
    carbs_g: float
    fat_g: float
    prep_total_minutes: int = 0
    food_ids: frozenset[str] = frozenset()
    cuisine: str = "international"
    popularity: float = 0.0


@dataclass(frozen=True, slots=True)
class LockedMeal:
    date: date
    meal_type: str
    recipe_id: str
    servings: float = 1.0


@dataclass(frozen=True, slots=True)
class PlanRequest:
    days: Sequence[date]
    meal_types: Sequence[str]
    targets: Targets
    locked: Sequence[LockedMeal] = ()
    avoid_repeats_days: int = 7
    min_servings: float = 0.5
    max_servings: float = 2.0
    servings_step: float = 0.5
    time_limit_s: float = 2.0


@dataclass(frozen=True, slots=True)
class PlannerWeights:
    """Objective weights; deviations are measured as fractions of the daily calorie target.

    Each deviation has a cheap in-band part (up to ``*_band``) and an expensive part beyond it,
    a convex piecewise-linear penalty that makes the solver spend effort on days outside the
    tolerance first. The bands sit inside the product tolerances (10 % kcal, 5 pp macros) to
    leave room for the difference between macro kcal and reported kcal.
    """

    calorie_band: float = 0.07
    macro_band: float = 0.035
    in_band: float = 0.2
    out_of_band: float = 25.0
    distinct_food: float = 0.002
    cuisine_excess: float = 0.01
    popularity: float = 0.004
    empty_slot: float = 50.0


DEFAULT_WEIGHTS: Final = PlannerWeights()


@dataclass(frozen=True, slots=True)
class PlannedMeal:
    date: date
    meal_type: str
    recipe_id: str
    servings: float
    locked: bool = False


@dataclass(frozen=True, slots=True)
class DayDeviation:
    date: date
    calories: float
    protein_pct: float
    carbs_pct: float
    fat_pct: float
    calorie_dev_pct: float
    protein_dev_pp: float
    carbs_dev_pp: float
    fat_dev_pp: float


@dataclass(frozen=True, slots=True)
class PlanResult:
    meals: list[PlannedMeal]
    per_day: list[DayDeviation]
    solver: Solver
    status: Status
    unmet: list[str]
    elapsed_s: float
    objective: float = 0.0


# --- problem preparation -----------------------------------------------------------------


@dataclass(slots=True)
class _Problem:
    request: PlanRequest
    weights: PlannerWeights
    days: list[date]
    cands: list[Candidate]
    slots: list[tuple[int, str]]  # (day index, meal type) of every open slot
    slot_cands: list[list[int]]
    units: list[int]  # allowed serving counts, in servings_step units
    step: float
    fixed: list[list[float]]  # per day: kcal, protein kcal, carbs kcal, fat kcal
    locked_meals: list[PlannedMeal]
    locked_days: dict[str, list[int]]
    locked_foods: frozenset[str]
    locked_cuisines: Counter[str]
    cuisine_allowance: int
    unmet: list[str] = field(default_factory=list)

    @property
    def target(self) -> float:
        return self.request.targets.calories

    @property
    def shares(self) -> tuple[float, float, float]:
        t = self.request.targets
        return (t.protein_pct / 100.0, t.carbs_pct / 100.0, t.fat_pct / 100.0)

    def conflicts(self, day_a: int, day_b: int) -> bool:
        """True when one recipe may not appear on both days."""
        gap = abs((self.days[day_a] - self.days[day_b]).days)
        return gap == 0 or gap < self.request.avoid_repeats_days


def _serving_units(request: PlanRequest) -> list[int]:
    step = request.servings_step
    lo = request.min_servings / step
    hi = request.max_servings / step
    if step <= 0 or lo <= 0 or hi < lo or not (_is_whole(lo) and _is_whole(hi)):
        raise ValueError("servings bounds must be positive multiples of servings_step")
    return list(range(round(lo), round(hi) + 1))


def _is_whole(x: float) -> bool:
    return abs(x - round(x)) < 1e-9


def _macro_kcal(c: Candidate) -> tuple[float, float, float]:
    return (
        c.protein_g * KCAL_PER_G_PROTEIN,
        c.carbs_g * KCAL_PER_G_CARBS,
        c.fat_g * KCAL_PER_G_FAT,
    )


def _prune(
    candidates: Sequence[Candidate],
    meal_type: str,
    slot_kcal: float,
    shares: tuple[float, float, float],
    servings: Sequence[float],
    top_k: int,
) -> list[Candidate]:
    """The ``top_k`` candidates for a meal type by calorie fit at their best serving count,
    closeness of their own macro split to the target, and popularity."""
    scored: list[tuple[float, str, Candidate]] = []
    for c in candidates:
        if meal_type not in c.meal_types or c.calories <= 0:
            continue
        cal_fit = min(abs(s * c.calories - slot_kcal) for s in servings) / slot_kcal
        kcal = _macro_kcal(c)
        total = sum(kcal) or 1.0
        macro_fit = sum(abs(k / total - t) for k, t in zip(kcal, shares, strict=True))
        scored.append((cal_fit + 1.5 * macro_fit - 0.05 * c.popularity, c.recipe_id, c))
    scored.sort(key=lambda t: (t[0], t[1]))
    return [c for _, _, c in scored[:top_k]]


def _prepare(
    candidates: Sequence[Candidate],
    request: PlanRequest,
    weights: PlannerWeights,
    top_k: int,
) -> _Problem:
    days = sorted(set(request.days))
    if len(days) != len(request.days):
        raise ValueError("days must be distinct")
    if not days or not request.meal_types:
        raise ValueError("a plan needs at least one day and one meal type")
    if len(set(request.meal_types)) != len(request.meal_types):
        raise ValueError("meal types must be distinct")
    units = _serving_units(request)
    step = request.servings_step
    by_id = {c.recipe_id: c for c in candidates}
    day_index = {d: i for i, d in enumerate(days)}
    unmet: list[str] = []

    fixed = [[0.0, 0.0, 0.0, 0.0] for _ in days]
    locked_meals: list[PlannedMeal] = []
    locked_days: dict[str, list[int]] = {}
    taken: set[tuple[int, str]] = set()
    for lock in request.locked:
        di = day_index.get(lock.date)
        if di is None or lock.meal_type not in request.meal_types:
            unmet.append(
                f"Locked {lock.recipe_id} on {lock.date.isoformat()} {lock.meal_type} is "
                "outside the requested days or meal types and was ignored"
            )
            continue
        if (di, lock.meal_type) in taken:
            unmet.append(
                f"Two locked meals for {weekday_name(lock.date)} {lock.meal_type}; "
                f"kept the first, ignored {lock.recipe_id}"
            )
            continue
        taken.add((di, lock.meal_type))
        locked_meals.append(
            PlannedMeal(lock.date, lock.meal_type, lock.recipe_id, lock.servings, locked=True)
        )
        locked_days.setdefault(lock.recipe_id, []).append(di)
        cand = by_id.get(lock.recipe_id)
        if cand is None:
            unmet.append(
                f"Locked recipe {lock.recipe_id} has no nutrition data; "
                f"{weekday_name(lock.date)}'s totals leave it out"
            )
            continue
        pk, ck, fk = _macro_kcal(cand)
        for i, v in enumerate((cand.calories, pk, ck, fk)):
            fixed[di][i] += v * lock.servings

    shares_t = (
        request.targets.protein_pct / 100.0,
        request.targets.carbs_pct / 100.0,
        request.targets.fat_pct / 100.0,
    )
    share_sum = sum(MEAL_CALORIE_SHARE.get(m, 0.15) for m in request.meal_types)
    servings = [u * step for u in units]
    # Enough distinct recipes per meal type that the no-repeat rule can be met.
    k = max(top_k, len(days) + 6)
    pruned: dict[str, list[Candidate]] = {}
    for m in request.meal_types:
        slot_kcal = request.targets.calories * MEAL_CALORIE_SHARE.get(m, 0.15) / share_sum
        pruned[m] = _prune(candidates, m, slot_kcal, shares_t, servings, k)
        if not pruned[m]:
            unmet.append(f"No candidate recipes for meal type {m!r}; those slots stay empty")

    cands: list[Candidate] = []
    index: dict[str, int] = {}
    for m in request.meal_types:
        for c in pruned[m]:
            if c.recipe_id not in index:
                index[c.recipe_id] = len(cands)
                cands.append(c)
    slots: list[tuple[int, str]] = []
    slot_cands: list[list[int]] = []
    for di in range(len(days)):
        for m in request.meal_types:
            if (di, m) in taken:
                continue
            slots.append((di, m))
            slot_cands.append([index[c.recipe_id] for c in pruned[m]])

    locked_foods: set[str] = set()
    locked_cuisines: Counter[str] = Counter()
    for meal in locked_meals:
        cand = by_id.get(meal.recipe_id)
        if cand is not None:
            locked_foods |= cand.food_ids
            locked_cuisines[cand.cuisine] += 1
    n_meals = len(days) * len(request.meal_types)
    problem = _Problem(
        request=request,
        weights=weights,
        days=days,
        cands=cands,
        slots=slots,
        slot_cands=slot_cands,
        units=units,
        step=step,
        fixed=fixed,
        locked_meals=locked_meals,
        locked_days=locked_days,
        locked_foods=frozenset(locked_foods),
        locked_cuisines=locked_cuisines,
        cuisine_allowance=max(2, math.ceil(n_meals / 5)),
        unmet=unmet,
    )
    for rid, used in locked_days.items():
        for a in range(len(used)):
            for b in range(a + 1, len(used)):
                if problem.conflicts(used[a], used[b]):
                    unmet.append(
                        f"Locked recipe {rid} repeats within {request.avoid_repeats_days} days; "
                        "kept as locked"
                    )
    return problem


# --- objective, shared by the heuristics and used to cross-check the MILP -------------------

Assignment = list[tuple[int, int] | None]  # per open slot: (candidate index, serving units)


def _banded(dev: float, band: float, w: PlannerWeights) -> float:
    return w.in_band * min(dev, band) + w.out_of_band * max(0.0, dev - band)


def _day_cost(p: _Problem, totals: Sequence[float]) -> float:
    w = p.weights
    t = p.target
    cal, pk, ck, fk = totals
    macro = pk + ck + fk
    cost = _banded(abs(cal - t) / t, w.calorie_band, w)
    for k, share in zip((pk, ck, fk), p.shares, strict=True):
        cost += _banded(abs(k - share * macro) / t, w.macro_band, w)
    return cost


def _candidate_totals(c: Candidate, servings: float) -> tuple[float, float, float, float]:
    p, cb, f = _macro_kcal(c)
    return (c.calories * servings, p * servings, cb * servings, f * servings)


def _day_totals(p: _Problem, assignment: Assignment) -> list[list[float]]:
    totals = [list(row) for row in p.fixed]
    for (di, _), choice in zip(p.slots, assignment, strict=True):
        if choice is not None:
            ci, u = choice
            for i, v in enumerate(_candidate_totals(p.cands[ci], u * p.step)):
                totals[di][i] += v
    return totals


def _objective(p: _Problem, assignment: Assignment) -> float:
    w = p.weights
    cost = sum(_day_cost(p, t) for t in _day_totals(p, assignment))
    foods: set[str] = set()
    cuisines = Counter(p.locked_cuisines)
    for choice in assignment:
        if choice is None:
            cost += w.empty_slot
            continue
        c = p.cands[choice[0]]
        foods |= c.food_ids
        cuisines[c.cuisine] += 1
        cost -= w.popularity * c.popularity
    cost += w.distinct_food * len(foods - p.locked_foods)
    cost += w.cuisine_excess * sum(max(0, n - p.cuisine_allowance) for n in cuisines.values())
    return cost


def _repeat_ok(p: _Problem, uses: dict[int, list[int]], ci: int, di: int) -> bool:
    rid = p.cands[ci].recipe_id
    days = uses.get(ci, []) + p.locked_days.get(rid, [])
    return not any(p.conflicts(di, other) for other in days)


# --- greedy start and local search ---------------------------------------------------------


def _greedy(p: _Problem) -> Assignment:
    assignment: Assignment = [None] * len(p.slots)
    uses: dict[int, list[int]] = {}
    totals = [list(row) for row in p.fixed]
    t = p.target
    shares = p.shares
    by_day: dict[int, list[int]] = {}
    for si, (di, _) in enumerate(p.slots):
        by_day.setdefault(di, []).append(si)
    for di, slot_ids in sorted(by_day.items()):
        remaining = list(slot_ids)
        # Largest meals first, so the small ones can correct what is left over.
        remaining.sort(key=lambda si: -MEAL_CALORIE_SHARE.get(p.slots[si][1], 0.15))
        for pos, si in enumerate(remaining):
            open_share = sum(MEAL_CALORIE_SHARE.get(p.slots[o][1], 0.15) for o in remaining[pos:])
            frac = MEAL_CALORIE_SHARE.get(p.slots[si][1], 0.15) / open_share
            day = totals[di]
            want_cal = (t - day[0]) * frac
            want = [(share * t - day[i + 1]) * frac for i, share in enumerate(shares)]
            best: tuple[float, int, int] | None = None
            for ci in p.slot_cands[si]:
                if not _repeat_ok(p, uses, ci, di):
                    continue
                c = p.cands[ci]
                for u in p.units:
                    cal, pk, ck, fk = _candidate_totals(c, u * p.step)
                    score = abs(cal - want_cal) / t + sum(
                        abs(k - wk) / t for k, wk in zip((pk, ck, fk), want, strict=True)
                    )
                    score -= p.weights.popularity * c.popularity
                    if best is None or score < best[0]:
                        best = (score, ci, u)
            if best is None:
                continue
            _, ci, u = best
            assignment[si] = (ci, u)
            uses.setdefault(ci, []).append(di)
            for i, v in enumerate(_candidate_totals(p.cands[ci], u * p.step)):
                day[i] += v
    return assignment


def _local_search(
    p: _Problem, start: Assignment, deadline: float, seed: int = 0
) -> tuple[Assignment, float]:
    """First-improvement search over single-slot changes (recipe and/or servings)."""
    rng = random.Random(seed)
    assignment = list(start)
    w = p.weights
    totals = _day_totals(p, assignment)
    uses: dict[int, list[int]] = {}
    food_count: Counter[str] = Counter()
    cuisines = Counter(p.locked_cuisines)
    for (di, _), choice in zip(p.slots, assignment, strict=True):
        if choice is not None:
            uses.setdefault(choice[0], []).append(di)
            food_count.update(p.cands[choice[0]].food_ids - p.locked_foods)
            cuisines[p.cands[choice[0]].cuisine] += 1

    def side_cost(ci: int | None, sign: int) -> float:
        """Change in food/cuisine/popularity cost from adding (+1) or removing (-1) ci."""
        if ci is None:
            return w.empty_slot * sign
        c = p.cands[ci]
        cost = -w.popularity * c.popularity * sign
        for food in c.food_ids - p.locked_foods:
            if (sign > 0 and food_count[food] == 0) or (sign < 0 and food_count[food] == 1):
                cost += w.distinct_food * sign
        n = cuisines[c.cuisine]
        before = max(0, n - p.cuisine_allowance)
        after = max(0, n + sign - p.cuisine_allowance)
        return cost + w.cuisine_excess * (after - before)

    def apply(ci: int | None, sign: int, di: int, u: int) -> None:
        if ci is None:
            return
        c = p.cands[ci]
        for i, v in enumerate(_candidate_totals(c, u * p.step)):
            totals[di][i] += sign * v
        for food in c.food_ids - p.locked_foods:
            food_count[food] += sign
        cuisines[c.cuisine] += sign
        if sign > 0:
            uses.setdefault(ci, []).append(di)
        else:
            uses[ci].remove(di)

    order = list(range(len(p.slots)))
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        rng.shuffle(order)
        for si in order:
            if time.perf_counter() >= deadline:
                break
            di = p.slots[si][0]
            old = assignment[si]
            old_ci, old_u = old if old is not None else (None, 0)
            base_day = _day_cost(p, totals[di])
            remove_cost = side_cost(old_ci, -1)
            apply(old_ci, -1, di, old_u)
            best_delta = -1e-9
            best: tuple[int, int] | None = None
            for ci in p.slot_cands[si]:
                if not _repeat_ok(p, uses, ci, di):
                    continue
                add = side_cost(ci, +1)
                c = p.cands[ci]
                for u in p.units:
                    if (ci, u) == old:
                        continue
                    extra = _candidate_totals(c, u * p.step)
                    day = [a + b for a, b in zip(totals[di], extra, strict=True)]
                    delta = _day_cost(p, day) - base_day + remove_cost + add
                    if delta < best_delta:
                        best_delta, best = delta, (ci, u)
            if best is None:
                apply(old_ci, +1, di, old_u)
                continue
            apply(best[0], +1, di, best[1])
            assignment[si] = best
            improved = True
    return assignment, _objective(p, assignment)


# --- MILP ----------------------------------------------------------------------------------


class _Model:
    """Columns and rows collected in Python, handed to HiGHS in one batch."""

    def __init__(self) -> None:
        self.lb: list[float] = []
        self.ub: list[float] = []
        self.cost: list[float] = []
        self.integer: list[int] = []
        self.rows: list[tuple[float, float, list[int], list[float]]] = []

    def var(self, lb: float, ub: float, cost: float = 0.0, integer: bool = False) -> int:
        self.lb.append(lb)
        self.ub.append(ub)
        self.cost.append(cost)
        if integer:
            self.integer.append(len(self.lb) - 1)
        return len(self.lb) - 1

    def row(self, lo: float, hi: float, terms: Iterable[tuple[int, float]]) -> None:
        # HiGHS rejects a whole batch if any row names a column twice, so merge repeats.
        merged: dict[int, float] = {}
        for i, v in terms:
            merged[i] = merged.get(i, 0.0) + v
        self.rows.append((lo, hi, list(merged), list(merged.values())))

    def solve(
        self, time_limit: float, gap: float, warm: list[float] | None
    ) -> tuple[str, list[float] | None]:
        import highspy

        # highspy's stubs are partial; treat the solver as dynamically typed.
        highs_cls: Any = highspy.Highs
        h = highs_cls()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("time_limit", max(0.05, time_limit))
        h.setOptionValue("mip_rel_gap", gap)
        h.setOptionValue("threads", 1)
        h.setOptionValue("random_seed", 0)
        n = len(self.lb)
        inf = highspy.kHighsInf
        h.addVars(n, self.lb, self.ub)
        h.changeColsCost(n, list(range(n)), self.cost)
        if self.integer:
            h.changeColsIntegrality(
                len(self.integer),
                self.integer,
                [int(highspy.HighsVarType.kInteger.value)] * len(self.integer),
            )
        starts: list[int] = []
        index: list[int] = []
        values: list[float] = []
        for _, _, idx, val in self.rows:
            starts.append(len(index))
            index.extend(idx)
            values.extend(val)
        lower = [lo if lo > -math.inf else -inf for lo, _, _, _ in self.rows]
        upper = [hi if hi < math.inf else inf for _, hi, _, _ in self.rows]
        added = h.addRows(len(self.rows), lower, upper, len(index), starts, index, values)
        if added == highspy.HighsStatus.kError:
            raise RuntimeError(f"HiGHS rejected the constraints: {added}")
        if warm is not None:
            sol: Any = highspy.HighsSolution()
            sol.col_value = warm
            sol.value_valid = True
            h.setSolution(sol)
        h.run()
        status = h.modelStatusToString(h.getModelStatus())
        info: Any = h.getInfo()
        if info.primal_solution_status != 2:  # 2 = feasible
            return status, None
        return status, list(h.getSolution().col_value)


@dataclass(slots=True)
class _MilpVars:
    x: dict[tuple[int, int], int]
    n: dict[tuple[int, int], int]
    empty: dict[int, int]


def _build_milp(p: _Problem) -> tuple[_Model, _MilpVars]:
    w = p.weights
    t = p.target
    shares = p.shares
    model = _Model()
    x: dict[tuple[int, int], int] = {}
    nv: dict[tuple[int, int], int] = {}
    empty: dict[int, int] = {}
    umin, umax = p.units[0], p.units[-1]
    day_terms: list[list[list[tuple[int, float]]]] = [[[], [], [], []] for _ in p.days]
    cuisine_terms: dict[str, list[tuple[int, float]]] = {}
    used_by: dict[int, list[int]] = {}

    for si, (di, _) in enumerate(p.slots):
        # Leaving a slot empty is allowed at a large cost, so that an impossible request
        # (too few recipes for the no-repeat rule) still yields the best partial plan.
        empty[si] = model.var(0, 1, w.empty_slot)
        fill = [(empty[si], 1.0)]
        for ci in p.slot_cands[si]:
            c = p.cands[ci]
            xi = model.var(0, 1, -w.popularity * c.popularity, integer=True)
            ni = model.var(0, umax, 0.0, integer=True)
            x[si, ci], nv[si, ci] = xi, ni
            fill.append((xi, 1.0))
            model.row(-math.inf, 0, [(ni, 1.0), (xi, -umax)])
            model.row(0, math.inf, [(ni, 1.0), (xi, -umin)])
            for k, v in enumerate(_candidate_totals(c, p.step)):
                day_terms[di][k].append((ni, v))
            cuisine_terms.setdefault(c.cuisine, []).append((xi, 1.0))
            used_by.setdefault(ci, []).append(xi)
        model.row(1, 1, fill)

    for di, terms in enumerate(day_terms):
        cal_terms, p_terms, c_terms, f_terms = terms
        fixed = p.fixed[di]
        _banded_deviation(model, cal_terms, fixed[0] - t, t, w.calorie_band, w)
        macro_terms = p_terms + c_terms + f_terms
        fixed_macro = fixed[1] + fixed[2] + fixed[3]
        for k, (own, share) in enumerate(zip((p_terms, c_terms, f_terms), shares, strict=True)):
            # K - share * M, with M the day's total macro kcal: linear in the servings.
            expr = own + [(i, -share * v) for i, v in macro_terms]
            const = fixed[k + 1] - share * fixed_macro
            _banded_deviation(model, expr, const, t, w.macro_band, w)

    # No recipe twice within the repeat window (sliding windows cover every close pair).
    horizon = max(1, p.request.avoid_repeats_days)
    for ci in range(len(p.cands)):
        rid = p.cands[ci].recipe_id
        locked = p.locked_days.get(rid, [])
        for d0 in range(len(p.days)):
            window = {
                di for di in range(len(p.days)) if 0 <= (p.days[di] - p.days[d0]).days < horizon
            }
            in_window = [
                (x[si, ci], 1.0)
                for si, (di, _) in enumerate(p.slots)
                if di in window and (si, ci) in x
            ]
            locked_in = any(di in window for di in locked)
            if len(in_window) >= 2 or (in_window and locked_in):
                model.row(-math.inf, 0.0 if locked_in else 1.0, in_window)
    # Also forbid neighbours of a locked use that fall outside every window starting at it.
    for ci in range(len(p.cands)):
        for ld in p.locked_days.get(p.cands[ci].recipe_id, []):
            for si, (di, _) in enumerate(p.slots):
                if (si, ci) in x and p.conflicts(di, ld):
                    model.lb[x[si, ci]] = 0
                    model.ub[x[si, ci]] = 0

    # Distinct foods: u_r = recipe used anywhere, z_f = food used anywhere (both continuous;
    # they are driven to 0/1 by the binaries and the positive cost on z).
    food_vars: dict[str, int] = {}
    for ci, xs in used_by.items():
        foods = p.cands[ci].food_ids - p.locked_foods
        if not foods:
            continue
        u = model.var(0, 1)
        for xi in xs:
            model.row(0, math.inf, [(u, 1.0), (xi, -1.0)])
        for food in foods:
            if food not in food_vars:
                food_vars[food] = model.var(0, 1, w.distinct_food)
            model.row(0, math.inf, [(food_vars[food], 1.0), (u, -1.0)])

    for cuisine, same_cuisine in cuisine_terms.items():
        allowance = p.cuisine_allowance - p.locked_cuisines.get(cuisine, 0)
        excess = model.var(0, math.inf, w.cuisine_excess)
        model.row(-math.inf, allowance, [*same_cuisine, (excess, -1.0)])

    return model, _MilpVars(x=x, n=nv, empty=empty)


def _banded_deviation(
    model: _Model,
    terms: list[tuple[int, float]],
    const: float,
    scale: float,
    band: float,
    w: PlannerWeights,
) -> None:
    """Add |terms + const| / scale to the objective with the banded penalty."""
    pos_in = model.var(0, band * scale, w.in_band / scale)
    pos_out = model.var(0, math.inf, w.out_of_band / scale)
    neg_in = model.var(0, band * scale, w.in_band / scale)
    neg_out = model.var(0, math.inf, w.out_of_band / scale)
    model.row(
        -const,
        -const,
        [*terms, (pos_in, -1.0), (pos_out, -1.0), (neg_in, 1.0), (neg_out, 1.0)],
    )


def _warm_start(
    p: _Problem, model: _Model, v: _MilpVars, assignment: Assignment
) -> list[float] | None:
    values = [0.0] * len(model.lb)
    for si, choice in enumerate(assignment):
        if choice is None:
            values[v.empty[si]] = 1.0
            continue
        ci, u = choice
        values[v.x[si, ci]] = 1.0
        values[v.n[si, ci]] = float(u)
    # Leave the continuous columns to HiGHS: it completes a partial integer assignment.
    return values


def _read_milp(p: _Problem, v: _MilpVars, values: Sequence[float]) -> Assignment:
    assignment: Assignment = [None] * len(p.slots)
    for (si, ci), xi in v.x.items():
        if values[xi] > 0.5:
            assignment[si] = (ci, round(values[v.n[si, ci]]))
    return assignment


# --- entry point ---------------------------------------------------------------------------


def plan_week(
    candidates: Sequence[Candidate],
    request: PlanRequest,
    *,
    weights: PlannerWeights = DEFAULT_WEIGHTS,
    top_k: int = 16,
    use_milp: bool = True,
    mip_rel_gap: float = 0.01,
    polish_time_s: float | None = None,
) -> PlanResult:
    """Plan ``request.days`` x ``request.meal_types`` from ``candidates``.

    Candidates should already be filtered for the user's diets, allergies and time limits;
    locked recipes should be among them so their nutrition counts. Never raises for an
    unsatisfiable request: it returns the best plan found and explains the gaps in ``unmet``.

    ``polish_time_s``: when the heuristic start already fills every slot within the product
    tolerances (±10 % kcal, ±5 pp per macro on every day), HiGHS only gets this long to improve
    the secondary terms (shopping list, variety) instead of the whole remaining budget; it
    rarely proves optimality here, so without the cap it always runs to the time limit.
    """
    started = time.perf_counter()
    deadline = started + request.time_limit_s
    p = _prepare(candidates, request, weights, top_k)

    heuristic_deadline = started + 0.15 * request.time_limit_s
    greedy = _greedy(p)
    best, best_cost = _local_search(p, greedy, heuristic_deadline)
    solver: Solver = "greedy"
    proven = False
    if use_milp and p.slots:
        model, variables = _build_milp(p)
        remaining = deadline - time.perf_counter() - 0.05
        if polish_time_s is not None and _meets_tolerances(p, best):
            remaining = min(remaining, polish_time_s)
        try:
            status, values = model.solve(
                remaining, mip_rel_gap, _warm_start(p, model, variables, best)
            )
        except Exception:
            status, values = "error", None
        if values is not None:
            candidate_plan = _read_milp(p, variables, values)
            cost = _objective(p, candidate_plan)
            if cost <= best_cost + 1e-6:
                best, best_cost, solver = candidate_plan, cost, "milp"
                proven = status == "Optimal"
    if solver == "greedy" and time.perf_counter() < deadline:
        best, best_cost = _local_search(p, best, deadline, seed=1)

    return _result(p, best, best_cost, solver, proven, time.perf_counter() - started)


def _meets_tolerances(p: _Problem, assignment: Assignment) -> bool:
    """Every open slot is filled and every day is within ±10 % kcal and ±5 pp per macro."""
    if any(choice is None for choice in assignment):
        return False
    t = p.request.targets
    target_shares = (t.protein_pct, t.carbs_pct, t.fat_pct)
    for cal, pk, ck, fk in _day_totals(p, assignment):
        macro = pk + ck + fk
        if macro <= 0 or abs(100 * (cal - t.calories) / t.calories) > CALORIE_TOLERANCE_PCT:
            return False
        for kcal, share in zip((pk, ck, fk), target_shares, strict=True):
            if abs(100 * kcal / macro - share) > MACRO_TOLERANCE_PP:
                return False
    return True


def _result(
    p: _Problem,
    assignment: Assignment,
    cost: float,
    solver: Solver,
    proven: bool,
    elapsed: float,
) -> PlanResult:
    meals = list(p.locked_meals)
    unmet = list(p.unmet)
    for si, ((di, meal_type), choice) in enumerate(zip(p.slots, assignment, strict=True)):
        day = p.days[di]
        if choice is None:
            if p.slot_cands[si]:
                unmet.append(
                    f"No recipe fits {weekday_name(day)} {meal_type} without repeating one "
                    f"within {p.request.avoid_repeats_days} days"
                )
            continue
        ci, u = choice
        meals.append(PlannedMeal(day, meal_type, p.cands[ci].recipe_id, u * p.step))
    order = {m: i for i, m in enumerate(p.request.meal_types)}
    meals.sort(key=lambda m: (m.date, order[m.meal_type]))

    per_day: list[DayDeviation] = []
    t = p.request.targets
    for di, totals in enumerate(_day_totals(p, assignment)):
        cal, pk, ck, fk = totals
        macro = pk + ck + fk or 1.0
        dev = DayDeviation(
            date=p.days[di],
            calories=round(cal, 1),
            protein_pct=round(100 * pk / macro, 1),
            carbs_pct=round(100 * ck / macro, 1),
            fat_pct=round(100 * fk / macro, 1),
            calorie_dev_pct=round(100 * (cal - t.calories) / t.calories, 1),
            protein_dev_pp=round(100 * pk / macro - t.protein_pct, 1),
            carbs_dev_pp=round(100 * ck / macro - t.carbs_pct, 1),
            fat_dev_pp=round(100 * fk / macro - t.fat_pct, 1),
        )
        per_day.append(dev)
        name = weekday_name(dev.date)
        if abs(dev.calorie_dev_pct) > CALORIE_TOLERANCE_PCT:
            direction = "over" if dev.calorie_dev_pct > 0 else "under"
            unmet.append(
                f"{name}: {abs(dev.calorie_dev_pct):.0f}% {direction} the calorie target "
                "(closest the candidates allow)"
            )
        for label, gap in (
            ("protein", dev.protein_dev_pp),
            ("carbs", dev.carbs_dev_pp),
            ("fat", dev.fat_dev_pp),
        ):
            if abs(gap) > MACRO_TOLERANCE_PP:
                unmet.append(f"{name}: {label} share is {gap:+.0f} pp off target")

    relaxed = any(c is None for c in assignment) or bool(p.unmet)
    status: Status = "infeasible-relaxed" if relaxed else ("optimal" if proven else "feasible")
    return PlanResult(
        meals=meals,
        per_day=per_day,
        solver=solver,
        status=status,
        unmet=unmet,
        elapsed_s=round(elapsed, 3),
        objective=round(cost, 6),
    )
