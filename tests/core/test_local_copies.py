"""Process-local copies of hot Redis keys (`LocalCopies`): fast, and never stale after a delete
in any process."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from mealplanner.app import create_app
from mealplanner.core.cache import (
    SEARCH_PREFIX,
    LocalCopies,
    RedisCache,
    StaticDataCache,
    recipe_key,
    search_key,
)
from mealplanner.core.config import Settings
from mealplanner.core.state import AppState
from tests.fixtures.backends import is_postgres

needs_redis = pytest.mark.skipif(not is_postgres(), reason="needs Redis (postgres backend)")


def local_copies(state: AppState) -> LocalCopies:
    assert isinstance(state.cache, RedisCache)
    assert state.cache.local is not None
    return state.cache.local


async def eventually_none(state: AppState, key: str) -> None:
    """Pub/sub delivery is asynchronous: allow it a moment (it takes well under 1 ms)."""
    for _ in range(100):
        if await state.cache.get_json(key) is None:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{key} is still served")


@needs_redis
async def test_reads_are_served_from_the_process_after_the_first(state: AppState) -> None:
    assert state.redis is not None
    key = recipe_key(uuid.uuid4())
    await state.cache.set_json(key, {"v": 1}, 60)
    assert await state.cache.get_json(key) == {"v": 1}  # from Redis, copied
    assert key in local_copies(state)._copies
    # Changed behind the cache's back: the copy answers without asking Redis.
    await state.redis.set(f"cache:{key}", b'{"v": 2}', ex=60)
    assert await state.cache.get_json(key) == {"v": 1}
    # Other keys are never copied.
    await state.cache.set_json("shopping-list:x", {"v": 1}, 60)
    await state.cache.get_json("shopping-list:x")
    assert "shopping-list:x" not in local_copies(state)._copies


@needs_redis
async def test_a_delete_in_one_process_drops_the_copies_of_every_process(
    test_settings: Settings,
) -> None:
    first, second = create_app(test_settings), create_app(test_settings)
    async with (
        first.router.lifespan_context(first),
        second.router.lifespan_context(second),
    ):
        a: AppState = first.state.services
        b: AppState = second.state.services
        for s in (a, b):
            await asyncio.wait_for(s.static_cache.subscribed.wait(), 5)
        key = recipe_key(uuid.uuid4())
        await a.cache.set_json(key, {"v": 1}, 60)
        assert await a.cache.get_json(key) == {"v": 1}
        assert await b.cache.get_json(key) == {"v": 1}
        await a.cache.delete(key)
        assert await a.cache.get_json(key) is None
        await eventually_none(b, key)
        # Prefix deletes reach the copies too.
        await b.cache.set_json(key, {"v": 3}, 60)
        assert await a.cache.get_json(key) == {"v": 3}
        await b.cache.delete_prefix("recipe:")
        await eventually_none(a, key)


@needs_redis
@pytest.mark.parametrize("key", [recipe_key("short-lived"), search_key("short lived")])
async def test_a_copy_never_outlives_the_shared_entry(state: AppState, key: str) -> None:
    await state.cache.set_json(key, {"v": 1}, 1)
    assert await state.cache.get_json(key) == {"v": 1}
    assert key in local_copies(state)._copies
    await asyncio.sleep(1.2)
    assert await state.cache.get_json(key) is None


@needs_redis
async def test_dropping_every_search_page_reaches_the_other_processes(
    test_settings: Settings, state: AppState
) -> None:
    other = create_app(test_settings)
    async with other.router.lifespan_context(other):
        b: AppState = other.state.services
        await asyncio.wait_for(b.static_cache.subscribed.wait(), 5)
        key = search_key("copied page")
        await state.cache.set_json(key, {"page": 1}, 60)
        assert await b.cache.get_json(key) == {"page": 1}
        assert key in local_copies(b)._copies
        await state.cache.delete_prefix(SEARCH_PREFIX)  # a recipe changed
        await eventually_none(b, key)


async def test_no_copy_is_kept_when_an_invalidation_raced_the_read() -> None:
    l1 = StaticDataCache()
    copies = LocalCopies(l1, ("recipe:",), ttl_seconds=60, max_entries=10)
    generation = copies.generation  # read from Redis starts ...
    await copies.invalidate(["recipe:1"])  # ... the key is deleted meanwhile ...
    copies.put("recipe:1", b"{}", generation, 60)  # ... and the read ends
    assert copies.get("recipe:1") is None
    copies.put("recipe:1", b"{}", copies.generation, 60)
    assert copies.get("recipe:1") == b"{}"


async def test_copies_are_bounded_and_unused_while_unsubscribed() -> None:
    l1 = StaticDataCache()
    copies = LocalCopies(l1, ("recipe:",), ttl_seconds=60, max_entries=3)
    for n in range(5):
        copies.put(f"recipe:{n}", b"{}", copies.generation, 60)
    assert len(copies) == 3
    assert copies.get("recipe:0") is None
    assert copies.get("recipe:4") == b"{}"
    # Redis configured but the listener down: a delete elsewhere could be missed.
    l1._redis = object()  # type: ignore[assignment]
    assert copies.get("recipe:4") is None
    l1.subscribed.set()
    assert copies.get("recipe:4") == b"{}"
    # A resubscription clears everything (messages may have been missed meanwhile).
    l1.invalidate_local()
    assert len(copies) == 0


@needs_redis
async def test_a_process_that_does_not_listen_still_announces_its_deletes(
    test_settings: Settings, state: AppState
) -> None:
    """CLI commands and the job worker build their state without the API's start-up: their
    deletes must still drop the API processes' copies, and they never use copies themselves."""
    from mealplanner.app import build_state

    other = build_state(test_settings)
    try:
        key = recipe_key(uuid.uuid4())
        await state.cache.set_json(key, {"v": 1}, 60)
        assert await state.cache.get_json(key) == {"v": 1}
        assert key in local_copies(state)._copies
        await other.cache.delete(key)
        await eventually_none(state, key)
        assert not other.static_cache.current
        await other.cache.set_json(key, {"v": 2}, 60)
        assert await other.cache.get_json(key) == {"v": 2}
        assert key not in local_copies(other)._copies
    finally:
        assert other.redis is not None
        await other.redis.aclose()
        await other.db.dispose()
