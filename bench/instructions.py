"""Instructions per request of one endpoint, counted by callgrind: a measure that does not
move with the machine's speed (the shared VMs drift by up to 2x within an hour, which hides
changes of 5-10 % from any timing).

    .venv/bin/python -m bench.instructions view 300          # needs valgrind (Debian package)
    PYTHONPATH=/tmp/old/src .venv/bin/python -m bench.instructions view 300   # other code

The app runs in this process (httpx's ASGI transport, so the count includes the test client's
side of each request, the same for both sides of an A/B) against the load benchmark's
database (`bench.load_bench` seeds it) and Redis database 13, signed in as a benchmark user
(`load5@bench.example` by default). Only the measured requests are counted: they run inside
`sys.call_tracing()`, a function nothing else calls, and callgrind collects inside it alone.

`--profile` runs the same requests under cProfile instead (no valgrind needed) and prints
the functions that took the most time, to find what to change; the count then measures it.
`--timing` runs them plainly and prints wall time, this thread's CPU time and the time spent
waiting on SQL statements per request (p50 and mean), to see what a request waits for.

Endpoints: `health`, `view` (cached recipe reads over 100 popular recipes; `view-gzip` the
same asking for gzip, as browsers do), `list`
(regenerating the user's current week's list), `suggest` (uncached: the user's suggestions
key is deleted before each request, which is counted too).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from typing import Any

CALLGRIND = [
    "valgrind",
    "--tool=callgrind",
    "--collect-atstart=no",
    "--toggle-collect=sys_call_tracing",
]


def count(endpoint: str, requests: int, user: int) -> int:
    """Run this module under callgrind; the instructions it collected."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        subprocess.run(
            [
                *CALLGRIND,
                f"--callgrind-out-file={out}",
                sys.executable,
                "-m",
                "bench.instructions",
                "--inside",
                endpoint,
                str(requests),
                "--user",
                str(user),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        with open(out) as f:
            for line in f:
                if line.startswith(("summary:", "totals:")):
                    return int(line.split()[1])
    raise RuntimeError("callgrind wrote no totals")


def measure_inside(
    endpoint: str, requests: int, user: int, profile: bool = False, timing: bool = False
) -> None:
    os.environ.setdefault(
        "MEALPLANNER_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/mealplanner_bench"
    )
    os.environ.setdefault("MEALPLANNER_REDIS_URL", "redis://127.0.0.1:6379/13")
    os.environ["MEALPLANNER_JWT_SECRET"] = "load-bench-secret-" + "z" * 32
    os.environ["MEALPLANNER_RATE_LIMIT_ENABLED"] = "false"
    os.environ["MEALPLANNER_LOG_LEVEL"] = "WARNING"
    import httpx
    import redis.asyncio as aioredis

    from mealplanner.app import create_app

    loop = asyncio.new_event_loop()
    app = create_app()
    lifespan = app.router.lifespan_context(app)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")
    redis = aioredis.from_url(os.environ["MEALPLANNER_REDIS_URL"])
    ctx: dict[str, Any] = {}

    async def one(rng: random.Random) -> httpx.Response:
        headers = ctx["headers"]
        if endpoint == "health":
            return await client.get("/health")
        if endpoint in ("view", "view-gzip"):
            recipe = ctx["recipes"][rng.randrange(len(ctx["recipes"]))]
            if endpoint == "view-gzip":  # as browsers ask
                headers = {**headers, "Accept-Encoding": "gzip, deflate, br"}
            return await client.get(f"/api/v1/recipes/{recipe}", headers=headers)
        if endpoint == "list":
            return await client.post(
                "/api/v1/shopping-lists/generate",
                json={"mealPlanId": ctx["plan"]},
                headers=headers,
            )
        if endpoint == "suggest":
            await redis.delete(f"cache:suggestions:{ctx['user']}")
            return await client.post(
                "/api/v1/ai/suggestions",
                json={"context": {"mealType": "dinner"}, "limit": 10},
                headers=headers,
            )
        raise SystemExit(f"unknown endpoint {endpoint}")

    async def setup() -> None:
        await lifespan.__aenter__()
        await asyncio.sleep(1)  # start-up cache warming
        login = await client.post(
            "/api/v1/auth/login",
            json={"email": f"load{user}@bench.example", "password": "load-bench-password"},
        )
        login.raise_for_status()
        body = login.json()
        # Uncompressed, as the load benchmark's client asks (httpx asks for gzip by default,
        # which added 0.66M instructions to a cached view).
        ctx["headers"] = {
            "Authorization": f"Bearer {body['accessToken']}",
            "Accept-Encoding": "identity",
        }
        ctx["user"] = body["user"]["id"]
        page = await client.get("/api/v1/recipes", params={"limit": 100}, headers=ctx["headers"])
        ctx["recipes"] = [r["id"] for r in page.json()["data"]]
        today = datetime.now(UTC).date()
        monday = today - timedelta(days=today.weekday())
        plan = await client.get(
            f"/api/v1/users/{ctx['user']}/meal-plans",
            params={"weekStart": monday.isoformat()},
            headers=ctx["headers"],
        )
        ctx["plan"] = plan.json()["id"] if plan.status_code == 200 else None
        if endpoint == "list" and ctx["plan"] is None:
            raise SystemExit("the user has no plan this week: run the load benchmark first")
        warm = random.Random(0)
        for _ in range(50 if endpoint in ("health", "view", "view-gzip") else 5):
            (await one(warm)).raise_for_status()

    async def measured() -> int:
        rng = random.Random(1)
        for _ in range(requests):
            (await one(rng)).raise_for_status()
        return 0

    async def timed() -> None:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        sql = {"seconds": 0.0, "statements": 0}

        def before(conn: Any, *_: Any) -> None:
            conn.info["bench_started"] = time.perf_counter()

        def after(conn: Any, *_: Any) -> None:
            sql["seconds"] += time.perf_counter() - conn.info.pop("bench_started")
            sql["statements"] += 1

        event.listen(Engine, "before_cursor_execute", before)
        event.listen(Engine, "after_cursor_execute", after)
        rng = random.Random(1)
        rows: list[tuple[float, float, float, int]] = []
        for _ in range(requests):
            sql.update(seconds=0.0, statements=0)
            wall, cpu = time.perf_counter(), time.thread_time()
            (await one(rng)).raise_for_status()
            rows.append(
                (
                    time.perf_counter() - wall,
                    time.thread_time() - cpu,
                    float(sql["seconds"]),
                    int(sql["statements"]),
                )
            )
        for i, label in enumerate(("wall", "cpu", "sql")):
            values = sorted(row[i] * 1000 for row in rows)
            print(
                f"{label}: p50 {values[len(values) // 2]:.2f} ms, "
                f"mean {sum(values) / len(values):.2f} ms"
            )
        print(f"statements per request: {sum(row[3] for row in rows) / len(rows):.1f}")

    async def teardown() -> None:
        await client.aclose()
        await redis.aclose()
        await lifespan.__aexit__(None, None, None)

    loop.run_until_complete(setup())
    if timing:
        loop.run_until_complete(timed())
    elif profile:
        profiler = cProfile.Profile()
        profiler.runcall(loop.run_until_complete, measured())
        order = os.environ.get("BENCH_PROFILE_SORT", "tottime")
        stats = pstats.Stats(profiler).strip_dirs().sort_stats(order)
        stats.print_stats(int(os.environ.get("BENCH_PROFILE_LINES", "35")))
        if os.environ.get("BENCH_PROFILE_CALLERS"):
            stats.print_callers(os.environ["BENCH_PROFILE_CALLERS"])
    else:
        # Callgrind counts inside this call only (with no trace function set it just calls).
        sys.call_tracing(loop.run_until_complete, (measured(),))
    loop.run_until_complete(teardown())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("endpoint", choices=["health", "view", "view-gzip", "list", "suggest"])
    parser.add_argument("requests", type=int, nargs="?", default=300)
    parser.add_argument("--user", type=int, default=5, help="load benchmark user number")
    parser.add_argument("--profile", action="store_true", help="cProfile instead of callgrind")
    parser.add_argument("--timing", action="store_true", help="wall, CPU and SQL time")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside or args.profile or args.timing:
        measure_inside(
            args.endpoint, args.requests, args.user, profile=args.profile, timing=args.timing
        )
        return
    total = count(args.endpoint, args.requests, args.user)
    print(f"{args.endpoint}: {total / args.requests:,.0f} instructions per request")


if __name__ == "__main__":
    main()
