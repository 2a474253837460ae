"""End-to-end benchmark of `POST /ai/generate-plan` (HTTP through the ASGI app, database and
all) on the shipped catalog and on a 10,000-recipe synthetic catalog.

    .venv/bin/python bench/ai_bench.py                 # shipped catalog only
    .venv/bin/python bench/ai_bench.py --synthetic 10000
    .venv/bin/python bench/ai_bench.py --suggestions postgresql://postgres@127.0.0.1:5432/mealplanner_bench

`--suggestions` instead times uncached suggestions on the load benchmark's database (see
`suggestions` below).

Each profile is a fresh user (diet + fixed targets) planning 7 days x breakfast/lunch/dinner.
Reports wall time of the request, the worst day's calorie deviation (%) and macro deviation
(pp), solver and status; each run once with the early stop (`POLISH_SHARE`) and once without.
Uses scratch SQLite files under /tmp (kept between runs so the synthetic seed is paid once).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import subprocess
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from mealplanner import migrate
from mealplanner.ai import service as ai_service
from mealplanner.ai.schemas import SuggestionRequest
from mealplanner.app import create_app
from mealplanner.core.cache import MemoryCache, suggestions_key
from mealplanner.core.config import Settings
from mealplanner.core.db import Database
from mealplanner.recipes.models import Recipe
from mealplanner.recipes.seed import seed_catalog, seed_synthetic
from mealplanner.users.models import User

WEEK = date(2026, 11, 30)
PROFILES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("omnivore", {}, {"calories": 2000, "proteinPct": 30, "carbsPct": 40, "fatPct": 30}),
    (
        "vegetarian",
        {"dietaryRestrictions": ["vegetarian"]},
        {"calories": 2000, "proteinPct": 30, "carbsPct": 40, "fatPct": 30},
    ),
    (
        "vegetarian",
        {"dietaryRestrictions": ["vegetarian"]},
        {"calories": 2000, "proteinPct": 25, "carbsPct": 45, "fatPct": 30},
    ),
    (
        "vegan",
        {"dietaryRestrictions": ["vegan"]},
        {"calories": 2000, "proteinPct": 30, "carbsPct": 40, "fatPct": 30},
    ),
    (
        "vegan",
        {"dietaryRestrictions": ["vegan"]},
        {"calories": 2000, "proteinPct": 20, "carbsPct": 50, "fatPct": 30},
    ),
    (
        "gluten-free",
        {"dietaryRestrictions": ["gluten-free"]},
        {"calories": 2000, "proteinPct": 30, "carbsPct": 40, "fatPct": 30},
    ),
    (
        "vegan, no peanuts, no cilantro",
        {
            "dietaryRestrictions": ["vegan"],
            "allergies": ["peanuts"],
            "dislikedIngredients": ["cilantro"],
        },
        {"calories": 2000, "proteinPct": 20, "carbsPct": 50, "fatPct": 30},
    ),
]


async def run(db_path: Path, synthetic: int, time_limit: float) -> list[dict[str, Any]]:
    url = f"sqlite:///{db_path}"
    settings = Settings(
        env="test",
        data_dir=db_path.parent / "ai-bench-data",
        database_url=url,
        redis_url=None,
        jwt_secret="bench-secret-" + "x" * 40,  # type: ignore[arg-type]
        password_hash_memory_kib=1024,
        password_hash_time_cost=1,
        log_level="WARNING",
        rate_limit_default="1000000/minute",
        rate_limit_authenticated="1000000/minute",
        rate_limit_auth="1000000/minute",
        planner_time_limit_seconds=time_limit,
    )
    app = create_app(settings)
    rows: list[dict[str, Any]] = []
    async with app.router.lifespan_context(app):
        state = app.state.services
        await seed_catalog(state.db, state.cache)
        if synthetic:
            async with state.db.session() as session:
                have = (
                    await session.execute(
                        select(func.count()).where(Recipe.source_id.like("synthetic:%"))
                    )
                ).scalar_one()
            if have < synthetic:
                print(f"seeding {synthetic - have} synthetic recipes ...", flush=True)
                await seed_synthetic(state.db, state.cache, synthetic - have)
        async with state.db.session() as session:
            total = (await session.execute(select(func.count()).select_from(Recipe))).scalar_one()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://b/api/v1") as client:
            for polish in (ai_service.POLISH_SHARE, None):
                ai_service.POLISH_SHARE = polish
                for label, prefs, targets in PROFILES:
                    reg = await client.post(
                        "/auth/register",
                        json={
                            "email": f"bench-{time.time_ns()}@example.com",
                            "password": "correct horse battery",
                            "name": "Bench",
                        },
                    )
                    body = reg.json()
                    headers = {"Authorization": f"Bearer {body['accessToken']}"}
                    if prefs:
                        await client.patch(
                            f"/users/{body['user']['id']}/preferences", json=prefs, headers=headers
                        )
                    started = time.perf_counter()
                    response = await client.post(
                        "/ai/generate-plan",
                        json={
                            "weekStart": WEEK.isoformat(),
                            "mealTypes": ["breakfast", "lunch", "dinner"],
                            "targets": targets,
                        },
                        headers=headers,
                    )
                    wall = time.perf_counter() - started
                    plan = response.json()
                    days = plan["perDay"]
                    rows.append(
                        {
                            "catalog": total,
                            "profile": label,
                            "targets": f"{targets['calories']} kcal "
                            f"{targets['proteinPct']}/{targets['carbsPct']}/{targets['fatPct']}",
                            "early_stop": polish is not None,
                            "candidates": plan["candidates"],
                            "solver": plan["solver"],
                            "status": plan["status"],
                            "wall_s": round(wall, 2),
                            "kcal_dev": max(abs(d["calorieDeviationPct"]) for d in days),
                            "macro_dev": max(
                                max(
                                    abs(d["proteinDeviationPp"]),
                                    abs(d["carbsDeviationPp"]),
                                    abs(d["fatDeviationPp"]),
                                )
                                for d in days
                            ),
                            "days_ok": sum(d["withinTargets"] for d in days),
                        }
                    )
                    print(rows[-1], flush=True)
            ai_service.POLISH_SHARE = 0.25
    return rows


async def suggestions(url: str, repeat: int, users: int) -> dict[str, Any]:
    """Uncached suggestions as the load benchmark asks for them (dinner, limit 10), server
    side: the service is called as a request calls it, for the load benchmark's users in
    turn, each one's cached suggestions dropped first. Wall time and this process's CPU time
    per call (the first `users` calls warm up and are not counted)."""
    db = Database(Settings(database_url=url))
    cache = MemoryCache()
    request = SuggestionRequest.model_validate({"context": {"mealType": "dinner"}, "limit": 10})
    async with db.session() as session:
        accounts = list(
            (
                await session.execute(
                    select(User)
                    .where(User.email.like("load%@bench.example"))
                    .order_by(User.email)
                    .limit(users)
                )
            ).scalars()
        )
    wall: list[float] = []
    cpu: list[float] = []
    for i in range(users + repeat):
        user = accounts[i % len(accounts)]
        await cache.delete(suggestions_key(user.id))
        started, used = time.perf_counter(), time.process_time()
        async with db.session() as session:
            await ai_service.suggest(session, cache, user, request)
        if i >= users:
            wall.append(1000 * (time.perf_counter() - started))
            cpu.append(1000 * (time.process_time() - used))
    await db.dispose()
    ordered = sorted(wall)
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "calls": repeat,
        "users": len(accounts),
        "wall_ms": {
            "p50": round(statistics.median(ordered), 1),
            "p95": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
        },
        "cpu_ms_mean": round(statistics.fmean(cpu), 1),
    }


def table(rows: list[dict[str, Any]]) -> str:
    head = (
        "| recipes | profile | targets | early stop | candidates | solver | status | wall s "
        "| max kcal dev % | max macro dev pp | days within ±10 % / ±5 pp |"
    )
    out = [head, "|" + " --- |" * 11]
    for r in rows:
        out.append(
            f"| {r['catalog']} | {r['profile']} | {r['targets']} | "
            f"{'yes' if r['early_stop'] else 'no'} | {r['candidates']} | {r['solver']} | "
            f"{r['status']} | {r['wall_s']:.2f} | {r['kcal_dev']:.1f} | {r['macro_dev']:.1f} | "
            f"{r['days_ok']}/7 |"
        )
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--synthetic", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=2.0)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--suggestions", metavar="DATABASE_URL", default=None)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    if args.suggestions:
        print(json.dumps(asyncio.run(suggestions(args.suggestions, args.repeat, 20)), indent=2))
        return
    db = args.db or Path(f"/tmp/ai_bench_{args.synthetic}.db")
    migrate.upgrade(f"sqlite:///{db}")
    rows = asyncio.run(run(db, args.synthetic, args.time_limit))
    uname = subprocess.run(["uname", "-a"], capture_output=True, text=True).stdout.strip()
    print()
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    print(
        f"Machine: `{uname}`, nproc = {nproc}, "
        f"Python {platform.python_version()}, run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"time limit {args.time_limit} s"
    )
    print()
    print(table(rows))


if __name__ == "__main__":
    main()
