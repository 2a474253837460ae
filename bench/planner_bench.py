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
from mealplanner.ai.engine.planner import PlanRequest, plan_week
from mealplanner.ai.engine.synthetic import synthetic_candidates

PROFILES = {
    "2000 kcal 30/40/30": Targets(2000, 30, 40, 30),
    "1600 kcal 25/50/25": Targets(1600, 25, 50, 25),
    "2600 kcal 35/35/30": Targets(2600, 35, 35, 30),
    "1800 kcal 40/20/40 (low-carb)": Targets(1800, 40, 20, 40),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--time-limit-300", type=float, default=1.9)
    parser.add_argument("--time-limit-10k", type=float, default=4.5)
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 11])
    args = parser.parse_args()
    days = [date(2026, 3, 2) + timedelta(days=i) for i in range(7)]
    print(f"# {platform.platform()} python {platform.python_version()}")
    print("size | seed | profile | solver | status | wall s | max kcal dev % | max macro dev pp")
    for size, limit in ((300, args.time_limit_300), (10_000, args.time_limit_10k)):
        for seed in args.seeds:
            catalog = synthetic_candidates(size, seed=seed)
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
                    f"{size} | {seed} | {label} | {result.solver} | {result.status} | "
                    f"{wall:.2f} | {kcal:.1f} | {macro:.1f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
