"""Shopping-list routes: manual items, regeneration, ownership, sharing, exports."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from mealplanner.activity.models import Activity
from mealplanner.core.clock import utcnow
from mealplanner.core.state import AppState
from mealplanner.shopping.models import ShoppingList
from tests.fixtures.users import Account
from tests.shopping.conftest import (
    WEEK,
    Line,
    create_plan,
    generate,
    item_named,
    list_with,
    make_recipe,
    plan_meal,
)


async def simple_list(client: httpx.AsyncClient, state: AppState, user: Account) -> dict[str, Any]:
    return await list_with(
        client,
        state,
        user,
        ([Line("milk", 1, "cup"), Line("eggs", 2), Line("salt", to_taste=True)], 2, 2),
    )


async def test_generate_records_activity_and_get_returns_the_list(
    client: httpx.AsyncClient, state: AppState, user: Account
) -> None:
    body = await simple_list(client, state, user)
    assert body["userId"] == str(user.id)
    assert body["fromDate"] == "2025-10-13"
    assert body["toDate"] == "2025-10-19"
    response = await client.get(f"/shopping-lists/{body['id']}", headers=user.headers)
    assert response.status_code == 200
    assert [i["display"] for i in response.json()["items"]] == [i["display"] for i in body["items"]]
    async with state.db.session() as session:
        events = await session.scalar(
            select(func.count())
            .select_from(Activity)
            .where(Activity.user_id == user.id, Activity.event_type == "shopping_list_generated")
        )
    assert events == 1


async def test_date_range_limits_meals(
    client: httpx.AsyncClient, state: AppState, user: Account
) -> None:
    plan_id = await create_plan(client, user)
    monday = await make_recipe(state, user, "Monday", [Line("eggs", 2)])
    friday = await make_recipe(state, user, "Friday", [Line("milk", 1, "cup")])
    await plan_meal(client, user, plan_id, monday, day=WEEK)
    await plan_meal(client, user, plan_id, friday, day=WEEK + timedelta(days=4))
    body = await generate(client, user, plan_id, fromDate="2025-10-13", toDate="2025-10-14")
    assert [i["name"] for i in body["items"]] == ["eggs"]
    response = await client.post(
        "/shopping-lists/generate",
        json={"mealPlanId": plan_id, "fromDate": "2025-10-15", "toDate": "2025-10-13"},
        headers=user.headers,
    )
    assert response.status_code == 400


async def test_manual_item_from_free_text(
    client: httpx.AsyncClient, state: AppState, user: Account
) -> None:
    body = await simple_list(client, state, user)
    response = await client.post(
        f"/shopping-lists/{body['id']}/items", json={"text": "2 lb potatoes"}, headers=user.headers
    )
    assert response.status_code == 201, response.text
    item = response.json()
    assert item["name"] == "potatoes"
    assert item["unit"] == "g"
    assert item["quantity"] == pytest.approx(907.184, abs=0.01)
    assert item["display"] == "907 g potatoes"
    assert item["manual"] is True
    assert item["category"] == "produce"

    structured = await client.post(
        f"/shopping-lists/{body['id']}/items",
        json={"name": "paper towels", "quantity": 2, "unit": "package"},
        headers=user.headers,
    )
    assert structured.status_code == 201
    assert structured.json()["display"] == "2 packages paper towels"
    assert structured.json()["category"] == "other"

    both = await client.post(
        f"/shopping-lists/{body['id']}/items",
        json={"text": "milk", "name": "milk"},
        headers=user.headers,
    )
    assert both.status_code == 400


async def test_manual_item_in_imperial_list(
    client: httpx.AsyncClient, state: AppState, user: Account
) -> None:
    await client.patch(
        f"/users/{user.id}/preferences", json={"unitSystem": "imperial"}, headers=user.headers
    )
    body = await simple_list(client, state, user)
    response = await client.post(
        f"/shopping-lists/{body['id']}/items", json={"text": "2 lb potatoes"}, headers=user.headers
    )
    assert response.json()["display"] == "2 lb potatoes"
    item = item_named(body, "milk")
    assert item["display"] == "1 cup milk"


async def test_patch_and_delete_items(
    client: httpx.AsyncClient, state: AppState, user: Account
) -> None:
    body = await simple_list(client, state, user)
    eggs = item_named(body, "eggs")
    url = f"/shopping-lists/{body['id']}/items/{eggs['id']}"
    # Read once so the cache is warm: the writes below must invalidate it.
    await client.get(f"/shopping-lists/{body['id']}", headers=user.headers)
    response = await client.patch(url, json={"checked": True}, headers=user.headers)
    assert response.status_code == 200
    assert response.json()["checked"] is True
    response = await client.patch(
        url, json={"quantity": 12, "name": "free-range eggs"}, headers=user.headers
    )
    assert response.json()["display"] == "12 free-range eggs"
    response = await client.patch(url, json={"category": "frozen"}, headers=user.headers)
    assert response.json()["category"] == "frozen"
    bad = await client.patch(url, json={"category": "garden"}, headers=user.headers)
    assert bad.status_code == 400

    fresh = (await client.get(f"/shopping-lists/{body['id']}", headers=user.headers)).json()
    assert item_named(fresh, "free-range eggs")["checked"] is True
    assert fresh["groups"][-1]["category"] == "frozen"

    assert (await client.delete(url, headers=user.headers)).status_code == 204
    fresh = (await client.get(f"/shopping-lists/{body['id']}", headers=user.headers)).json()
    assert eggs["id"] not in {i["id"] for i in fresh["items"]}
    assert (await client.delete(url, headers=user.headers)).status_code == 404


async def test_regenerate_keeps_manual_items_and_checked_state(
    client: httpx.AsyncClient, state: AppState, user: Account
) -> None:
    plan_id = await create_plan(client, user)
    first = await make_recipe(state, user, "Omelette", [Line("eggs", 3), Line("milk", 1, "cup")])
    await plan_meal(client, user, plan_id, first)
    body = await generate(client, user, plan_id)
    list_id = body["id"]
    eggs, milk = item_named(body, "eggs"), item_named(body, "milk")
    await client.patch(
        f"/shopping-lists/{list_id}/items/{eggs['id']}",
        json={"checked": True},
        headers=user.headers,
    )
    await client.patch(
        f"/shopping-lists/{list_id}/items/{milk['id']}",
        json={"checked": True},
        headers=user.headers,
    )
    await client.post(
        f"/shopping-lists/{list_id}/items", json={"text": "coffee"}, headers=user.headers
    )

    # The plan changes: more eggs, no milk any more, flour appears.
    second = await make_recipe(state, user, "Pasta", [Line("eggs", 2), Line("flour", 200, "g")])
    await plan_meal(client, user, plan_id, second, day=WEEK + timedelta(days=1))
    await client.request(
        "DELETE",
        f"/meal-plans/{plan_id}/meals",
        params={"date": WEEK.isoformat(), "mealType": "dinner", "recipeId": str(first)},
        headers=user.headers,
    )
    again = await generate(client, user, plan_id)
    assert again["id"] == list_id
    assert {i["name"] for i in again["items"]} == {"eggs", "flour", "coffee"}
    assert item_named(again, "eggs")["checked"] is True
    assert item_named(again, "eggs")["id"] == eggs["id"]  # updated in place, id kept
    assert item_named(again, "eggs")["quantity"] == pytest.approx(2)
    assert item_named(again, "flour")["checked"] is False
    assert item_named(again, "coffee")["manual"] is True
    async with state.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(ShoppingList)) == 1

    # Regenerating an unchanged plan changes nothing a shopper sees.
    third = await generate(client, user, plan_id)
    assert [(i["id"], i["display"], i["checked"]) for i in third["items"]] == [
        (i["id"], i["display"], i["checked"]) for i in again["items"]
    ]


async def test_list_users_lists_paginated(
    client: httpx.AsyncClient, state: AppState, user: Account, other_user: Account
) -> None:
    body = await simple_list(client, state, user)
    response = await client.get(f"/users/{user.id}/shopping-lists?limit=5", headers=user.headers)
    assert response.status_code == 200
    page = response.json()
    assert page["pagination"]["total"] == 1
    assert page["data"][0]["id"] == body["id"]
    assert page["data"][0]["itemCount"] == 3
    other = await client.get(f"/users/{user.id}/shopping-lists", headers=other_user.headers)
    assert other.status_code in {403, 404}


async def test_every_route_hides_other_users_lists(
    client: httpx.AsyncClient, state: AppState, user: Account, other_user: Account
) -> None:
    body = await simple_list(client, state, user)
    list_id, item_id = body["id"], body["items"][0]["id"]
    # Warm the cache with the owner's copy: the cached path must check ownership too.
    await client.get(f"/shopping-lists/{list_id}", headers=user.headers)
    h = other_user.headers
    responses = [
        await client.post(
            "/shopping-lists/generate", json={"mealPlanId": body["mealPlanId"]}, headers=h
        ),
        await client.get(f"/shopping-lists/{list_id}", headers=h),
        await client.get(f"/shopping-lists/{list_id}?format=text", headers=h),
        await client.post(f"/shopping-lists/{list_id}/items", json={"text": "x"}, headers=h),
        await client.patch(
            f"/shopping-lists/{list_id}/items/{item_id}", json={"checked": True}, headers=h
        ),
        await client.delete(f"/shopping-lists/{list_id}/items/{item_id}", headers=h),
        await client.post(f"/shopping-lists/{list_id}/share", headers=h),
        await client.delete(f"/shopping-lists/{list_id}/share", headers=h),
    ]
    for response in responses:
        assert response.status_code == 404, response.request.url
        assert "milk" not in response.text
    unauthenticated = await client.get(f"/shopping-lists/{list_id}")
    assert unauthenticated.status_code == 401
    # Nothing changed for the owner.
    mine = (await client.get(f"/shopping-lists/{list_id}", headers=user.headers)).json()
    assert [i["checked"] for i in mine["items"]] == [False] * 3
    assert mine["share"]["active"] is False


async def test_admin_can_read_any_list(
    client: httpx.AsyncClient, state: AppState, user: Account, admin: Account
) -> None:
    body = await simple_list(client, state, user)
    response = await client.get(f"/shopping-lists/{body['id']}", headers=admin.headers)
    assert response.status_code == 200


async def test_share_link_is_public_read_only_and_revocable(
    client: httpx.AsyncClient, state: AppState, user: Account
) -> None:
    body = await simple_list(client, state, user)
    list_id = body["id"]
    response = await client.post(f"/shopping-lists/{list_id}/share", headers=user.headers)
    assert response.status_code == 200, response.text
    link = response.json()
    token = link["token"]
    assert len(token) >= 43  # 256 bits, url-safe base64
    assert link["shareUrl"].endswith(f"/api/v1/shared/shopping-lists/{token}")
    async with state.db.session() as session:
        stored = await session.get(ShoppingList, uuid.UUID(list_id))
        assert stored is not None
        assert stored.share_token_hash not in {None, token}

    public = await client.get(f"/shared/shopping-lists/{token}")
    assert public.status_code == 200
    shared = public.json()
    assert "userId" not in shared
    assert "mealPlanId" not in shared
    assert {i["name"] for g in shared["groups"] for i in g["items"]} == {"milk", "eggs", "salt"}

    item_id = body["items"][0]["id"]
    bearer = {"Authorization": f"Bearer {token}"}
    writes = [
        await client.patch(
            f"/shopping-lists/{list_id}/items/{item_id}", json={"checked": True}, headers=bearer
        ),
        await client.post(f"/shopping-lists/{list_id}/items", json={"text": "x"}, headers=bearer),
        await client.patch(f"/shared/shopping-lists/{token}", json={"checked": True}),
        await client.delete(f"/shared/shopping-lists/{token}"),
    ]
    assert [r.status_code for r in writes[:2]] == [401, 401]
    assert all(r.status_code in {404, 405} for r in writes[2:])

    assert (
        await client.delete(f"/shopping-lists/{list_id}/share", headers=user.headers)
    ).status_code == 204
    assert (await client.get(f"/shared/shopping-lists/{token}")).status_code == 404
    assert (await client.get("/shared/shopping-lists/mpsl_unknown-token-1234")).status_code == 404


async def test_share_link_expires(
    client: httpx.AsyncClient, state: AppState, user: Account
) -> None:
    body = await simple_list(client, state, user)
    link = (
        await client.post(
            f"/shopping-lists/{body['id']}/share", json={"expiresInDays": 1}, headers=user.headers
        )
    ).json()
    assert (await client.get(f"/shared/shopping-lists/{link['token']}")).status_code == 200
    async with state.db.session() as session:
        await session.execute(
            update(ShoppingList)
            .where(ShoppingList.id == uuid.UUID(body["id"]))
            .values(share_expires_at=utcnow() - timedelta(seconds=1))
        )
    assert (await client.get(f"/shared/shopping-lists/{link['token']}")).status_code == 404


async def test_text_and_markdown_exports(
    client: httpx.AsyncClient, state: AppState, user: Account
) -> None:
    body = await list_with(
        client,
        state,
        user,
        ([Line("milk", 2, "cup"), Line("eggs", 3), Line("basil", 5, "g", optional=True)], 2, 2),
    )
    eggs = item_named(body, "eggs")
    await client.patch(
        f"/shopping-lists/{body['id']}/items/{eggs['id']}",
        json={"checked": True},
        headers=user.headers,
    )
    text = await client.get(f"/shopping-lists/{body['id']}?format=text", headers=user.headers)
    assert text.status_code == 200
    assert text.headers["content-type"].startswith("text/plain")
    assert text.text.splitlines() == [
        "Week of 2025-10-13",
        "2025-10-13 to 2025-10-19",
        "",
        "PRODUCE",
        "[ ] 5 g basil (optional)",
        "",
        "DAIRY & EGGS",
        "[x] 3 eggs",
        "[ ] 473 ml milk",
    ]
    md = await client.get(f"/shopping-lists/{body['id']}?format=markdown", headers=user.headers)
    assert md.headers["content-type"].startswith("text/markdown")
    lines = md.text.splitlines()
    assert lines[0] == "# Week of 2025-10-13"
    assert "## Dairy & eggs" in lines
    assert "- [x] 3 eggs - for Recipe 0" in lines
    assert "- [ ] 5 g basil \\(optional\\) - for Recipe 0" in lines
    bad = await client.get(f"/shopping-lists/{body['id']}?format=pdf", headers=user.headers)
    assert bad.status_code == 400


async def test_user_export_includes_shopping_lists(
    client: httpx.AsyncClient, state: AppState, user: Account
) -> None:
    body = await simple_list(client, state, user)
    response = await client.get(f"/users/{user.id}/export", headers=user.headers)
    assert response.status_code == 200
    lists = response.json()["shoppingLists"]
    assert [entry["id"] for entry in lists] == [body["id"]]
    assert len(lists[0]["items"]) == 3


async def test_unknown_plan_is_not_found(client: httpx.AsyncClient, user: Account) -> None:
    response = await client.post(
        "/shopping-lists/generate", json={"mealPlanId": str(uuid.uuid4())}, headers=user.headers
    )
    assert response.status_code == 404
