"""Read-only recipe routes trust a recently checked sign-in session (auth/identity.py).

Whatever ends a session or changes what it may read must still take effect on the very next
read: logout, revoking sessions, password changes, disabling and demoting users.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from mealplanner.auth.identity import IdentityCache, identities
from mealplanner.core.cache import StaticDataCache
from mealplanner.core.state import AppState
from tests.fixtures.users import Account, make_admin, register
from tests.recipes.conftest import create_recipe, recipe_payload


@contextmanager
def count_statements(state: AppState) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statement = str(args[2])
        # The view buffer's once-a-second batch runs on the same engine in the background.
        if "INSERT INTO activities" not in statement and "FROM users \nWHERE users.id IN" not in (
            statement
        ):
            statements.append(statement)

    engine = state.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def first_catalog_recipe(client: httpx.AsyncClient, account: Account) -> str:
    page = await client.get("/recipes", params={"limit": 1}, headers=account.headers)
    assert page.status_code == 200
    return str(page.json()["data"][0]["id"])


async def test_a_cached_recipe_view_needs_no_database(
    client: httpx.AsyncClient, user: Account, state: AppState
) -> None:
    recipe_id = await first_catalog_recipe(client, user)
    first = await client.get(f"/recipes/{recipe_id}", headers=user.headers)
    assert first.status_code == 200
    with count_statements(state) as statements:
        again = await client.get(f"/recipes/{recipe_id}", headers=user.headers)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert statements == []


async def test_cached_pages_need_no_database(
    client: httpx.AsyncClient, user: Account, state: AppState
) -> None:
    for path in ("/recipes?limit=5", "/recipes/search?q=soup"):
        first = await client.get(path, headers=user.headers)
        assert first.status_code == 200
        with count_statements(state) as statements:
            again = await client.get(path, headers=user.headers)
        assert again.json() == first.json()
        assert statements == [], path


async def test_own_private_recipes_show_in_pages_at_once(
    client: httpx.AsyncClient, user: Account
) -> None:
    searched = await client.get("/recipes/search?q=grandma", headers=user.headers)
    assert searched.json()["data"] == []
    created = await client.post(
        f"/users/{user.id}/recipes",
        json=recipe_payload(name="Grandma Private Goulash"),
        headers=user.headers,
    )
    assert created.status_code == 201
    searched = await client.get("/recipes/search?q=grandma", headers=user.headers)
    assert [r["name"] for r in searched.json()["data"]] == ["Grandma Private Goulash"]
    deleted = await client.delete(f"/recipes/{created.json()['id']}", headers=user.headers)
    assert deleted.status_code == 204
    searched = await client.get("/recipes/search?q=grandma", headers=user.headers)
    assert searched.json()["data"] == []


async def test_a_stale_private_flag_never_puts_private_recipes_on_shared_pages(
    client: httpx.AsyncClient, user: Account, other_user: Account, state: AppState
) -> None:
    """The shared ("public") pages are loaded without any private recipe, so even a cached
    "owns no private recipes" flag that is behind cannot leak one to other users."""
    from mealplanner.recipes.service import OWNS_PRIVATE_TTL, owns_private_key

    created = await client.post(
        f"/users/{user.id}/recipes",
        json=recipe_payload(name="Zzyzx Secret Stew"),
        headers=user.headers,
    )
    assert created.status_code == 201
    await state.cache.set_json(owns_private_key(user.id), False, OWNS_PRIVATE_TTL)  # behind
    for path in ("/recipes/search?q=zzyzx", "/recipes?limit=100&sort=createdAt:desc"):
        mine = await client.get(path, headers=user.headers)
        theirs = await client.get(path, headers=other_user.headers)
        assert mine.status_code == theirs.status_code == 200
        for body in (mine.json(), theirs.json()):
            assert "Zzyzx Secret Stew" not in [r["name"] for r in body["data"]], path
    # Once the flag is right again, the owner sees it and the others still do not.
    await state.cache.delete(owns_private_key(user.id))
    mine = await client.get("/recipes/search?q=zzyzx", headers=user.headers)
    assert [r["name"] for r in mine.json()["data"]] == ["Zzyzx Secret Stew"]
    theirs = await client.get("/recipes/search?q=zzyzx", headers=other_user.headers)
    assert theirs.json()["data"] == []


async def test_logout_ends_reads_at_once(client: httpx.AsyncClient, user: Account) -> None:
    recipe_id = await first_catalog_recipe(client, user)
    for _ in range(2):
        assert (await client.get(f"/recipes/{recipe_id}", headers=user.headers)).status_code == 200
    assert (await client.post("/auth/logout", headers=user.headers)).status_code == 204
    for path in (f"/recipes/{recipe_id}", "/recipes", "/recipes/search?q=soup"):
        response = await client.get(path, headers=user.headers)
        assert response.status_code == 401, path
        assert response.json()["error"]["code"] == "UNAUTHORIZED"


async def test_password_change_ends_the_other_sessions_reads(client: httpx.AsyncClient) -> None:
    account = await register(client)
    other = await client.post(
        "/auth/login", json={"email": account.email, "password": account.password}
    )
    other_headers = {"Authorization": f"Bearer {other.json()['accessToken']}"}
    recipe_id = await first_catalog_recipe(client, account)
    assert (await client.get(f"/recipes/{recipe_id}", headers=other_headers)).status_code == 200
    changed = await client.patch(
        f"/users/{account.id}/password",
        json={"currentPassword": account.password, "newPassword": "a brand new password"},
        headers=account.headers,
    )
    assert changed.status_code == 204, changed.text
    assert (await client.get(f"/recipes/{recipe_id}", headers=other_headers)).status_code == 401
    # The session that changed the password keeps working.
    assert (await client.get(f"/recipes/{recipe_id}", headers=account.headers)).status_code == 200


async def test_disabling_a_user_ends_their_reads(
    client: httpx.AsyncClient, user: Account, admin: Account
) -> None:
    recipe_id = await first_catalog_recipe(client, user)
    assert (await client.get(f"/recipes/{recipe_id}", headers=user.headers)).status_code == 200
    disabled = await client.patch(
        f"/admin/users/{user.id}", json={"disabled": True}, headers=admin.headers
    )
    assert disabled.status_code == 200, disabled.text
    assert (await client.get(f"/recipes/{recipe_id}", headers=user.headers)).status_code == 401


async def test_a_demoted_admin_stops_reading_private_recipes(
    client: httpx.AsyncClient, user: Account, admin: Account, state: AppState
) -> None:
    second = await register(client)
    await make_admin(state, second)
    private = await client.post(
        f"/users/{user.id}/recipes",
        json=recipe_payload(name="Secret Family Soup"),
        headers=user.headers,
    )
    assert private.status_code == 201, private.text
    path = f"/recipes/{private.json()['id']}"
    assert (await client.get(path, headers=second.headers)).status_code == 200
    demoted = await client.patch(
        f"/admin/users/{second.id}", json={"role": "user"}, headers=admin.headers
    )
    assert demoted.status_code == 200, demoted.text
    assert (await client.get(path, headers=second.headers)).status_code == 404


async def test_favourite_flag_follows_favouriting(
    client: httpx.AsyncClient, user: Account, admin: Account
) -> None:
    recipe = await create_recipe(client, admin, name="Flag Probe Pie")
    path = f"/recipes/{recipe['id']}"
    assert (await client.get(path, headers=user.headers)).json()["isFavorite"] is False
    await client.post(f"{path}/favorite", headers=user.headers)
    body = (await client.get(path, headers=user.headers)).json()
    assert body["isFavorite"] is True
    assert body["favoriteCount"] == 1
    # Another user's flag is their own.
    assert (await client.get(path, headers=admin.headers)).json()["isFavorite"] is False
    await client.delete(f"{path}/favorite", headers=user.headers)
    body = (await client.get(path, headers=user.headers)).json()
    assert (body["isFavorite"], body["favoriteCount"]) == (False, 0)


# -- the cache itself ------------------------------------------------------------------------


def role_of(cache: IdentityCache, user_id: uuid.UUID, session_id: uuid.UUID) -> str | None:
    reader = cache.reader(user_id, session_id)
    if reader is not None:
        assert reader.id == user_id
    return None if reader is None else reader.role


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_remembered_sessions_expire() -> None:
    clock = FakeClock()
    cache = IdentityCache(StaticDataCache(clock=clock), 60, clock=clock)
    user, sid = uuid.uuid4(), uuid.uuid4()
    cache.remember(user, sid, "user", cache.generation)
    assert role_of(cache, user, sid) == "user"
    assert role_of(cache, user, uuid.uuid4()) is None
    clock.now += 61
    assert role_of(cache, user, sid) is None


async def test_a_check_that_raced_an_invalidation_is_not_kept() -> None:
    cache = IdentityCache(StaticDataCache(), 60)
    user, sid = uuid.uuid4(), uuid.uuid4()
    generation = cache.generation  # the database check starts ...
    await cache.forget(user)  # ... a logout commits meanwhile ...
    cache.remember(user, sid, "user", generation)  # ... and the check ends
    assert role_of(cache, user, sid) is None
    cache.remember(user, sid, "user", cache.generation)
    assert role_of(cache, user, sid) == "user"
    await cache.forget(user)
    assert role_of(cache, user, sid) is None


def test_not_used_while_invalidations_cannot_arrive() -> None:
    l1 = StaticDataCache()
    cache = IdentityCache(l1, 60)
    user, sid = uuid.uuid4(), uuid.uuid4()
    cache.remember(user, sid, "admin", cache.generation)
    assert role_of(cache, user, sid) == "admin"
    # With Redis configured but the listener not subscribed, a revocation could be missed.
    l1._redis = object()  # type: ignore[assignment]
    assert not cache.usable
    assert role_of(cache, user, sid) is None
    l1.subscribed.set()
    assert role_of(cache, user, sid) == "admin"
    assert not IdentityCache(StaticDataCache(), 0).usable
    assert not IdentityCache(StaticDataCache(), 60, enabled=False).usable


def test_installed_with_the_app(state: AppState) -> None:
    cache = identities(state)
    assert cache is not None
    assert cache.ttl_seconds == state.settings.auth_cache_seconds
    assert cache.publish_committed in state.commit_hooks


@pytest.mark.parametrize("workers", [1, 2])
def test_several_workers_without_redis_never_remember(workers: int, state: AppState) -> None:
    from mealplanner.auth.identity import install

    settings = state.settings.model_copy(update={"serve_workers": workers})
    other = AppState(settings=settings, db=state.db, passwords=state.passwords, tokens=state.tokens)
    # Without Redis an invalidation cannot reach the other workers.
    assert install(other).enabled is (workers == 1)
    other.redis = state.redis or object()  # type: ignore[assignment]
    assert install(other).enabled is True


def test_remembered_sessions_stay_bounded() -> None:
    from mealplanner.auth import identity

    cache = IdentityCache(StaticDataCache(), 60)
    for _ in range(identity.PRUNE_AT + 10):
        cache.remember(uuid.uuid4(), uuid.uuid4(), "user", cache.generation)
    assert len(cache.l1) <= identity.PRUNE_AT
