"""Recipe search, filtered list and autocomplete latency on PostgreSQL with 100,000 recipes.

Server-side latency: the service functions are called directly (one session per call, as a
request would), with the cache disabled so every call reaches PostgreSQL, and again with the
in-process cache to show the cached path. Query plans are saved to show index use.

    .venv/bin/python bench/search_bench.py --url postgresql://postgres@127.0.0.1:5432/mealplanner_bench

The database is migrated and topped up to `--recipes` with synthetic recipes first (slow the
first time: about 7 ms per recipe).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select, text

from mealplanner import migrate
from mealplanner.core.cache import Cache, MemoryCache
from mealplanner.core.config import Settings
from mealplanner.core.db import Database
from mealplanner.core.ids import uuid7
from mealplanner.core.pagination import PageParams
from mealplanner.recipes import service
from mealplanner.recipes.filters import RecipeFilters, parse_sort
from mealplanner.recipes.models import Recipe
from mealplanner.recipes.seed import seed_catalog, seed_synthetic
from mealplanner.recipes.service import NAME_WORDS_KEY
from mealplanner.users.models import User

RESULTS = Path(__file__).parent / "results"

SEARCHES = [
    "chicken",
    "vegan curry",
    "pasta",
    "quick breakfast",
    "lentil soup",
    "tofu stir fry",
    "salmon",
    "chickpea",
    "mac & cheese",
    '"greek salad"',
    "chiken",
    "spicy noodles",
    "banana oat",
    "black bean tacos",
    "mushroom risotto",
    "coconut",
]
LISTS: list[dict[str, Any]] = [
    {},
    {"dietary": ("vegan",), "meal_types": ("dinner",)},
    {"max_total_time": 30, "sort": (("popularity", "desc"),)},
    {"cuisines": ("italian",), "sort": (("calories", "asc"),)},
    {"min_calories": 300, "max_calories": 600, "dietary": ("gluten-free",)},
    {"exclude_allergens": ("peanuts", "tree-nuts"), "meal_types": ("lunch",)},
    {"include_ingredients": ("spinach",)},
    {"tags": ("high-protein",), "sort": (("protein", "desc"),)},
    {"dietary": ("vegetarian", "high-protein"), "meal_types": ("breakfast",)},
]
PREFIXES = ["chi", "chic", "past", "lent", "tof", "sal", "chiken", "curr", "bana", "shak"]


class NoCache(Cache):
    """Every read misses (measures the database path), except the typo vocabulary, which a
    server loads once at start and keeps until the catalog changes."""

    def __init__(self) -> None:
        super().__init__()
        self.vocabulary: bytes | None = None

    async def _get_raw(self, key: str) -> bytes | None:
        return self.vocabulary if key == NAME_WORDS_KEY else None

    async def _set_raw(self, key: str, payload: bytes, ttl_seconds: int) -> None:
        if key == NAME_WORDS_KEY:
            self.vocabulary = payload

    async def delete(self, *keys: str) -> None:
        return None

    async def delete_prefix(self, prefix: str) -> None:
        return None


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    cut = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "n": len(ordered),
        "p50": round(cut[49], 2),
        "p95": round(cut[94], 2),
        "p99": round(cut[98], 2),
        "max": round(ordered[-1], 2),
    }


async def timed(db: Database, call: Callable[[Any], Awaitable[Any]], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        async with db.session() as session:
            start = time.perf_counter()
            await call(session)
            samples.append((time.perf_counter() - start) * 1000)
    return samples


async def ensure_recipes(db: Database, cache: Cache, target: int) -> int:
    await seed_catalog(db, cache)
    async with db.session() as session:
        count = int((await session.execute(select(func.count()).select_from(Recipe))).scalar_one())
    if count < target:
        print(f"adding {target - count} synthetic recipes ...", flush=True)
        await seed_synthetic(db, cache, target - count)
        count = target
    async with db.engine.begin() as conn:
        await conn.execute(text("ANALYZE recipes"))
    return count


async def explain(db: Database, user: User) -> str:
    from mealplanner.recipes.repository import RecipeRepository

    out = []
    async with db.session() as session:
        repo = RecipeRepository(session)
        relevance = RecipeFilters(sort=parse_sort(None, allow_relevance=True))

        def pool(query: str) -> Any:
            stmt = repo.search_candidates(user.id, query, relevance)
            assert stmt is not None
            return stmt

        cases = {
            "search 'vegan curry' (candidates; 9,000 matches)": lambda: pool("vegan curry"),
            "search 'chicken' (candidates; 16,000 matches)": lambda: pool("chicken"),
            "search 'mushroom risotto' (candidates; a few hundred matches)": lambda: pool(
                "mushroom risotto"
            ),
            "list dietary=vegan mealType=dinner": lambda: repo.list_statement(
                user.id, RecipeFilters(dietary=("vegan",), meal_types=("dinner",))
            ),
            # "chiken" corrected to "chick" and "chicken": word-start matches on the trigram index.
            "autocomplete 'chiken' (corrected, word start)": lambda: select(Recipe.name).where(
                or_(repo.word_start("chick"), repo.word_start("chicken"))
            ),
        }
        for title, build in cases.items():
            stmt = build().limit(1001 if title.startswith("search") else 20)
            compiled = stmt.compile(dialect=session.get_bind().dialect)
            # The driver needs the values as SQLAlchemy would bind them (JSONB as text, ...).
            processors = compiled._bind_processors
            params = [
                processors[name](compiled.params[name])
                if name in processors
                else compiled.params[name]
                for name in (compiled.positiontup or [])
            ]
            connection = await session.connection()
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            assert driver is not None
            rows = await driver.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}", *params)
            out.append(f"== {title}\n" + "\n".join(str(r[0]) for r in rows))
    return "\n\n".join(out)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/mealplanner_bench")
    parser.add_argument("--recipes", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    await asyncio.to_thread(migrate.upgrade, args.url)
    settings = Settings(database_url=args.url, database_pool_size=4)
    db = Database(settings)
    nocache: Cache = NoCache()
    total = await ensure_recipes(db, MemoryCache(), args.recipes)
    user = User(id=uuid7(), email="bench@example.com", name="Bench", role="user")
    page = PageParams(page=1, limit=20)

    results: dict[str, Any] = {}
    # The typo vocabulary, as a server loads it at start (and after a catalog change).
    started = time.perf_counter()
    words = await service.warm_name_words(db, nocache)
    results["typo_vocabulary"] = {
        "words": words,
        "load_ms": round((time.perf_counter() - started) * 1000, 1),
    }
    search_samples: list[float] = []
    per_case: dict[str, float] = {}
    for q in SEARCHES:
        filters = RecipeFilters(sort=parse_sort(None, allow_relevance=True))
        samples = await timed(
            db,
            lambda s, q=q, f=filters: service.search_recipes(s, nocache, user, q, f, page),
            args.repeat,
        )
        per_case[f"search {q}"] = round(statistics.median(samples), 1)
        search_samples += samples
    results["search"] = percentiles(search_samples)

    list_samples: list[float] = []
    for spec in LISTS:
        filters = RecipeFilters(**spec)
        samples = await timed(
            db, lambda s, f=filters: service.list_recipes(s, nocache, user, f, page), args.repeat
        )
        per_case[f"list {spec}"] = round(statistics.median(samples), 1)
        list_samples += samples
    results["list"] = percentiles(list_samples)

    auto_samples: list[float] = []
    for prefix in PREFIXES:
        samples = await timed(
            db, lambda s, p=prefix: service.autocomplete(s, nocache, user, p), args.repeat
        )
        per_case[f"autocomplete {prefix}"] = round(statistics.median(samples), 1)
        auto_samples += samples
    results["autocomplete"] = percentiles(auto_samples)

    cache = MemoryCache()
    cached: list[float] = []
    for q in SEARCHES:
        filters = RecipeFilters(sort=parse_sort(None, allow_relevance=True))
        cached += await timed(
            db,
            lambda s, q=q, f=filters: service.search_recipes(s, cache, user, q, f, page),
            args.repeat,
        )
    results["search_cached"] = percentiles(cached)
    results["median_by_case"] = per_case

    print(json.dumps(results, indent=2), flush=True)
    plans = await explain(db, user)
    await db.dispose()
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.platform()}, {platform.processor() or 'cpu'}, "
        f"{__import__('os').cpu_count()} cores",
        "recipes": total,
        "latency_ms": results,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "search.json").write_text(json.dumps(report, indent=2))
    (RESULTS / "search_plans.txt").write_text(plans)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
