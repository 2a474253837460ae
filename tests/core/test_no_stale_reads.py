"""Cache consistency: after every kind of write, the next read through the API shows it.

Each test first reads (filling the cache), then writes, then reads again. It runs on both
backends: the in-process cache (SQLite run) and Redis (PostgreSQL run).
"""

from __future__ import annotations

import httpx

from tests.fixtures.users import Account
from tests.mealplans.conftest import add_meal, catalog_recipe, create_plan
from tests.recipes.conftest import create_recipe


async def test_recipe_reads_follow_updates_and_deletes(
    client: httpx.AsyncClient, user: Account, admin: Account
) -> None:
    recipe = await create_recipe(client, admin, name="Stale Probe Stew", tags=["stale-probe"])
    await client.post(f"/recipes/{recipe['id']}/favorite", headers=user.headers)
    # Fill every cache that shows the recipe.
    for path in (
        f"/recipes/{recipe['id']}",
        "/recipes?tags=stale-probe",
        "/recipes/search?q=stale+probe",
        f"/users/{user.id}/favorites",
    ):
        assert (await client.get(path, headers=user.headers)).status_code == 200

    renamed = await client.patch(
        f"/recipes/{recipe['id']}", json={"name": "Fresh Probe Stew"}, headers=admin.headers
    )
    assert renamed.status_code == 200
    detail = await client.get(f"/recipes/{recipe['id']}", headers=user.headers)
    assert detail.json()["name"] == "Fresh Probe Stew"
    listed = await client.get("/recipes?tags=stale-probe", headers=user.headers)
    assert [r["name"] for r in listed.json()["data"]] == ["Fresh Probe Stew"]
    searched = await client.get("/recipes/search?q=fresh+probe", headers=user.headers)
    assert [r["name"] for r in searched.json()["data"]] == ["Fresh Probe Stew"]
    favorites = await client.get(f"/users/{user.id}/favorites", headers=user.headers)
    assert [r["name"] for r in favorites.json()["data"]] == ["Fresh Probe Stew"]

    assert (
        await client.delete(f"/recipes/{recipe['id']}", headers=admin.headers)
    ).status_code == 204
    assert (await client.get(f"/recipes/{recipe['id']}", headers=user.headers)).status_code == 404
    listed = await client.get("/recipes?tags=stale-probe", headers=user.headers)
    assert listed.json()["data"] == []
    favorites = await client.get(f"/users/{user.id}/favorites", headers=user.headers)
    assert favorites.json()["data"] == []


async def test_favorites_follow_favoriting(
    client: httpx.AsyncClient, user: Account, admin: Account
) -> None:
    recipe = await create_recipe(client, admin, name="Favorite Stale Probe")
    assert (await client.get(f"/users/{user.id}/favorites", headers=user.headers)).json()[
        "data"
    ] == []
    await client.post(f"/recipes/{recipe['id']}/favorite", headers=user.headers)
    favorites = await client.get(f"/users/{user.id}/favorites", headers=user.headers)
    assert [r["id"] for r in favorites.json()["data"]] == [recipe["id"]]
    detail = await client.get(f"/recipes/{recipe['id']}", headers=user.headers)
    assert detail.json()["favoriteCount"] == 1
    await client.delete(f"/recipes/{recipe['id']}/favorite", headers=user.headers)
    favorites = await client.get(f"/users/{user.id}/favorites", headers=user.headers)
    assert favorites.json()["data"] == []


async def test_week_plan_follows_every_plan_write(client: httpx.AsyncClient, user: Account) -> None:
    plan = await create_plan(client, user)
    week = f"/users/{user.id}/meal-plans?weekStart=2025-10-13"
    assert (await client.get(week, headers=user.headers)).json()["meals"] == []
    recipe = await catalog_recipe(client, user)
    await add_meal(
        client, user, plan["id"], date="2025-10-14", mealType="dinner", recipeId=recipe["id"]
    )
    meals = (await client.get(week, headers=user.headers)).json()["meals"]
    assert [m["recipe"]["id"] for m in meals] == [recipe["id"]]

    await client.post(
        f"/meal-plans/{plan['id']}/copy-day",
        json={"fromDate": "2025-10-14", "toDate": "2025-10-15"},
        headers=user.headers,
    )
    assert len((await client.get(week, headers=user.headers)).json()["meals"]) == 2

    await client.patch(
        f"/users/{user.id}/meal-plans/{plan['id']}",
        json={"name": "Renamed"},
        headers=user.headers,
    )
    assert (await client.get(week, headers=user.headers)).json()["name"] == "Renamed"

    await client.delete(
        f"/meal-plans/{plan['id']}/meals?mealId={meals[0]['id']}", headers=user.headers
    )
    assert len((await client.get(week, headers=user.headers)).json()["meals"]) == 1

    # A household-size change re-scales per-person nutrition on the next read.
    before = (await client.get(week, headers=user.headers)).json()["days"][2]["perPerson"]
    await client.patch(
        f"/users/{user.id}/preferences", json={"householdSize": 4}, headers=user.headers
    )
    after = (await client.get(week, headers=user.headers)).json()["days"][2]["perPerson"]
    assert after["calories"] < before["calories"]

    await client.delete(f"/users/{user.id}/meal-plans/{plan['id']}", headers=user.headers)
    assert (await client.get(week, headers=user.headers)).status_code == 404


async def test_shopping_list_follows_item_writes(client: httpx.AsyncClient, user: Account) -> None:
    plan = await create_plan(client, user)
    recipe = await catalog_recipe(client, user)
    await add_meal(
        client, user, plan["id"], date="2025-10-14", mealType="dinner", recipeId=recipe["id"]
    )
    generated = await client.post(
        "/shopping-lists/generate", json={"mealPlanId": plan["id"]}, headers=user.headers
    )
    list_id = generated.json()["id"]
    path = f"/shopping-lists/{list_id}"
    items = (await client.get(path, headers=user.headers)).json()["items"]
    first = items[0]

    await client.patch(f"{path}/items/{first['id']}", json={"checked": True}, headers=user.headers)
    read = (await client.get(path, headers=user.headers)).json()["items"]
    assert next(i for i in read if i["id"] == first["id"])["checked"] is True

    added = await client.post(f"{path}/items", json={"text": "2 lb potatoes"}, headers=user.headers)
    assert added.status_code == 201
    read = (await client.get(path, headers=user.headers)).json()["items"]
    assert len(read) == len(items) + 1

    await client.delete(f"{path}/items/{first['id']}", headers=user.headers)
    read = (await client.get(path, headers=user.headers)).json()["items"]
    assert first["id"] not in {i["id"] for i in read}


async def test_profile_and_preferences_follow_writes(
    client: httpx.AsyncClient, user: Account
) -> None:
    assert (await client.get(f"/users/{user.id}", headers=user.headers)).json()["name"]
    await client.patch(f"/users/{user.id}", json={"name": "Renamed Cook"}, headers=user.headers)
    await client.patch(
        f"/users/{user.id}/preferences", json={"unitSystem": "imperial"}, headers=user.headers
    )
    me = (await client.get("/auth/me", headers=user.headers)).json()
    assert me["name"] == "Renamed Cook"
    assert me["preferences"]["unitSystem"] == "imperial"


async def test_week_plan_follows_recipe_changes(
    client: httpx.AsyncClient, user: Account, admin: Account
) -> None:
    recipe = await create_recipe(client, admin, name="Week Stale Probe", servings=1)
    plan = await create_plan(client, user)
    await add_meal(
        client,
        user,
        plan["id"],
        date="2025-10-14",
        mealType="dinner",
        recipeId=recipe["id"],
        servings=1,
    )
    week = f"/users/{user.id}/meal-plans?weekStart=2025-10-13"
    before = (await client.get(week, headers=user.headers)).json()["meals"][0]
    await client.patch(
        f"/recipes/{recipe['id']}",
        json={"ingredients": [{"quantity": 100, "unit": "g", "name": "oil", "food": "04053"}]},
        headers=admin.headers,
    )
    after = (await client.get(week, headers=user.headers)).json()["meals"][0]
    assert after["nutrition"]["calories"] != before["nutrition"]["calories"]
    assert round(after["nutrition"]["calories"]) == 884
