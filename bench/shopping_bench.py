"""Shopping-list generation latency on PostgreSQL: a 7-day x 4-meal plan (28 recipes).

Server-side latency: `shopping.service.generate` is called directly, one session and one
commit per call exactly as a request does it (the commit is inside the timing). The first
call creates the list; every later call regenerates it (replacing the generated lines and
keeping checked state), which is the common case and the more expensive one.

    .venv/bin/python bench/shopping_bench.py [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]

A scratch database is created, migrated, seeded with the shipped catalog and dropped again.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta

import asyncpg
from sqlalchemy import select

from mealplanner import migrate
from mealplanner.core.cache import MemoryCache
from mealplanner.core.config import Settings
from mealplanner.core.db import Database
from mealplanner.core.ids import uuid7
from mealplanner.foods import get_food_table
from mealplanner.mealplans.models import MealPlan, PlannedMeal
from mealplanner.recipes.models import Recipe
from mealplanner.recipes.seed import seed_catalog
from mealplanner.shopping import service
from mealplanner.shopping.schemas import (
    ShoppingListGenerate,
    ShoppingListItemUpdate,
    ShoppingListRead,
)
from mealplanner.users.models import User

DB_NAME = "mealplanner_shopping_bench"
WEEK = date(2025, 10, 13)
MEAL_TYPES = ("breakfast", "lunch", "dinner", "snack")


async def _admin(admin_url: str, sql: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


async def run(admin_url: str, iterations: int, warmup: int) -> None:
    await _admin(admin_url, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    await _admin(admin_url, f'CREATE DATABASE "{DB_NAME}"')
    url = f"{admin_url.rsplit('/', 1)[0]}/{DB_NAME}"
    await asyncio.to_thread(migrate.upgrade, url)
    db = Database(Settings(database_url=url, database_pool_size=4))
    cache = MemoryCache()
    get_food_table()  # loaded once per process at startup in the app too
    try:
        await seed_catalog(db, cache)
        user = User(id=uuid7(), email="bench@example.com", name="Bench", role="user")
        async with db.session() as session:
            session.add(user)
            recipes = (await session.execute(select(Recipe.id, Recipe.servings))).all()
            rng = random.Random(42)
            chosen = rng.sample(recipes, 28)
            plan = MealPlan(id=uuid7(), user_id=user.id, week_start=WEEK, name="Bench week")
            session.add(plan)
            await session.flush()
            for index, (recipe_id, servings) in enumerate(chosen):
                session.add(
                    PlannedMeal(
                        plan_id=plan.id,
                        date=WEEK + timedelta(days=index // 4),
                        meal_type=MEAL_TYPES[index % 4],
                        recipe_id=recipe_id,
                        servings=servings + 1,  # scaled, as real plans usually are
                    )
                )
        body = ShoppingListGenerate(meal_plan_id=plan.id)

        cpu_samples: list[float] = []

        async def once() -> tuple[float, ShoppingListRead]:
            started, cpu_started = time.perf_counter(), time.process_time()
            async with db.session() as session:
                read = await service.generate(session, cache, user, body)
            cpu_samples.append((time.process_time() - cpu_started) * 1000)
            return (time.perf_counter() - started) * 1000, read

        first, current = await once()
        items, sources = len(current.items), sum(len(i.sources) for i in current.items)
        # Check some lines so regeneration has checked state to carry over, as in real use.
        for item in current.items[::3]:
            async with db.session() as session:
                await service.update_item(
                    session,
                    cache,
                    user,
                    current.id,
                    item.id,
                    ShoppingListItemUpdate(checked=True),
                )
        for _ in range(warmup):
            await once()
        cpu_samples.clear()
        samples = [(await once())[0] for _ in range(iterations)]
    finally:
        await db.dispose()
        await _admin(admin_url, f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')

    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {' '.join(platform.uname())}; nproc {os.cpu_count()}")
    print(f"python {platform.python_version()}; PostgreSQL via {admin_url.split('@')[-1]}")
    print(f"plan: 28 recipes, {items} list items, {sources} item sources")
    print(f"first generation (creates the list): {first:.1f} ms")
    print(
        f"regenerate x{iterations}: p50 {statistics.median(samples):.1f} ms, "
        f"p95 {_percentile(samples, 95):.1f} ms, p99 {_percentile(samples, 99):.1f} ms, "
        f"max {max(samples):.1f} ms, mean {statistics.fmean(samples):.1f} ms"
    )
    # CPU time of this process per call: what the API worker spends, without the waiting
    # that other processes on a busy machine add to the wall-clock numbers.
    print(
        f"api-process CPU per regenerate: p50 {statistics.median(cpu_samples):.1f} ms, "
        f"p95 {_percentile(cpu_samples, 95):.1f} ms"
    )
    print(f"load average during the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--admin-url",
        default=os.environ.get(
            "MEALPLANNER_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(run(args.admin_url, args.iterations, args.warmup))


if __name__ == "__main__":
    main()
