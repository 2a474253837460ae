"""Load benchmark: the whole service under a realistic mix, at several concurrency levels.

    make bench            # or: .venv/bin/python -m bench.load_bench

1. Seeds PostgreSQL (`--url`, default database `mealplanner_bench`) with at least 1,000 users,
   50,000 recipes and a year of meal plans for a share of the users (idempotent).
2. Starts `mealplanner serve --workers 2` against it with Redis (`--redis`).
3. From this (separate) process, drives a fixed-seed mix of browse, search, view recipe, plan
   a meal, generate a shopping list and suggestions, at each concurrency level; then, at the
   same concurrency, the trivial `/health` endpoint alone and cached recipe reads alone, to
   compare the stack's ceiling with the cached read path.
4. Writes `bench/results/load.json` and `bench/results/load.md`.

Not part of CI (minutes of load on a 2-core machine). Password hashes of the seeded users use
cheap argon2 parameters so that 1,000 logins don't dominate the run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from argon2 import PasswordHasher
from sqlalchemy import delete, func, insert, select, text

from bench import cpu
from bench.rawhttp import Connection, ConnectionClosed, Response
from mealplanner import migrate
from mealplanner.core.cache import MemoryCache
from mealplanner.core.config import Settings
from mealplanner.core.db import Database
from mealplanner.core.ids import uuid7
from mealplanner.mealplans.models import MealPlan, PlannedMeal
from mealplanner.recipes.models import Recipe
from mealplanner.recipes.seed import seed_catalog, seed_synthetic
from mealplanner.users.models import User
from mealplanner.users.schemas import Preferences

RESULTS = Path(__file__).parent / "results"
PASSWORD = "load-bench-password"
EMAIL = "load{n}@bench.example"
SEARCH_TERMS = [
    "chicken",
    "vegan",
    "pasta",
    "soup",
    "salad",
    "tofu",
    "curry",
    "rice",
    "lentil",
    "salmon",
    "chiken",
    "quick breakfast",
    "tacos",
    "noodles",
]
MIX = [
    ("browse", 30),
    ("search", 20),
    ("view", 25),
    ("plan", 10),
    ("list", 5),
    ("suggest", 5),
    ("health", 5),
]


def _monday() -> date:
    today = datetime.now(UTC).date()
    return today - timedelta(days=today.weekday())


# -- seeding ---------------------------------------------------------------------------------


async def seed(url: str, users: int, recipes: int, planners: int) -> dict[str, int]:
    migrate_url = url
    await asyncio.to_thread(migrate.upgrade, migrate_url)
    db = Database(Settings(database_url=url, database_pool_size=4))
    cache = MemoryCache()
    await seed_catalog(db, cache)
    async with db.session() as session:
        have = int((await session.execute(select(func.count()).select_from(Recipe))).scalar_one())
    seeded = have < recipes
    if seeded:
        print(f"seeding {recipes - have} synthetic recipes (slow) ...", flush=True)
        await seed_synthetic(db, cache, recipes - have)
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    prefs = Preferences().model_dump(mode="json")
    async with db.session() as session:
        existing = int(
            (
                await session.execute(
                    select(func.count())
                    .select_from(User)
                    .where(User.email.like("load%@bench.example"))
                )
            ).scalar_one()
        )
        if existing < users:
            seeded = True
            await session.execute(
                insert(User),
                [
                    {
                        "id": uuid7(),
                        "email": EMAIL.format(n=n),
                        "name": f"Load {n}",
                        "password_hash": cheap,
                        "role": "user",
                        "disabled": False,
                        "email_verified": True,
                        "preferences": prefs,
                        "created_at": datetime.now(UTC),
                        "updated_at": datetime.now(UTC),
                    }
                    for n in range(existing, users)
                ],
            )
    async with db.session() as session:
        plans = int(
            (await session.execute(select(func.count()).select_from(MealPlan))).scalar_one()
        )
        if plans < planners * 52:
            seeded = True
            rng = random.Random(7)
            user_ids = list(
                (
                    await session.execute(
                        select(User.id)
                        .where(User.email.like("load%@bench.example"))
                        .limit(planners)
                    )
                ).scalars()
            )
            recipe_ids = list(
                (
                    await session.execute(
                        select(Recipe.id).order_by(Recipe.popularity.desc()).limit(5000)
                    )
                ).scalars()
            )
            monday = _monday()
            meal_rows: list[dict[str, Any]] = []
            plan_rows: list[dict[str, Any]] = []
            now = datetime.now(UTC)
            for user_id in user_ids:
                for week in range(1, 53):  # the past year; the current week stays free
                    plan_id = uuid7()
                    start = monday - timedelta(weeks=week)
                    plan_rows.append(
                        {
                            "id": plan_id,
                            "user_id": user_id,
                            "week_start": start,
                            "name": "",
                            "notes": "",
                            "created_at": now,
                            "updated_at": now,
                        }
                    )
                    for day in range(7):
                        for meal_type in ("breakfast", "lunch", "dinner"):
                            if rng.random() < 0.7:
                                meal_rows.append(
                                    {
                                        "id": uuid7(),
                                        "plan_id": plan_id,
                                        "date": start + timedelta(days=day),
                                        "meal_type": meal_type,
                                        "recipe_id": rng.choice(recipe_ids),
                                        "servings": 2.0,
                                        "note": "",
                                        "created_at": now,
                                    }
                                )
            await session.execute(insert(MealPlan), plan_rows)
            for chunk in range(0, len(meal_rows), 5000):
                await session.execute(insert(PlannedMeal), meal_rows[chunk : chunk + 5000])
    async with db.session() as session:
        # The virtual users plan meals into the current week: empty it so that every run
        # starts from the same data (otherwise shopping lists grow from run to run).
        current = select(MealPlan.id).where(MealPlan.week_start == _monday()).scalar_subquery()
        await session.execute(delete(PlannedMeal).where(PlannedMeal.plan_id.in_(current)))
    # Fresh statistics and visibility maps: right after a bulk seed, autovacuum has not run
    # yet and the planner still sees the tables as they were before (one run measured mix
    # latencies 10x too high that way). Then a checkpoint, so that writing out what the seed
    # and the vacuum dirtied is not left to the measured phases: their write latencies had
    # stalls of 0.3-0.7 s in runs that started right after it. Without a change to the data
    # (a repeated run) neither is needed, unless the server runs without autovacuum (this
    # machine's PostgreSQL had it off): then every run's views, plans and lists pile up
    # unanalyzed (a suggestion's activity query took 13 ms instead of 0.13 ms on statistics
    # from before 200,000 views), so each run starts with what autovacuum would have done.
    async with db.engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        autovacuum = str((await conn.execute(text("SHOW autovacuum"))).scalar_one())
        if seeded or autovacuum != "on":
            await conn.execute(text("VACUUM ANALYZE"))
            await conn.execute(text("CHECKPOINT"))
    async with db.session() as session:
        counts = {
            "users": int(
                (await session.execute(select(func.count()).select_from(User))).scalar_one()
            ),
            "recipes": int(
                (await session.execute(select(func.count()).select_from(Recipe))).scalar_one()
            ),
            "mealPlans": int(
                (await session.execute(select(func.count()).select_from(MealPlan))).scalar_one()
            ),
            "plannedMeals": int(
                (await session.execute(select(func.count()).select_from(PlannedMeal))).scalar_one()
            ),
            # 0: the server's autovacuum is off (so this run started with VACUUM ANALYZE).
            "autovacuum": int(autovacuum == "on"),
        }
    await db.dispose()
    return counts


# -- server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    url: str, redis: str, port: int, workers: int, data_dir: str
) -> subprocess.Popen[bytes]:
    os.makedirs(data_dir, exist_ok=True)
    env = dict(os.environ)
    env.update(
        MEALPLANNER_DATABASE_URL=url,
        MEALPLANNER_REDIS_URL=redis,
        MEALPLANNER_DATA_DIR=data_dir,
        MEALPLANNER_JWT_SECRET="load-bench-secret-" + "z" * 32,
        MEALPLANNER_RATE_LIMIT_ENABLED="false",
        MEALPLANNER_LOG_LEVEL="WARNING",
        MEALPLANNER_DATABASE_POOL_SIZE="20",
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mealplanner.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        # Warnings and errors of the server, for explaining any failed request.
        stderr=open(os.path.join(data_dir, "server.log"), "wb"),  # noqa: SIM115
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise RuntimeError("server did not start")


# -- driving ---------------------------------------------------------------------------------


@dataclass
class VirtualUser:
    headers: dict[str, str]
    user_id: str
    plan_id: str
    # The current week's meal ids, oldest first, as the last plan response listed them.
    meals: list[str] = field(default_factory=list)


# A full week: breakfast, lunch and dinner on seven days. A virtual user whose week is full
# changes it instead (the oldest meal goes), so plans and shopping lists keep a realistic
# size however long the run (they used to grow to about 100 meals on the busiest users).
FULL_WEEK = 21


@dataclass
class Recorder:
    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # What the errors were: an HTTP status or an exception class, per endpoint.
    kinds: dict[str, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )

    def record(self, name: str, started: float, error: str | None) -> None:
        self.samples[name].append((time.perf_counter() - started) * 1000)
        if error is not None:
            self.errors[name] += 1
            self.kinds[name][error] += 1


async def login_all(client: httpx.AsyncClient, count: int) -> list[VirtualUser]:
    monday = _monday()
    sem = asyncio.Semaphore(16)

    async def one(n: int) -> VirtualUser:
        async with sem:
            r = await client.post(
                "/api/v1/auth/login", json={"email": EMAIL.format(n=n), "password": PASSWORD}
            )
            r.raise_for_status()
            body = r.json()
            headers = {"Authorization": f"Bearer {body['accessToken']}"}
            uid = body["user"]["id"]
            plan = await client.get(
                f"/api/v1/users/{uid}/meal-plans",
                params={"weekStart": monday.isoformat()},
                headers=headers,
            )
            if plan.status_code == 404:
                plan = await client.post(
                    f"/api/v1/users/{uid}/meal-plans",
                    json={"weekStart": monday.isoformat()},
                    headers=headers,
                )
            body = plan.json()
            return VirtualUser(headers, uid, body["id"], sorted(m["id"] for m in body["meals"]))

    return await asyncio.gather(*(one(n) for n in range(count)))


async def run_phase(
    base: str,
    users: list[VirtualUser],
    recipe_ids: list[str],
    concurrency: int,
    seconds: float,
    mix: list[tuple[str, int]],
    seed: int,
    think_ms: float = 0.0,
) -> tuple[Recorder, float]:
    """Each client sends a request, waits for it, then (with `think_ms`) pauses for an
    exponentially distributed time of that mean, as a person reading a page would."""
    rec = Recorder()
    names = [n for n, _ in mix]
    weights = [w for _, w in mix]
    monday = _monday()
    parsed = urlsplit(base)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 80
    deadline = time.perf_counter() + seconds

    def deadline_left() -> float:
        return max(0.0, deadline - time.perf_counter())

    async def worker(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        user = users[index % len(users)]
        # One keep-alive connection per client, as wrk does (see rawhttp.py for why not httpx).
        connection = Connection(host, port, timeout=60)
        try:
            if think_ms:
                # People do not all click at the same instant: with think time, each client
                # starts after its own first pause (otherwise every run begins with a burst
                # of `concurrency` simultaneous requests on cold connections, which alone was
                # the slowest 5 % of a 64-client run).
                await asyncio.sleep(min(rng.expovariate(1000 / think_ms), deadline_left()))
            while time.perf_counter() < deadline:
                name = rng.choices(names, weights)[0]
                started = time.perf_counter()
                try:
                    r = await request(connection, name, user, rng, recipe_ids, monday)
                    error = str(r.status_code) if r.status_code >= 400 else None
                except (
                    OSError,
                    TimeoutError,
                    ConnectionClosed,
                    asyncio.IncompleteReadError,
                ) as exc:
                    error = type(exc).__name__
                rec.record(name, started, error)
                if think_ms:
                    await asyncio.sleep(min(rng.expovariate(1000 / think_ms), deadline_left()))
        finally:
            await connection.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    elapsed = time.perf_counter() - began
    return rec, elapsed


async def request(
    client: Connection,
    name: str,
    user: VirtualUser,
    rng: random.Random,
    recipe_ids: list[str],
    monday: date,
) -> Response:
    h = user.headers
    if name == "health":
        return await client.get("/health")
    if name == "browse":
        params: dict[str, Any] = {"page": rng.randint(1, 20), "limit": 20}
        if rng.random() < 0.5:
            params["mealType"] = rng.choice(["breakfast", "lunch", "dinner"])
        if rng.random() < 0.3:
            params["dietary"] = rng.choice(["vegan", "vegetarian", "gluten-free"])
        return await client.get("/api/v1/recipes", params=params, headers=h)
    if name == "search":
        return await client.get(
            "/api/v1/recipes/search", params={"q": rng.choice(SEARCH_TERMS)}, headers=h
        )
    if name == "view":
        return await client.get(f"/api/v1/recipes/{rng.choice(recipe_ids)}", headers=h)
    if name == "plan":
        if len(user.meals) >= FULL_WEEK:
            r = await client.request(
                "DELETE",
                f"/api/v1/meal-plans/{user.plan_id}/meals?mealId={user.meals[0]}",
                headers=h,
            )
        else:
            r = await client.post(
                f"/api/v1/meal-plans/{user.plan_id}/meals",
                json_body={
                    "date": (monday + timedelta(days=rng.randint(0, 6))).isoformat(),
                    "mealType": rng.choice(["breakfast", "lunch", "dinner"]),
                    "recipeId": rng.choice(recipe_ids),
                },
                headers=h,
            )
        if r.status_code < 400:
            # Meals come back in day order; ids are time-ordered (UUIDv7), so sorting them
            # puts the oldest first.
            user.meals = sorted(meal["id"] for meal in r.json()["meals"])
        return r
    if name == "list":
        return await client.post(
            "/api/v1/shopping-lists/generate", json_body={"mealPlanId": user.plan_id}, headers=h
        )
    if name == "suggest":
        return await client.post(
            "/api/v1/ai/suggestions",
            json_body={"context": {"mealType": "dinner"}, "limit": 10},
            headers=h,
        )
    raise ValueError(name)


# Few clients, so that the cost of a request is measured without queueing.
COST_CLIENTS = 8


def summarise(rec: Recorder, elapsed: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, samples in sorted(rec.samples.items()):
        ordered = sorted(samples)
        q = (
            statistics.quantiles(ordered, n=100, method="inclusive")
            if len(ordered) > 1
            else [ordered[0]] * 99
        )
        out[name] = {
            "requests": len(ordered),
            "rps": round(len(ordered) / elapsed, 1),
            "p50": round(q[49], 1),
            "p95": round(q[94], 1),
            "p99": round(q[98], 1),
            "errors": rec.errors.get(name, 0),
            "errorKinds": dict(rec.kinds.get(name, {})),
        }
    return out


def _kinds(kinds: dict[str, int]) -> str:
    return ", ".join(f"{kind} x{count}" for kind, count in sorted(kinds.items()))


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"# Load benchmark ({report['date']})",
        "",
        f"Machine: {report['machine']}",
        "",
        f"Mix clients pause {report['thinkMs']:.0f} ms on average between requests"
        if report["thinkMs"]
        else "Mix clients send requests back to back (no think time)",
        "",
        f"Measured after {report.get('warmupSeconds', 0):.0f} s of unmeasured warm-up traffic",
        "",
        f"Data: {report['data']}",
        "",
    ]
    for level in report["levels"]:
        lines += [
            f"## {level['concurrency']} concurrent clients ({level['seconds']} s per phase)",
            "",
            "| endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | errors |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for phase in ("mix", "health_only", "cached_view_only"):
            for name, row in level[phase].items():
                label = name if phase == "mix" else f"{name} (alone)"
                lines.append(
                    f"| {label} | {row['requests']} | {row['rps']} | {row['p50']} | "
                    f"{row['p95']} | {row['p99']} | {row['errors']}"
                    + (f" ({_kinds(row['errorKinds'])})" if row["errorKinds"] else "")
                    + " |"
                )
        if "mixCpu" in level:
            c = level["mixCpu"]
            lines += [
                "",
                f"Mix CPU per request: server {c['server']} ms, PostgreSQL {c['postgres']} ms, "
                f"Redis {c['redis']} ms, load generator {c['loadgen']} ms; "
                f"machine busy {c['machineBusyPct']} %",
            ]
        lines.append("")
    if report.get("costs"):
        lines += [
            f"## CPU cost per request, each endpoint alone ({COST_CLIENTS} clients)",
            "",
            "Server (all workers), PostgreSQL and Redis CPU time divided by the requests served;"
            " the ceiling is the requests a second that the machine's cores could serve if"
            " the server and its services had them all.",
            "",
            "| endpoint | req/s | p50 ms | p95 ms | server ms | PostgreSQL ms | Redis ms "
            "| load generator ms | ceiling req/s |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        cores = os.cpu_count() or 1
        for name, row in report["costs"].items():
            c = row["cpu"]
            service = c["server"] + c["postgres"] + c["redis"]
            ceiling = round(cores * 1000 / service) if service else 0
            lines.append(
                f"| {name} | {row['rps']} | {row['p50']} | {row['p95']} | {c['server']} | "
                f"{c['postgres']} | {c['redis']} | {c['loadgen']} | {ceiling} |"
            )
        lines.append("")
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/mealplanner_bench")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--recipes", type=int, default=50_000)
    parser.add_argument("--planners", type=int, default=100, help="users with a year of plans")
    parser.add_argument("--levels", default="16,64,256")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--virtual-users",
        type=int,
        default=0,
        help="users the clients sign in as (default: one per client at the largest level)",
    )
    parser.add_argument(
        "--think-ms",
        type=float,
        default=0.0,
        help="mean pause between a client's mix requests (0: back to back, the default)",
    )
    parser.add_argument(
        "--cost-seconds",
        type=float,
        default=5.0,
        help=f"seconds per endpoint alone ({COST_CLIENTS} clients) for its CPU cost; 0 skips",
    )
    parser.add_argument("--out", default="load", help="results/<out>.json and .md")
    parser.add_argument(
        "--warmup", type=float, default=10.0, help="seconds of unmeasured mix before measuring"
    )
    args = parser.parse_args()

    counts = await seed(args.url, args.users, args.recipes, args.planners)
    print("data:", counts, flush=True)
    port = free_port()
    data_dir = f"/tmp/mealplanner-load-{os.getpid()}"
    server = start_server(args.url, args.redis, port, args.workers, data_dir)
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            largest = max(int(x) for x in args.levels.split(","))
            users = await login_all(client, args.virtual_users or largest)
            top = await client.get(
                "/api/v1/recipes",
                params={"sort": "popularity:desc", "limit": 100},
                headers=users[0].headers,
            )
            recipe_ids = [r["id"] for r in top.json()["data"]]
        if args.warmup:
            # Unmeasured: first-request costs (connection pools, prepared statements, caches
            # filling) belong to a cold start, not to the steady state measured below.
            print(f"warm-up {args.warmup:.0f} s ...", flush=True)
            first_level = int(args.levels.split(",")[0])
            await run_phase(
                base, users, recipe_ids, first_level, args.warmup, MIX, 9, args.think_ms
            )
        levels = []
        for level in (int(x) for x in args.levels.split(",")):
            print(f"concurrency {level} ...", flush=True)
            cpu_before = cpu.snapshot(server.pid)
            mix, t_mix = await run_phase(
                base, users, recipe_ids, level, args.seconds, MIX, 1, args.think_ms
            )
            mix_cpu = cpu.usage(
                cpu_before, cpu.snapshot(server.pid), sum(len(s) for s in mix.samples.values())
            )
            health, t_h = await run_phase(
                base, users, recipe_ids, level, args.seconds / 2, [("health", 1)], 2
            )
            view, t_v = await run_phase(
                base, users, recipe_ids, level, args.seconds / 2, [("view", 1)], 3
            )
            levels.append(
                {
                    "concurrency": level,
                    "seconds": args.seconds,
                    "mix": summarise(mix, t_mix),
                    "mixCpu": mix_cpu,
                    "health_only": summarise(health, t_h),
                    "cached_view_only": summarise(view, t_v),
                }
            )
            print(json.dumps(levels[-1], indent=1), flush=True)
        costs = {}
        if args.cost_seconds:
            # Each endpoint alone, so its CPU cost per request can be told apart.
            print("cost per endpoint ...", flush=True)
            for name, _ in MIX:
                before = cpu.snapshot(server.pid)
                alone, t_alone = await run_phase(
                    base, users, recipe_ids, COST_CLIENTS, args.cost_seconds, [(name, 1)], 4
                )
                row = summarise(alone, t_alone)[name]
                costs[name] = {
                    **row,
                    "cpu": cpu.usage(before, cpu.snapshot(server.pid), row["requests"]),
                }
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.platform()}, {os.cpu_count()} cores; server --workers "
        f"{args.workers}, load generator in this process",
        "thinkMs": args.think_ms,
        "warmupSeconds": args.warmup,
        "data": counts,
        "levels": levels,
        "costs": costs,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.out}.json").write_text(json.dumps(report, indent=2))
    (RESULTS / f"{args.out}.md").write_text(markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    asyncio.run(main())
