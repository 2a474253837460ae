"""Recipe popularity recomputed in the background from the queue (recipes/popularity.py)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from mealplanner.core.config import Settings
from mealplanner.core.db import Database
from mealplanner.core.periodic import Periodic
from mealplanner.core.state import AppState
from mealplanner.recipes import popularity
from mealplanner.recipes.models import PopularityQueue, Recipe
from mealplanner.recipes.popularity import refresh_popularity
from tests.fixtures.users import Account
from tests.mealplans.conftest import add_meal, catalog_recipe, create_plan


async def stored(state: AppState, recipe_id: str) -> Any:
    async with state.db.session() as session:
        row = await session.execute(
            select(
                Recipe.favorite_count, Recipe.times_planned, Recipe.popularity, Recipe.updated_at
            ).where(Recipe.id == uuid.UUID(recipe_id))
        )
        return row.one()


async def queued(state: AppState) -> set[uuid.UUID]:
    async with state.db.session() as session:
        return set((await session.execute(select(PopularityQueue.recipe_id))).scalars())


async def test_counters_move_at_once_and_popularity_after_a_refresh(
    client: httpx.AsyncClient, user: Account, admin: Account, state: AppState
) -> None:
    recipe = await catalog_recipe(client, user, "mealType=dinner")
    before = await stored(state, recipe["id"])
    plan = await create_plan(client, user)
    added = await add_meal(
        client, user, plan["id"], date="2025-10-14", mealType="dinner", recipeId=recipe["id"]
    )
    assert added.status_code == 201, added.text
    for account in (user, admin):
        response = await client.post(f"/recipes/{recipe['id']}/favorite", headers=account.headers)
        assert response.status_code == 200, response.text

    # What the API shows is current; the indexed popularity waits for the refresh.
    detail = (await client.get(f"/recipes/{recipe['id']}", headers=user.headers)).json()
    assert (detail["favoriteCount"], detail["timesPlanned"]) == (2, 1)
    after = await stored(state, recipe["id"])
    assert (after.favorite_count, after.times_planned, after.popularity) == (2, 1, 0)
    # Planning or favouriting a recipe is not an edit of it.
    assert after.updated_at == before.updated_at
    assert await queued(state) == {uuid.UUID(recipe["id"])}

    assert await refresh_popularity(state.db) == 1
    refreshed = await stored(state, recipe["id"])
    assert refreshed.popularity == 3
    assert refreshed.updated_at == before.updated_at
    assert await queued(state) == set()
    # Nothing queued: a refresh changes nothing.
    assert await refresh_popularity(state.db) == 0

    # Un-favouriting queues it again and lowers it.
    gone = await client.delete(f"/recipes/{recipe['id']}/favorite", headers=admin.headers)
    assert gone.status_code == 200, gone.text
    assert await refresh_popularity(state.db) == 1
    assert (await stored(state, recipe["id"])).popularity == 2


async def test_popular_first_order_follows_the_refresh(
    client: httpx.AsyncClient, user: Account, state: AppState
) -> None:
    last = await catalog_recipe(client, user, "sort=name:desc")
    assert (await client.post(f"/recipes/{last['id']}/favorite", headers=user.headers)).is_success
    await refresh_popularity(state.db)
    top = await client.get("/recipes?sort=popularity:desc&limit=1", headers=user.headers)
    assert top.status_code == 200, top.text
    assert [r["id"] for r in top.json()["data"]] == [last["id"]]


async def test_a_queued_recipe_deleted_since_is_dropped(state: AppState) -> None:
    async with state.db.session() as session:
        session.add(PopularityQueue(recipe_id=uuid.uuid4()))
    assert await refresh_popularity(state.db) == 0
    assert await queued(state) == set()


async def test_a_backlog_is_worked_off_in_batches(
    state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(popularity, "BATCH", 3)
    async with state.db.session() as session:
        ids = list((await session.execute(select(Recipe.id).limit(8))).scalars())
        # Counters changed behind the refresher's back, as a bump would leave them.
        for recipe_id in ids:
            recipe = await session.get(Recipe, recipe_id)
            assert recipe is not None
            recipe.times_planned = 5
            session.add(PopularityQueue(recipe_id=recipe_id))
    assert await refresh_popularity(state.db) == 8
    assert await queued(state) == set()
    async with state.db.session() as session:
        pops = (await session.execute(select(Recipe.popularity).where(Recipe.id.in_(ids)))).all()
    assert {p for (p,) in pops} == {5}


async def test_a_failed_refresh_keeps_the_queue(state: AppState) -> None:
    recipe_id = uuid.uuid4()
    async with state.db.session() as session:
        session.add(PopularityQueue(recipe_id=recipe_id))
    broken = Database(Settings(database_url="sqlite+aiosqlite:////nonexistent/dir/x.db"))
    assert await refresh_popularity(broken) == 0
    await broken.dispose()
    assert await queued(state) == {recipe_id}


async def test_periodic_runs_its_action_and_once_more_when_closed() -> None:
    runs: list[int] = []
    two_rounds = asyncio.Event()

    async def action() -> None:
        runs.append(len(runs))
        if len(runs) >= 2:
            two_rounds.set()

    loop = Periodic("test-loop", 0.01, action)
    loop.start()
    assert loop.running
    await asyncio.wait_for(two_rounds.wait(), 5)
    await loop.close()
    assert not loop.running
    total = len(runs)
    await asyncio.sleep(0.05)
    assert len(runs) == total  # stopped
    assert total >= 3  # at least two rounds and the closing one
