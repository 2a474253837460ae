"""Reading a week plan with nutrition (7 days x 4 meals) on PostgreSQL: server-side latency.

    .venv/bin/python bench/mealplan_bench.py --url postgresql://postgres@127.0.0.1:5432/mealplanner_bench

Calls the meal-plan service as a request would (one session per call) with the cache disabled,
so every read reaches PostgreSQL, and once more through the in-process cache.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bench.search_bench import NoCache, percentiles, timed
from mealplanner import migrate
from mealplanner.core.cache import MemoryCache
from mealplanner.core.config import Settings
from mealplanner.core.db import Database
from mealplanner.core.ids import uuid7
from mealplanner.mealplans import service
from mealplanner.mealplans.models import MealPlan, PlannedMeal
from mealplanner.recipes.models import Recipe
from mealplanner.recipes.seed import seed_catalog
from mealplanner.users.models import User
from mealplanner.users.schemas import Preferences

RESULTS = Path(__file__).parent / "results"
WEEK = date(2025, 10, 13)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/mealplanner_bench")
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()
    await asyncio.to_thread(migrate.upgrade, args.url)
    db = Database(Settings(database_url=args.url, database_pool_size=4))
    await seed_catalog(db, MemoryCache())
    user = User(
        id=uuid7(),
        email=f"plan-bench-{uuid7().hex[:8]}@example.com",
        name="Plan Bench",
        role="user",
        password_hash=None,
        preferences=Preferences().model_dump(mode="json"),
    )
    async with db.session() as session:
        session.add(user)
        await session.flush()
        recipe_ids = list(
            (
                await session.execute(
                    select(Recipe.id).where(Recipe.source_id.like("catalog:%")).limit(28)
                )
            ).scalars()
        )
        plan = MealPlan(user_id=user.id, week_start=WEEK, meals=[])
        session.add(plan)
        await session.flush()
        for i, recipe_id in enumerate(recipe_ids):
            session.add(
                PlannedMeal(
                    plan_id=plan.id,
                    date=WEEK + timedelta(days=i % 7),
                    meal_type=("breakfast", "lunch", "dinner", "snack")[i // 7],
                    recipe_id=recipe_id,
                    servings=2,
                )
            )
    nocache = NoCache()
    cold = await timed(db, lambda s: service.get_week(s, nocache, user, WEEK), args.repeat)
    cache = MemoryCache()
    warm = await timed(db, lambda s: service.get_week(s, cache, user, WEEK), args.repeat)
    async with db.session() as session:
        await session.delete(await session.get(User, user.id))
    await db.dispose()
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.platform()}, {os.cpu_count()} cores",
        "meals": len(recipe_ids),
        "latency_ms": {"week_read_db": percentiles(cold), "week_read_cached": percentiles(warm)},
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "mealplan.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
