"""The cache on the suite's backend (Redis on `postgres`, in-process on `sqlite`), its key
builders, stampede protection, the circuit breaker, and the static L1 across processes."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from datetime import date
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis

from mealplanner.app import create_app
from mealplanner.core.cache import (
    SEARCH_PREFIX,
    CacheKeys,
    CacheStats,
    MemoryCache,
    RedisCache,
    StaticDataCache,
    meal_plan_key,
    recipe_key,
    search_key,
    user_key,
)
from mealplanner.core.circuit import CircuitBreaker, CircuitState
from mealplanner.core.config import Settings
from mealplanner.core.metrics import Metrics
from mealplanner.core.state import AppState
from tests.fixtures.backends import DEAD_REDIS, is_postgres
from tests.fixtures.users import register

needs_redis = pytest.mark.skipif(not is_postgres(), reason="needs Redis (postgres backend)")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# -- keys ---------------------------------------------------------------------------------


def test_spec_keys_and_ttls() -> None:
    uid = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert user_key(uid) == f"user:{uid}"
    assert recipe_key("r1") == "recipe:r1"
    assert meal_plan_key(uid, date(2026, 11, 30)) == f"meal-plan:{uid}:2026-11-30"
    assert CacheKeys.shopping_list("l1") == "shopping-list:l1"
    assert CacheKeys.favorites(uid) == f"favorites:{uid}"
    assert CacheKeys.suggestions(uid) == f"suggestions:{uid}"
    assert (CacheKeys.USER_TTL, CacheKeys.RECIPE_TTL, CacheKeys.MEAL_PLAN_TTL) == (300, 3600, 600)
    assert (CacheKeys.SHOPPING_LIST_TTL, CacheKeys.SEARCH_TTL) == (300, 900)
    assert (CacheKeys.FAVORITES_TTL, CacheKeys.SUGGESTIONS_TTL) == (600, 1800)


def test_search_key_normalises_its_parts() -> None:
    a = search_key("  Chicken   Curry ", {"diets": ["vegan", "keto"], "max": 30}, "rating", 1)
    b = search_key("chicken curry", {"max": 30, "diets": ["keto", "vegan"], "x": None}, "rating", 1)
    assert a == b
    assert a.startswith(SEARCH_PREFIX)
    assert a != search_key("chicken curry", {"diets": ["keto", "vegan"], "max": 30}, "rating", 2)
    assert a != search_key("chicken curry", {"diets": ["keto"], "max": 30}, "rating", 1)
    assert a != search_key("chicken curry", {"diets": ["keto", "vegan"], "max": 30}, "new", 1)
    assert search_key(None) == search_key("")


# -- behaviour on the suite's backend --------------------------------------------------------


async def test_round_trip_is_json(state: AppState) -> None:
    uid = uuid.uuid4()
    value = {"id": uid, "day": date(2026, 1, 2), "tags": ["a"], "n": 1.5}
    await state.cache.set_json(user_key(uid), value, 60)
    assert await state.cache.get_json(user_key(uid)) == {
        "id": str(uid),
        "day": "2026-01-02",
        "tags": ["a"],
        "n": 1.5,
    }
    await state.cache.delete(user_key(uid))
    assert await state.cache.get_json(user_key(uid)) is None


async def test_ttl_expiry(state: AppState) -> None:
    await state.cache.set_json("recipe:ttl", {"v": 1}, 1)
    await state.cache.set_json("recipe:long", {"v": 2}, 60)
    assert await state.cache.get_json("recipe:ttl") == {"v": 1}
    await asyncio.sleep(1.2)
    assert await state.cache.get_json("recipe:ttl") is None
    assert await state.cache.get_json("recipe:long") == {"v": 2}


async def test_memory_ttl_and_lru_bound() -> None:
    clock = FakeClock()
    cache = MemoryCache(max_entries=3, clock=clock)
    for i in range(3):
        await cache.set_json(f"k{i}", i, 10)
    assert await cache.get_json("k0") == 0  # k0 is now the most recently used
    await cache.set_json("k3", 3, 10)
    assert len(cache) == 3
    assert await cache.get_json("k1") is None  # the least recently used went
    assert await cache.get_json("k0") == 0
    clock.now += 10
    assert await cache.get_json("k0") is None


async def test_prefix_invalidation(state: AppState) -> None:
    cache = state.cache
    searches = [search_key("soup", {"p": i}) for i in range(20)]
    for key in searches:
        await cache.set_json(key, {"hits": [1, 2]}, 60)
    uid = uuid.uuid4()
    week1, week2 = meal_plan_key(uid, "2026-11-30"), meal_plan_key(uid, "2026-12-07")
    other_user = meal_plan_key(uuid.uuid4(), "2026-11-30")
    for key in (week1, week2, other_user, recipe_key("keep")):
        await cache.set_json(key, {"k": key}, 60)

    await cache.delete_prefix(SEARCH_PREFIX)
    assert [await cache.get_json(k) for k in searches] == [None] * 20
    assert await cache.get_json(recipe_key("keep")) == {"k": recipe_key("keep")}
    # New entries after the invalidation are visible again.
    await cache.set_json(searches[0], {"hits": []}, 60)
    assert await cache.get_json(searches[0]) == {"hits": []}
    await cache.delete(searches[0])
    assert await cache.get_json(searches[0]) is None

    await cache.delete_prefix(f"meal-plan:{uid}:")
    assert await cache.get_json(week1) is None
    assert await cache.get_json(week2) is None
    assert await cache.get_json(other_user) == {"k": other_user}


async def test_stampede_one_loader_per_key(
    state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(state.cache, "share_loads", True)  # off over SQLite (see below)
    calls = 0

    async def loader() -> dict[str, Any]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        return {"title": "Soup", "id": uuid.UUID(int=7)}

    key = recipe_key(uuid.uuid4())
    results = await asyncio.gather(
        *(state.cache.get_or_load_json(key, 60, loader) for _ in range(100))
    )
    assert calls == 1
    assert all(r == {"title": "Soup", "id": str(uuid.UUID(int=7))} for r in results)
    assert await state.cache.get_or_load_json(key, 60, loader) == results[0]
    assert calls == 1


async def test_loads_are_not_shared_over_sqlite(state: AppState) -> None:
    """Over SQLite a request waiting for another task's loader would hold the write lock that
    loader needs: each caller loads for itself there."""
    sqlite = state.settings.is_sqlite
    assert state.cache.share_loads is not sqlite
    started = 0
    both = asyncio.Event()

    async def loader() -> int:
        nonlocal started
        started += 1
        if started == 2:
            both.set()
        # Finishes only once the other caller's loader has started too (or times out).
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(both.wait(), 0.3)
        return started

    key = recipe_key(uuid.uuid4())
    await asyncio.gather(*(state.cache.get_or_load_json(key, 60, loader) for _ in range(2)))
    assert started == (2 if sqlite else 1)


async def test_loader_error_reaches_every_waiter_and_is_not_cached(
    state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(state.cache, "share_loads", True)
    calls = 0

    async def failing() -> Any:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.02)
        raise LookupError("db down")

    key = recipe_key(uuid.uuid4())
    outcomes = await asyncio.gather(
        *(state.cache.get_or_load_json(key, 60, failing) for _ in range(10)),
        return_exceptions=True,
    )
    assert calls == 1
    assert all(isinstance(o, LookupError) for o in outcomes)

    async def working() -> int:
        return 42

    assert await state.cache.get_or_load_json(key, 60, working) == 42


async def test_cancelled_loader_lets_waiters_retry() -> None:
    cache = MemoryCache()
    started = asyncio.Event()

    async def slow() -> int:
        started.set()
        await asyncio.sleep(10)
        return 1

    async def fast() -> int:
        return 2

    leader = asyncio.create_task(cache.get_or_load_json("k", 60, slow))
    await started.wait()
    waiter = asyncio.create_task(cache.get_or_load_json("k", 60, fast))
    await asyncio.sleep(0)
    leader.cancel()
    assert await asyncio.wait_for(waiter, 2) == 2


async def test_hits_and_misses_are_counted(state: AppState) -> None:
    label = {"cache": "redis" if state.redis is not None else "memory"}
    registry = state.metrics.registry

    def sample(name: str) -> float:
        return registry.get_sample_value(name, label) or 0.0

    hits, misses = sample("mealplanner_cache_hits_total"), sample("mealplanner_cache_misses_total")
    await state.cache.get_json("user:nobody")
    await state.cache.set_json("user:somebody", 1, 60)
    await state.cache.get_json("user:somebody")
    assert sample("mealplanner_cache_misses_total") == misses + 1
    assert sample("mealplanner_cache_hits_total") == hits + 1


# -- Redis specifics --------------------------------------------------------------------------


@needs_redis
async def test_search_invalidation_is_one_generation_bump(state: AppState) -> None:
    assert state.redis is not None
    await state.cache.set_json(search_key("x"), [1], 60)
    gen_key = f"cache:gen:{SEARCH_PREFIX}"
    before = int(await state.redis.get(gen_key) or 0)
    await state.cache.delete_prefix(SEARCH_PREFIX)
    assert int(await state.redis.get(gen_key)) == before + 1
    # The orphaned entries keep their TTL and simply age out.
    orphans = [k async for k in state.redis.scan_iter(match="cache:search:recipes:v*")]
    assert orphans
    assert all(0 < ttl <= 60 for ttl in [await state.redis.ttl(k) for k in orphans])


@needs_redis
async def test_two_processes_share_the_redis_cache(test_settings: Settings) -> None:
    other = create_app(test_settings)
    async with other.router.lifespan_context(other):
        other_state: AppState = other.state.services
        first = create_app(test_settings)
        async with first.router.lifespan_context(first):
            state: AppState = first.state.services
            key = recipe_key(uuid.uuid4())
            await state.cache.set_json(key, {"v": 1}, 60)
            assert await other_state.cache.get_json(key) == {"v": 1}
            await other_state.cache.delete(key)
            assert await state.cache.get_json(key) is None


# -- Redis unreachable --------------------------------------------------------------------------


async def test_dead_redis_degrades_fast_and_opens_the_circuit() -> None:
    metrics = Metrics()
    breaker = CircuitBreaker("redis", failure_threshold=3, reset_seconds=60)
    breaker.add_listener(metrics.track_circuit)
    redis = Redis.from_url(DEAD_REDIS, socket_timeout=0.25, socket_connect_timeout=0.25)
    cache = RedisCache(
        redis, breaker=breaker, timeout_seconds=0.25, stats=CacheStats(metrics, "redis")
    )
    calls = 0

    async def loader() -> dict[str, int]:
        nonlocal calls
        calls += 1
        return {"fresh": calls}

    try:
        started = time.perf_counter()
        assert await cache.get_json("user:1") is None
        await cache.set_json("user:1", {"a": 1}, 60)
        await cache.delete("user:1", search_key("q"))
        await cache.delete_prefix(SEARCH_PREFIX)
        await cache.delete_prefix("meal-plan:")
        for _ in range(50):
            assert await cache.get_or_load_json("recipe:1", 60, loader) == {"fresh": calls}
        elapsed = time.perf_counter() - started
    finally:
        await redis.aclose()
    assert elapsed < 2.0
    assert calls == 50  # every read fell through to the loader
    assert breaker.state is CircuitState.OPEN
    registry = metrics.registry
    assert registry.get_sample_value("mealplanner_circuit_state", {"circuit": "redis"}) == 2
    assert (
        registry.get_sample_value("mealplanner_cache_errors_total", {"cache": "redis"}) or 0
    ) > 3


def test_circuit_half_opens_after_the_cooldown() -> None:
    clock = FakeClock()
    seen: list[CircuitState] = []
    breaker = CircuitBreaker("x", failure_threshold=2, reset_seconds=5, clock=clock)
    breaker.add_listener(lambda _name, s: seen.append(s))
    breaker.record_failure()
    assert breaker.allow()
    breaker.record_failure()
    assert not breaker.allow()
    clock.now += 5
    assert breaker.allow()  # the probe
    assert not breaker.allow()  # only one at a time
    breaker.record_failure()
    assert breaker.state is CircuitState.OPEN
    clock.now += 5
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state is CircuitState.CLOSED
    assert seen == [
        CircuitState.CLOSED,
        CircuitState.OPEN,
        CircuitState.HALF_OPEN,
        CircuitState.OPEN,
        CircuitState.HALF_OPEN,
        CircuitState.CLOSED,
    ]


async def test_api_keeps_working_when_redis_is_unreachable(test_settings: Settings) -> None:
    broken = create_app(test_settings.model_copy(update={"redis_url": DEAD_REDIS}))
    async with broken.router.lifespan_context(broken):
        transport = httpx.ASGITransport(app=broken)
        async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as c:
            ready = await c.get("http://test/ready")
            assert ready.status_code == 503
            assert ready.json()["checks"]["redis"] == "unreachable"
            assert ready.json()["checks"]["database"] == "ok"
            account = await register(c)
            me = await c.get("/auth/me", headers=account.headers)
            assert me.status_code == 200
            assert me.json()["email"] == account.email
            state: AppState = broken.state.services
            loaded = await state.cache.get_or_load_json(
                user_key(account.id), 300, lambda: _value({"id": str(account.id)})
            )
            assert loaded == {"id": str(account.id)}


async def _value(value: Any) -> Any:
    return value


# -- L1 static data --------------------------------------------------------------------------


async def test_static_cache_without_redis() -> None:
    clock = FakeClock()
    l1 = StaticDataCache(ttl_seconds=60, clock=clock)
    l1.set("units", ["g", "ml"])
    assert l1.get("units") == ["g", "ml"]
    await l1.invalidate("units")
    assert l1.get("units") is None
    loads = 0

    async def load() -> list[str]:
        nonlocal loads
        loads += 1
        return ["cup"]

    assert await l1.get_or_load("units", load) == ["cup"]
    assert await l1.get_or_load("units", load) == ["cup"]
    assert loads == 1
    clock.now += 61
    assert l1.get("units") is None


@needs_redis
async def test_static_cache_invalidation_reaches_other_processes(
    app: FastAPI, test_settings: Settings
) -> None:
    other = create_app(test_settings)
    async with other.router.lifespan_context(other):
        mine: AppState = app.state.services
        theirs: AppState = other.state.services
        await asyncio.wait_for(mine.static_cache.subscribed.wait(), 5)
        await asyncio.wait_for(theirs.static_cache.subscribed.wait(), 5)
        for l1 in (mine.static_cache, theirs.static_cache):
            l1.set("units", ["g"])
            l1.set("categories", ["soup"])
        await mine.static_cache.invalidate("units")
        assert mine.static_cache.get("units") is None
        deadline = time.monotonic() + 3
        while theirs.static_cache.get("units") is not None:
            assert time.monotonic() < deadline, "invalidation did not arrive"
            await asyncio.sleep(0.02)
        assert theirs.static_cache.get("categories") == ["soup"]
        await theirs.static_cache.invalidate()  # everything, everywhere
        deadline = time.monotonic() + 3
        while mine.static_cache.get("categories") is not None:
            assert time.monotonic() < deadline, "invalidation did not arrive"
            await asyncio.sleep(0.02)


async def test_deletes_in_a_unit_of_work_are_repeated_after_it() -> None:
    from mealplanner.core.cache import deletes_repeated_after_commit

    cache = MemoryCache()
    await cache.set_json("recipe:r", {"v": 1}, 60)
    async with deletes_repeated_after_commit():
        await cache.delete("recipe:r")
        await cache.delete_prefix("search:")
        # Another request read the rows before this transaction committed and cached them.
        await cache.set_json("recipe:r", {"v": "stale"}, 60)
        await cache.set_json("search:x", {"v": "stale"}, 60)
    assert await cache.get_json("recipe:r") is None
    assert await cache.get_json("search:x") is None
    # Outside a unit of work nothing is recorded or repeated.
    await cache.delete("recipe:r")
    await cache.set_json("recipe:r", {"v": 2}, 60)
    assert await cache.get_json("recipe:r") == {"v": 2}


async def test_a_failed_unit_of_work_repeats_nothing() -> None:
    from mealplanner.core.cache import deletes_repeated_after_commit

    cache = MemoryCache()

    async def unit() -> None:
        async with deletes_repeated_after_commit():
            await cache.delete("recipe:r")
            await cache.set_json("recipe:r", {"v": 2}, 60)
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        await unit()
    assert await cache.get_json("recipe:r") == {"v": 2}
