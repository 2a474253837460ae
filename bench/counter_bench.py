"""Latency of the recipe counter update that every planned meal and favourite runs.

    .venv/bin/python -m bench.counter_bench [--updates 4000] [--clients 4] [--out NAME]
    PYTHONPATH=/tmp/old/src .venv/bin/python -m bench.counter_bench --out counters-old

Against the load benchmark's database (`bench.load_bench` seeds it): `--clients` connections
each run transactions of one `RecipeRepository.bump_times_planned` (+1, then -1 on the same
recipe, so the data ends as it began) on recipes drawn with a fixed seed from the 5,000 most
popular, exactly as a request runs it (its own session, the commit inside the timing). When
the code has the background popularity refresh (`mealplanner.recipes.popularity`), it runs
every `--refresh-seconds` meanwhile, as in the server. Reports the latency distribution and,
from `pg_stat_user_tables`, how many of the table's row updates were HOT (no index inserts).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import json
import platform
import random
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import select

from mealplanner.core.config import Settings
from mealplanner.core.db import Database
from mealplanner.recipes.models import Recipe
from mealplanner.recipes.repository import RecipeRepository

RESULTS = Path(__file__).parent / "results"


def _percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))]


async def _table_stats(dsn: str) -> dict[str, int]:
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'recipes'"
        )
        fillfactor = await conn.fetchval(
            "SELECT coalesce((SELECT option_value FROM pg_options_to_table(reloptions)"
            " WHERE option_name = 'fillfactor'), '100') FROM pg_class WHERE relname = 'recipes'"
        )
    finally:
        await conn.close()
    assert row is not None
    return {"updates": row[0], "hot": row[1], "fillfactor": int(fillfactor)}


def _refresher(db: Database) -> Callable[[], Awaitable[int]] | None:
    try:
        module = importlib.import_module("mealplanner.recipes.popularity")
    except ImportError:
        return None
    refresh: Callable[[Database], Awaitable[int]] = module.refresh_popularity
    return lambda: refresh(db)


async def run(url: str, updates: int, clients: int, refresh_seconds: float) -> dict[str, Any]:
    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    db = Database(Settings(database_url=url, env="test"))
    async with db.session(read_only=True) as session:
        popular = list(
            (
                await session.execute(
                    select(Recipe.id).order_by(Recipe.popularity.desc(), Recipe.id).limit(5000)
                )
            ).scalars()
        )
    rng = random.Random(7)
    picks = [rng.choice(popular) for _ in range(updates // 2)]
    before = await _table_stats(dsn)
    latencies: list[float] = []

    async def bump(recipe_id: Any, delta: int) -> None:
        start = time.perf_counter()
        async with db.session() as session:
            await RecipeRepository(session).bump_times_planned(recipe_id, delta)
        latencies.append((time.perf_counter() - start) * 1000)

    async def client(index: int) -> None:
        for recipe_id in picks[index::clients]:
            await bump(recipe_id, 1)
            await bump(recipe_id, -1)

    refresh = _refresher(db)
    stop = asyncio.Event()

    async def refresh_loop() -> None:
        while refresh is not None and not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), refresh_seconds)
            await refresh()

    background = asyncio.create_task(refresh_loop())
    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    elapsed = time.perf_counter() - started
    stop.set()
    await background
    await db.dispose()  # closing the connections reports their statistics
    await asyncio.sleep(1.5)
    after = await _table_stats(dsn)
    row_updates = after["updates"] - before["updates"]
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "background_refresh": refresh is not None,
        "fillfactor": after["fillfactor"],
        "clients": clients,
        "transactions": len(latencies),
        "per_second": round(len(latencies) / elapsed, 1),
        "ms": {
            "p50": round(_percentile(latencies, 50), 2),
            "p95": round(_percentile(latencies, 95), 2),
            "p99": round(_percentile(latencies, 99), 2),
            "max": round(max(latencies), 1),
        },
        "over_50ms": sum(1 for v in latencies if v > 50),
        "row_updates": row_updates,
        "hot_updates": after["hot"] - before["hot"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/mealplanner_bench"
    )
    parser.add_argument("--updates", type=int, default=4000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--refresh-seconds", type=float, default=10.0)
    parser.add_argument("--out", help="write results/NAME.json")
    args = parser.parse_args()
    result = asyncio.run(run(args.url, args.updates, args.clients, args.refresh_seconds))
    print(json.dumps(result, indent=2))
    if args.out:
        (RESULTS / f"{args.out}.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
