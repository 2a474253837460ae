"""Weekly nutrition balance: totals, averages, macro split, a 0-100 score and insights.

This is the spec's ``CalculateBalanceScore`` made precise. Pure: no database, no clock. The
exact formula is documented in ``docs/ai.md`` and in :func:`calculate_balance_score`.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

KCAL_PER_G_PROTEIN: Final = 4.0
KCAL_PER_G_CARBS: Final = 4.0
KCAL_PER_G_FAT: Final = 9.0

CALORIE_STD_DEV_LIMIT: Final = 500.0
CALORIE_STD_DEV_PENALTY: Final = 20.0
MACRO_WEIGHT: Final = 0.4
MACRO_PENALTY_PER_PP: Final = 2.0
MIN_UNIQUE_RECIPES: Final = 7
VARIETY_PENALTY: Final = 10.0

# A day this far off the calorie target earns an insight. Tighter than this is noise for a
# home cook; the planner itself aims for +-10 %.
CALORIE_INSIGHT_THRESHOLD_PCT: Final = 20.0
PROTEIN_PRAISE_WITHIN_PP: Final = 3.0
MACRO_INSIGHT_THRESHOLD_PP: Final = 8.0
SODIUM_DAILY_LIMIT_MG: Final = 2300.0
FIBER_LOW_G: Final = 25.0
FIBER_HIGH_G: Final = 30.0

WEEKDAY_NAMES: Final = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)

Severity = Literal["info", "warning", "positive"]


@dataclass(frozen=True, slots=True)
class Targets:
    """Daily calorie target and macro shares in percent of kcal (shares must sum to 100)."""

    calories: float
    protein_pct: float = 30.0
    carbs_pct: float = 40.0
    fat_pct: float = 30.0

    def __post_init__(self) -> None:
        if not self.calories > 0:
            raise ValueError("calorie target must be positive")
        shares = (self.protein_pct, self.carbs_pct, self.fat_pct)
        if any(s < 0 for s in shares) or not math.isclose(sum(shares), 100.0, abs_tol=0.5):
            raise ValueError("macro targets must be non-negative and sum to 100 %")


@dataclass(frozen=True, slots=True)
class MacroSplit:
    """Share of macro kcal from protein, carbs and fat, in percent (sums to 100, or all 0)."""

    protein: float
    carbs: float
    fat: float

    @classmethod
    def from_grams(cls, protein_g: float, carbs_g: float, fat_g: float) -> MacroSplit:
        kcal = protein_g * KCAL_PER_G_PROTEIN + carbs_g * KCAL_PER_G_CARBS + fat_g * KCAL_PER_G_FAT
        if kcal <= 0:
            return cls(0.0, 0.0, 0.0)
        return cls(
            protein=100.0 * protein_g * KCAL_PER_G_PROTEIN / kcal,
            carbs=100.0 * carbs_g * KCAL_PER_G_CARBS / kcal,
            fat=100.0 * fat_g * KCAL_PER_G_FAT / kcal,
        )


DEFAULT_MACROS: Final = MacroSplit(protein=30.0, carbs=40.0, fat=30.0)


@dataclass(frozen=True, slots=True)
class DayNutrition:
    """One day of a plan, already summed over its meals (servings applied)."""

    date: date
    calories: float
    protein_g: float
    carbs_g: float
    fat_g: float
    fiber_g: float
    sodium_mg: float
    meal_count: int
    has_vegetables: bool
    recipe_ids: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return self.meal_count <= 0


@dataclass(frozen=True, slots=True)
class DaySummary:
    """A day's totals with its deviation from targets; deviations are None on empty days."""

    day: DayNutrition
    macros: MacroSplit | None
    calorie_dev_pct: float | None
    protein_dev_pp: float | None
    carbs_dev_pp: float | None
    fat_dev_pp: float | None


@dataclass(frozen=True, slots=True)
class WeeklyAverages:
    """Per-day averages over the non-empty days (``days_counted`` of them)."""

    days_counted: int
    calories: float
    protein_g: float
    carbs_g: float
    fat_g: float
    fiber_g: float
    sodium_mg: float


@dataclass(frozen=True, slots=True)
class Insight:
    kind: str
    severity: Severity
    message: str
    date: date | None = None


@dataclass(frozen=True, slots=True)
class BalanceResult:
    days: tuple[DaySummary, ...]
    empty_days: tuple[date, ...]
    averages: WeeklyAverages
    macros: MacroSplit
    target_macros: MacroSplit
    macro_score: float
    calorie_std_dev: float
    unique_recipes: int
    balance_score: float
    insights: tuple[Insight, ...]


def score_macro_distribution(actual: MacroSplit, target: MacroSplit = DEFAULT_MACROS) -> float:
    """``max(0, 100 - 2 * (|dP| + |dC| + |dF|))`` with deviations in percentage points.

    Shares sum to 100, so the summed deviation is at most 200 pp; the factor 2 makes a total
    miss of 50 pp (e.g. 55/20/25 against 30/40/30) already worth 0, and each pp off costs
    2 points, which keeps ordinary home-cooking weeks (10-20 pp off) in the 60-80 band.
    """
    deviation = (
        abs(actual.protein - target.protein)
        + abs(actual.carbs - target.carbs)
        + abs(actual.fat - target.fat)
    )
    return max(0.0, 100.0 - MACRO_PENALTY_PER_PP * deviation)


def weekday_name(day: date) -> str:
    return WEEKDAY_NAMES[day.weekday()]


def calculate_balance_score(
    days: Sequence[DayNutrition], targets: Targets | None = None
) -> BalanceResult:
    """Score a week of planned eating from 0 to 100 and explain it.

    Averages, the macro split and the calorie std-dev use only non-empty days (meal_count > 0):
    an unplanned day is missing data, not a fast. The score is::

        s = 100
        s -= 20            if population std-dev of daily kcal > 500
        s = 0.6 * s + 0.4 * score_macro_distribution(weekly macro split, target split)
        s -= 10            if fewer than 7 distinct recipe ids across the week
        s = clamp(s, 0, 100), rounded to 1 decimal

    and 0 when no day has a meal.
    """
    ordered = sorted(days, key=lambda d: d.date)
    if len({d.date for d in ordered}) != len(ordered):
        raise ValueError("each date may appear only once")
    target_macros = (
        MacroSplit(targets.protein_pct, targets.carbs_pct, targets.fat_pct)
        if targets
        else DEFAULT_MACROS
    )
    summaries = tuple(_summarise_day(d, targets, target_macros) for d in ordered)
    filled = [d for d in ordered if not d.is_empty]
    empty_days = tuple(d.date for d in ordered if d.is_empty)
    averages = _averages(filled)
    unique_recipes = len({rid for d in filled for rid in d.recipe_ids})

    if not filled:
        return BalanceResult(
            days=summaries,
            empty_days=empty_days,
            averages=averages,
            macros=MacroSplit(0.0, 0.0, 0.0),
            target_macros=target_macros,
            macro_score=0.0,
            calorie_std_dev=0.0,
            unique_recipes=0,
            balance_score=0.0,
            insights=(
                Insight(
                    kind="no_meals",
                    severity="warning",
                    message="No meals are planned this week — add some to get a balance score",
                ),
            ),
        )

    macros = MacroSplit.from_grams(averages.protein_g, averages.carbs_g, averages.fat_g)
    macro_score = score_macro_distribution(macros, target_macros)
    std_dev = statistics.pstdev(d.calories for d in filled)

    score = 100.0
    if std_dev > CALORIE_STD_DEV_LIMIT:
        score -= CALORIE_STD_DEV_PENALTY
    score = score * (1.0 - MACRO_WEIGHT) + macro_score * MACRO_WEIGHT
    if unique_recipes < MIN_UNIQUE_RECIPES:
        score -= VARIETY_PENALTY
    score = round(min(100.0, max(0.0, score)), 1)

    insights = _insights(
        summaries, averages, macros, target_macros, std_dev, unique_recipes, targets
    )
    return BalanceResult(
        days=summaries,
        empty_days=empty_days,
        averages=averages,
        macros=macros,
        target_macros=target_macros,
        macro_score=round(macro_score, 1),
        calorie_std_dev=round(std_dev, 1),
        unique_recipes=unique_recipes,
        balance_score=score,
        insights=tuple(insights),
    )


def _summarise_day(
    day: DayNutrition, targets: Targets | None, target_macros: MacroSplit
) -> DaySummary:
    if day.is_empty:
        return DaySummary(day, None, None, None, None, None)
    macros = MacroSplit.from_grams(day.protein_g, day.carbs_g, day.fat_g)
    calorie_dev = 100.0 * (day.calories - targets.calories) / targets.calories if targets else None
    return DaySummary(
        day=day,
        macros=macros,
        calorie_dev_pct=calorie_dev,
        protein_dev_pp=macros.protein - target_macros.protein,
        carbs_dev_pp=macros.carbs - target_macros.carbs,
        fat_dev_pp=macros.fat - target_macros.fat,
    )


def _averages(filled: Sequence[DayNutrition]) -> WeeklyAverages:
    n = len(filled)
    if n == 0:
        return WeeklyAverages(0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    return WeeklyAverages(
        days_counted=n,
        calories=sum(d.calories for d in filled) / n,
        protein_g=sum(d.protein_g for d in filled) / n,
        carbs_g=sum(d.carbs_g for d in filled) / n,
        fat_g=sum(d.fat_g for d in filled) / n,
        fiber_g=sum(d.fiber_g for d in filled) / n,
        sodium_mg=sum(d.sodium_mg for d in filled) / n,
    )


def _insights(
    summaries: Sequence[DaySummary],
    averages: WeeklyAverages,
    macros: MacroSplit,
    target_macros: MacroSplit,
    std_dev: float,
    unique_recipes: int,
    targets: Targets | None,
) -> list[Insight]:
    out: list[Insight] = []
    for s in summaries:
        day = s.day
        name = weekday_name(day.date)
        if day.is_empty:
            out.append(Insight("empty_day", "warning", f"{name} has no meals planned", day.date))
            continue
        if not day.has_vegetables:
            out.append(Insight("no_vegetables", "warning", f"{name} has no vegetables", day.date))
        if s.calorie_dev_pct is not None and abs(s.calorie_dev_pct) >= (
            CALORIE_INSIGHT_THRESHOLD_PCT
        ):
            direction = "over" if s.calorie_dev_pct > 0 else "under"
            out.append(
                Insight(
                    f"calories_{direction}",
                    "warning",
                    f"{name} is {round(abs(s.calorie_dev_pct))}% {direction} your calorie target",
                    day.date,
                )
            )
        if day.sodium_mg > SODIUM_DAILY_LIMIT_MG:
            out.append(
                Insight(
                    "sodium_high",
                    "warning",
                    f"Sodium is high on {name} ({round(day.sodium_mg):,} mg)",
                    day.date,
                )
            )

    protein_gap = macros.protein - target_macros.protein
    if abs(protein_gap) <= PROTEIN_PRAISE_WITHIN_PP:
        out.append(Insight("protein_balanced", "positive", "Great protein balance!"))
    for label, actual, target in (
        ("Protein", macros.protein, target_macros.protein),
        ("Carbs", macros.carbs, target_macros.carbs),
        ("Fat", macros.fat, target_macros.fat),
    ):
        gap = actual - target
        if abs(gap) >= MACRO_INSIGHT_THRESHOLD_PP:
            level = "high" if gap > 0 else "low"
            out.append(
                Insight(
                    f"{label.lower()}_{level}",
                    "info",
                    f"{label} is {level} this week ({round(actual)}% of calories; "
                    f"target {round(target)}%)",
                )
            )
    if averages.fiber_g < FIBER_LOW_G:
        out.append(
            Insight(
                "fiber_low",
                "warning",
                f"Fiber is low this week (avg {round(averages.fiber_g)} g/day; "
                f"aim for {FIBER_LOW_G:.0f}\u2013{FIBER_HIGH_G:.0f} g)",
            )
        )
    if std_dev > CALORIE_STD_DEV_LIMIT:
        out.append(
            Insight(
                "calories_uneven",
                "info",
                f"Calories swing a lot from day to day (std-dev {round(std_dev):,} kcal)",
            )
        )
    if unique_recipes < MIN_UNIQUE_RECIPES:
        noun = "recipe" if unique_recipes == 1 else "different recipes"
        out.append(
            Insight(
                "low_variety",
                "info",
                f"Only {unique_recipes} {noun} this week — add variety",
            )
        )
    if targets is not None and all(
        s.calorie_dev_pct is not None and abs(s.calorie_dev_pct) <= 10.0
        for s in summaries
        if not s.day.is_empty
    ):
        out.append(
            Insight(
                "calories_on_target",
                "positive",
                "Every planned day is within 10% of your calorie target",
            )
        )
    return out
