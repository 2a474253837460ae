"""The suggestion candidate pools shared between users with the same hard filters."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import or_, select, update

from mealplanner.ai import pools
from mealplanner.ai.engine.recommender import RecipeFeatures
from mealplanner.ai.repository import AIRepository, HardFilters, SuggestionRow
from mealplanner.core.cache import CANDIDATE_POOLS_STAMP_KEY, Cache, RedisCache
from mealplanner.core.circuit import CircuitBreaker
from mealplanner.core.state import AppState
from mealplanner.recipes.models import VISIBILITY_PUBLIC, Recipe
from tests.ai.test_suggestions import suggest
from tests.fixtures.backends import DEAD_REDIS
from tests.fixtures.users import Account
from tests.recipes.conftest import create_recipe, recipe_payload

DINNER = HardFilters(meal_types=("dinner",))


@pytest.fixture(autouse=True)
def fresh_pools() -> Iterator[None]:
    pools.CANDIDATE_POOLS.clear()
    yield
    pools.CANDIDATE_POOLS.clear()


@pytest.fixture
def pool_loads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int | None, tuple[str, ...]]]:
    """Every `public_pool` query: (how many popular rows, the cuisines asked for)."""
    loads: list[tuple[int | None, tuple[str, ...]]] = []
    real = AIRepository.public_pool

    async def spy(self: AIRepository, filters: HardFilters, **kwargs: Any) -> Any:
        loads.append((kwargs["popular"], tuple(kwargs.get("cuisines", ()))))
        return await real(self, filters, **kwargs)

    monkeypatch.setattr(AIRepository, "public_pool", spy)
    return loads


async def _candidates(
    state: AppState,
    user_id: uuid.UUID,
    filters: HardFilters = DINNER,
    *,
    cache: Cache | None = None,
    candidate_pools: pools.CandidatePools | None = None,
    **kwargs: Any,
) -> pools.Candidates:
    async with state.db.session() as session:
        return await pools.suggestion_candidates(
            session,
            state.cache if cache is None else cache,
            candidate_pools or pools.CANDIDATE_POOLS,
            user_id,
            filters,
            pool=kwargs.pop("pool", 300),
            **kwargs,
        )


def _ids(found: pools.Candidates) -> set[str]:
    return {str(r.id) for r in found.recipes}


async def test_users_with_the_same_filters_share_one_load(
    client: httpx.AsyncClient,
    user: Account,
    other_user: Account,
    pool_loads: list[tuple[int | None, tuple[str, ...]]],
) -> None:
    depth = pools.POPULAR_DEPTH
    first = await suggest(client, user, "dinner")
    assert pool_loads == [(depth, ())]
    second = await suggest(client, other_user, "dinner")
    assert pool_loads == [(depth, ())]  # the second user's suggestions used the same pool
    assert [i["recipeId"] for i in first] == [i["recipeId"] for i in second]
    await suggest(client, user, "lunch")  # other hard filters, another pool
    assert pool_loads == [(depth, ()), (depth, ())]


async def test_rare_cuisines_get_their_own_lists_once(
    state: AppState, user: Account, pool_loads: list[tuple[int | None, tuple[str, ...]]]
) -> None:
    # A shallow pool (5 rows deep, 5 per part) stands in for a catalog where these cuisines
    # are too rare to fill a part from the head of the popularity order.
    shallow = pools.CandidatePools(depth=5)
    italian = await _candidates(
        state, user.id, pool=5, cuisines=["italian"], candidate_pools=shallow
    )
    assert pool_loads == [(5, ()), (None, ("italian",))]
    both = await _candidates(
        state, user.id, pool=5, cuisines=["mexican", "italian"], candidate_pools=shallow
    )
    assert pool_loads[2:] == [(None, ("mexican",))]  # only the missing cuisine
    again = await _candidates(
        state, user.id, pool=5, cuisines=["italian", "mexican"], candidate_pools=shallow
    )
    assert len(pool_loads) == 3
    assert _ids(both) == _ids(again)
    async with state.db.session() as session:
        top_italian = await session.execute(
            select(Recipe.id, Recipe.meal_types)
            .where(Recipe.visibility == VISIBILITY_PUBLIC, Recipe.cuisine == "italian")
            .order_by(Recipe.popularity.desc(), Recipe.id.desc())
        )
        expected = [r for r, types in top_italian if "dinner" in types][:5]
    assert len(expected) == 5
    assert {str(r) for r in expected} <= _ids(italian)

    # Deep enough (the default; the test catalog is smaller), the head is enough.
    await _candidates(state, user.id, pool=5, cuisines=["italian", "mexican"])
    assert pool_loads[3:] == [(pools.POPULAR_DEPTH, ())]


@pytest.mark.parametrize("depth", [8, 40, pools.POPULAR_DEPTH])
async def test_matches_one_query_over_the_catalog(
    state: AppState, user: Account, other_user: Account, depth: int
) -> None:
    """The merged pools pick what one `ORDER BY popularity DESC, id DESC LIMIT` per part
    over the readable catalog picks, the user's own recipes included and another user's
    never, whether the cuisines' part comes from per-cuisine lists (shallow pool), from the
    head of a full list, or from a list holding the whole catalog."""
    async with state.db.session() as session:
        catalog = list(
            (
                await session.execute(
                    select(Recipe.id).where(Recipe.visibility == VISIBILITY_PUBLIC).limit(60)
                )
            ).scalars()
        )
        # Popularity ties and near-ties around the cut, and a private recipe of this user
        # that belongs in the top of both parts.
        for n, recipe_id in enumerate(catalog):
            await session.execute(
                update(Recipe).where(Recipe.id == recipe_id).values(popularity=n % 7)
            )
    private = await _own_recipe(state, user, cuisine="italian", meal_types=["dinner"])
    async with state.db.session() as session:
        await session.execute(update(Recipe).where(Recipe.id == private).values(popularity=6))
    # Another user's private recipe, in this user's history and related recipes (as a
    # recipe made private after being planned would be): never a candidate, and its
    # cuisine does not count as one the user likes.
    theirs = await _own_recipe(state, other_user, cuisine="thai", meal_types=["dinner"])
    history = [*catalog[:3], theirs]
    related = [*catalog[40:60], theirs]
    filters = HardFilters(meal_types=("dinner",), max_total_minutes=60)
    found = await _candidates(
        state,
        user.id,
        filters,
        pool=8,
        cuisines=["italian"],
        history_ids=history,
        include_ids=related,
        candidate_pools=pools.CandidatePools(depth=depth),
    )

    async def top(*conditions: Any) -> set[str]:
        async with state.db.session() as session:
            rows = await session.execute(
                select(Recipe.id, Recipe.meal_types)
                .where(
                    or_(Recipe.visibility == VISIBILITY_PUBLIC, Recipe.owner_id == user.id),
                    Recipe.total_minutes <= 60,
                    *conditions,
                )
                .order_by(Recipe.popularity.desc(), Recipe.id.desc())
            )
            return {str(r) for r, types in rows if "dinner" in types}

    async def first(ids: set[str], n: int) -> set[str]:
        async with state.db.session() as session:
            rows = await session.execute(
                select(Recipe.id)
                .where(Recipe.id.in_([uuid.UUID(i) for i in ids]))
                .order_by(Recipe.popularity.desc(), Recipe.id.desc())
                .limit(n)
            )
            return {str(r) for r in rows.scalars()}

    async with state.db.session() as session:
        cuisines = set(
            (
                await session.execute(select(Recipe.cuisine).where(Recipe.id.in_(catalog[:3])))
            ).scalars()
        )
    expected = (
        await first(await top(), 8)
        | await first(await top(Recipe.cuisine.in_({"italian", *cuisines})), 8)
        | await top(Recipe.id.in_(related))
    )
    assert str(private) in expected
    assert str(theirs) not in expected
    assert _ids(found) == expected
    assert {str(r.id) for r in found.liked} == {str(r) for r in catalog[:3]}


async def test_public_recipe_writes_reach_every_pool(
    client: httpx.AsyncClient, state: AppState, user: Account, admin: Account
) -> None:
    before = await _candidates(state, user.id)
    assert await state.cache.get_json(CANDIDATE_POOLS_STAMP_KEY) is not None
    created = await create_recipe(client, admin, name="Pool Probe Stew", mealTypes=["dinner"])
    assert await state.cache.get_json(CANDIDATE_POOLS_STAMP_KEY) is None
    # Never planned, so popularity 0, but the newest id comes first among ties.
    after = await _candidates(state, user.id)
    assert created["id"] in _ids(after)
    assert _ids(before) < _ids(after)

    edit = await client.patch(
        f"/recipes/{created['id']}", json={"mealTypes": ["breakfast"]}, headers=admin.headers
    )
    assert edit.status_code == 200
    assert created["id"] not in _ids(await _candidates(state, user.id))
    breakfast = HardFilters(meal_types=("breakfast",))
    assert created["id"] in _ids(await _candidates(state, user.id, breakfast))

    # Taken out of the catalog: gone from every pool at once.
    hidden = await client.patch(
        f"/recipes/{created['id']}", json={"visibility": "private"}, headers=admin.headers
    )
    assert hidden.status_code == 200
    assert created["id"] not in _ids(await _candidates(state, user.id, breakfast))

    second = await create_recipe(client, admin, name="Pool Probe Bake", mealTypes=["breakfast"])
    assert second["id"] in _ids(await _candidates(state, user.id, breakfast))
    deleted = await client.delete(f"/recipes/{second['id']}", headers=admin.headers)
    assert deleted.status_code == 204
    assert second["id"] not in _ids(await _candidates(state, user.id, breakfast))


async def test_own_private_recipes_need_no_pool_change(
    client: httpx.AsyncClient,
    state: AppState,
    user: Account,
    other_user: Account,
    pool_loads: list[tuple[int | None, tuple[str, ...]]],
) -> None:
    await _candidates(state, user.id)
    response = await client.post(
        f"/users/{user.id}/recipes",
        json=recipe_payload(name="My Secret Dinner", mealTypes=["dinner"]),
        headers=user.headers,
    )
    assert response.status_code == 201, response.text
    mine = response.json()["id"]
    assert await state.cache.get_json(CANDIDATE_POOLS_STAMP_KEY) is not None
    assert mine in _ids(await _candidates(state, user.id))
    assert mine not in _ids(await _candidates(state, other_user.id))
    assert len(pool_loads) == 1


async def test_excluded_ids_apply_per_request(state: AppState, user: Account) -> None:
    everything = await _candidates(state, user.id)
    gone = frozenset(r.id for r in everything.recipes[:5])
    fewer = await _candidates(state, user.id, HardFilters(meal_types=("dinner",), exclude_ids=gone))
    assert _ids(fewer) == _ids(everything) - {str(i) for i in gone}


async def test_nothing_is_kept_without_a_reachable_cache(
    state: AppState, user: Account, pool_loads: list[tuple[int | None, tuple[str, ...]]]
) -> None:
    reachable = await _candidates(state, user.id)
    # The real Redis cache, pointed at a port where no Redis listens.
    redis = Redis.from_url(DEAD_REDIS, socket_timeout=0.25, socket_connect_timeout=0.25)
    cache = RedisCache(redis, breaker=CircuitBreaker("redis"), timeout_seconds=0.25)
    try:
        down = [await _candidates(state, user.id, cache=cache) for _ in range(2)]
    finally:
        await redis.aclose()
    # No stamp can be read, so no pool is trusted: each request loads its own, and only as
    # deep as it needs.
    assert pool_loads == [(pools.POPULAR_DEPTH, ()), (300, ()), (300, ())]
    assert _ids(down[0]) == _ids(down[1]) == _ids(reachable)


async def test_pools_expire_and_are_bounded(
    state: AppState, user: Account, pool_loads: list[tuple[int | None, tuple[str, ...]]]
) -> None:
    now = [0.0]
    own = pools.CandidatePools(clock=lambda: now[0])
    await _candidates(state, user.id, candidate_pools=own)
    now[0] += pools.POOL_TTL_SECONDS - 1
    await _candidates(state, user.id, candidate_pools=own)
    assert len(pool_loads) == 1
    now[0] += 1
    await _candidates(state, user.id, candidate_pools=own)
    assert len(pool_loads) == 2  # expired: loaded again

    for minutes in range(pools.MAX_FILTER_SETS):
        filters = HardFilters(meal_types=("dinner",), max_total_minutes=10 + minutes)
        await _candidates(state, user.id, filters, candidate_pools=own)
    assert len(pool_loads) == 2 + pools.MAX_FILTER_SETS
    await _candidates(state, user.id, candidate_pools=own)  # the least recently used
    assert len(pool_loads) == 3 + pools.MAX_FILTER_SETS


async def test_pools_are_bounded_by_rows(
    state: AppState,
    user: Account,
    pool_loads: list[tuple[int | None, tuple[str, ...]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dinner = await _candidates(state, user.id)
    monkeypatch.setattr(pools, "MAX_POOL_ROWS", len(dinner.shared.rows) + 1)
    await _candidates(state, user.id, HardFilters(meal_types=("lunch",)))
    await _candidates(state, user.id, HardFilters(meal_types=("lunch",)))
    assert len(pool_loads) == 2
    await _candidates(state, user.id)  # dropped to keep within the row budget
    assert len(pool_loads) == 3


def test_features_are_kept_for_pool_rows_at_one_scale() -> None:
    def row(popularity: int) -> SuggestionRow:
        return SuggestionRow(
            food_ids=frozenset(),
            id=uuid.uuid4(),
            name="r",
            cuisine="italian",
            tags=frozenset(),
            calories=500,
            protein_g=20,
            total_minutes=30,
            popularity=popularity,
            meal_types=None,
            dietary_flags=None,
            allergens=None,
            search_text=None,
        )

    built: list[tuple[uuid.UUID, float]] = []

    def build(scale: float) -> Any:
        def features(r: SuggestionRow) -> RecipeFeatures:
            built.append((r.id, scale))
            return RecipeFeatures(str(r.id), r.name, r.cuisine, popularity=r.popularity / scale)

        return features

    shared_row, other = row(4), row(2)
    shared = pools.SharedPool(expires=0, popular=[shared_row], depth=1)
    shared.keep([shared_row])
    first = shared.features_for(shared_row, 8, build(8))
    assert shared.features_for(shared_row, 8, build(8)) is first
    assert shared.features_for(shared_row, 4, build(4)).popularity == 1.0  # new scale
    # A row that is not the pool's (a fresh copy of a pool recipe included) is built anew.
    copy = row(4)
    copy.id = shared_row.id
    shared.features_for(copy, 4, build(4))
    shared.features_for(other, 4, build(4))
    assert built == [(shared_row.id, 8), (shared_row.id, 4), (shared_row.id, 4), (other.id, 4)]
    # Other scales are kept too (users who recently planned the most popular recipe rank
    # with another scale), up to MAX_SCALES of them.
    assert shared.features_for(shared_row, 8, build(8)) is first
    for scale in range(10, 10 + pools.MAX_SCALES):
        shared.features_for(shared_row, scale, build(scale))
    assert shared.features_for(shared_row, 8, build(8)) is not first


async def _own_recipe(
    state: AppState, user: Account, *, cuisine: str, meal_types: list[str]
) -> uuid.UUID:
    recipe_id = uuid.uuid4()
    async with state.db.session() as session:
        session.add(
            Recipe(
                id=recipe_id,
                slug=f"pool-{recipe_id.hex[:12]}",
                name="Own Pool Recipe",
                cuisine=cuisine,
                category="main",
                meal_types=meal_types,
                servings=2,
                prep_minutes=10,
                cook_minutes=10,
                total_minutes=20,
                visibility="private",
                owner_id=user.id,
            )
        )
    return recipe_id


async def test_a_pool_loaded_across_a_change_is_not_kept(
    state: AppState, user: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request whose load overlapped a public recipe change (another request saw the new
    stamp meanwhile) answers with what it loaded but does not keep it."""
    real = AIRepository.public_pool
    inner: list[pools.SharedPool] = []
    calls: list[None] = []

    async def overlapping(self: AIRepository, filters: HardFilters, **kwargs: Any) -> Any:
        calls.append(None)
        if len(calls) == 1:
            await state.cache.delete(CANDIDATE_POOLS_STAMP_KEY)  # a change lands
            # and another request (here in the same transaction) sees its stamp
            shared, _, _ = await pools.CANDIDATE_POOLS.shared(
                self.session, state.cache, filters, pool=300, cuisines=()
            )
            inner.append(shared)
        return await real(self, filters, **kwargs)

    monkeypatch.setattr(AIRepository, "public_pool", overlapping)
    outer = await _candidates(state, user.id)
    later = await _candidates(state, user.id)
    assert later.shared is inner[0]
    assert later.shared is not outer.shared


async def test_dropping_cuisine_lists_keeps_the_answer_whole(
    state: AppState, user: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over the per-pool bound, loading a cuisine drops the lists already held, including
    those this request still merges: the answer must still come from all of them."""
    monkeypatch.setattr(pools, "MAX_CUISINE_ENTRIES", 1)
    shallow = pools.CandidatePools(depth=5)
    await _candidates(state, user.id, pool=5, cuisines=["italian"], candidate_pools=shallow)
    both = await _candidates(
        state, user.id, pool=5, cuisines=["italian", "mexican"], candidate_pools=shallow
    )
    reference = await _candidates(
        state,
        user.id,
        pool=5,
        cuisines=["italian", "mexican"],
        candidate_pools=pools.CandidatePools(depth=5),
    )
    assert _ids(both) == _ids(reference)
    assert set(both.shared.by_cuisine) == {"mexican"}
