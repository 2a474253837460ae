"""Week-planner benchmark on seeded synthetic catalogs.

Run: .venv/bin/python bench/planner_bench.py [--time-limit-300 1.9] [--time-limit-10k 4.5]
Prints per run: catalog size, target profile, solver, status, wall time, and the worst day's
calorie deviation (%) and macro-share deviation (pp).
"""

from __future__ import annotations

import argparse
import platform
import time
from datetime import date, timedelta

from mealplanner.ai.engine.balance import Targets
from mealplanner.ai.engine.planner import Candidate, PlanRequest, plan_week
from mealplanner.ai.engine.synthetic import synthetic_candidates

PROFILES = {
    "2000 kcal 30/40/30": Targets(2000, 30, 40, 30),
    "1600 kcal 25/50/25": Targets(1600, 25, 50, 25),
    "2600 kcal 35/35/30": Targets(2600, 35, 35, 30),
    "1800 kcal 40/20/40 (low-carb)": Targets(1800, 40, 20, 40),
}


def real_catalog() -> list[Candidate]:
    """The shipped recipe catalogue as planner candidates (per-serving nutrition computed the
    way the recipe service does it)."""
    from mealplanner.foods.nutrition import IngredientInput, compute_nutrition
    from mealplanner.recipes.seed import load_catalog
    from mealplanner.recipes.service import read_quantity

    out = []
    for i, recipe in enumerate(load_catalog()):
        lines = []
        for line in recipe.ingredients:
            quantity, quantity_max = read_quantity(line.quantity)
            lines.append(
                IngredientInput(
                    name=line.name or "",
                    quantity=quantity,
                    unit=line.unit,
                    ndb_no=line.food,
                    quantity_max=quantity_max or line.quantity_max,
                    optional=line.optional,
                    to_taste=line.to_taste,
                )
            )
        per_serving = compute_nutrition(lines, recipe.servings).per_serving
        out.append(
            Candidate(
                recipe_id=f"catalog-{i}",
                name=recipe.name,
                meal_types=frozenset(recipe.meal_types),
                calories=per_serving.calories,
                protein_g=per_serving.protein_g,
                carbs_g=per_serving.carbs_g,
                fat_g=per_serving.fat_g,
                prep_total_minutes=recipe.prep_minutes + recipe.cook_minutes,
                food_ids=frozenset(line.food for line in recipe.ingredients if line.food),
                cuisine=recipe.cuisine,
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--time-limit-300", type=float, default=1.9)
    parser.add_argument("--time-limit-10k", type=float, default=4.5)
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 11])
    parser.add_argument("--real", action="store_true", help="also plan from the shipped catalog")
    args = parser.parse_args()
    days = [date(2026, 3, 2) + timedelta(days=i) for i in range(7)]
    print(f"# {platform.platform()} python {platform.python_version()}")
    print("size | seed | profile | solver | status | wall s | max kcal dev % | max macro dev pp")
    runs: list[tuple[str, int, list[Candidate], float]] = [
        (str(size), seed, synthetic_candidates(size, seed=seed), limit)
        for size, limit in ((300, args.time_limit_300), (10_000, args.time_limit_10k))
        for seed in args.seeds
    ]
    if args.real:
        catalog = real_catalog()
        runs.append((f"catalog ({len(catalog)})", 0, catalog, args.time_limit_300))
    for size_label, seed, catalog, limit in runs:
        for label, targets in PROFILES.items():
            request = PlanRequest(
                days=days,
                meal_types=["breakfast", "lunch", "dinner"],
                targets=targets,
                time_limit_s=limit,
            )
            started = time.perf_counter()
            result = plan_week(catalog, request)
            wall = time.perf_counter() - started
            kcal = max(abs(d.calorie_dev_pct) for d in result.per_day)
            macro = max(
                max(abs(d.protein_dev_pp), abs(d.carbs_dev_pp), abs(d.fat_dev_pp))
                for d in result.per_day
            )
            print(
                f"{size_label} | {seed} | {label} | {result.solver} | {result.status} | "
                f"{wall:.2f} | {kcal:.1f} | {macro:.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
