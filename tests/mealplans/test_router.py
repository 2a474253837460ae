from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import func, select

from mealplanner.activity.models import Activity
from mealplanner.core.state import AppState
from tests.fixtures.users import Account
from tests.mealplans.conftest import WEEK, add_meal, catalog_recipe, create_plan


async def test_create_and_read_week(client: httpx.AsyncClient, user: Account) -> None:
    plan = await create_plan(client, user, name="Autumn week")
    assert plan["weekStart"] == "2025-10-13"
    assert plan["meals"] == []
    assert [d["date"] for d in plan["days"]] == [
        (WEEK + timedelta(days=i)).isoformat() for i in range(7)
    ]
    again = await client.post(
        f"/users/{user.id}/meal-plans", json={"weekStart": "2025-10-13"}, headers=user.headers
    )
    assert again.status_code == 409
    read = await client.get(
        f"/users/{user.id}/meal-plans?weekStart=2025-10-13", headers=user.headers
    )
    assert read.status_code == 200
    assert read.json()["id"] == plan["id"]
    missing = await client.get(
        f"/users/{user.id}/meal-plans?weekStart=2025-10-20", headers=user.headers
    )
    assert missing.status_code == 404


@pytest.mark.parametrize("week", ["2025-10-14", "2025-10-19", "not-a-date", "2025-13-01"])
async def test_week_start_must_be_a_monday(
    client: httpx.AsyncClient, user: Account, week: str
) -> None:
    created = await client.post(
        f"/users/{user.id}/meal-plans", json={"weekStart": week}, headers=user.headers
    )
    assert created.status_code == 400
    assert "weekStart" in created.json()["error"]["details"]
    read = await client.get(f"/users/{user.id}/meal-plans?weekStart={week}", headers=user.headers)
    assert read.status_code == 400


async def test_list_is_paginated_newest_first(client: httpx.AsyncClient, user: Account) -> None:
    for weeks in (0, 2, 1):
        await create_plan(client, user, WEEK + timedelta(weeks=weeks))
    response = await client.get(f"/users/{user.id}/meal-plans?limit=2", headers=user.headers)
    body = response.json()
    assert [p["weekStart"] for p in body["data"]] == ["2025-10-27", "2025-10-20"]
    assert body["pagination"] == {
        "page": 1,
        "limit": 2,
        "total": 3,
        "totalPages": 2,
        "totalCapped": False,
    }


async def test_add_meals_and_day_nutrition(
    client: httpx.AsyncClient, user: Account, state: AppState
) -> None:
    await client.patch(
        f"/users/{user.id}/preferences", json={"householdSize": 3}, headers=user.headers
    )
    plan = await create_plan(client, user)
    dinner = await catalog_recipe(client, user, "mealType=dinner")
    lunch = await catalog_recipe(client, user, "mealType=lunch&sort=name:desc")
    assert lunch["id"] != dinner["id"]
    first = await add_meal(
        client, user, plan["id"], date="2025-10-14", mealType="dinner", recipeId=dinner["id"]
    )
    assert first.status_code == 201, first.text
    meal = first.json()["meals"][0]
    assert meal["servings"] == 3  # household size by default
    assert meal["recipe"]["name"] == dinner["name"]
    second = await add_meal(
        client,
        user,
        plan["id"],
        date="2025-10-14",
        mealType="lunch",
        recipeId=lunch["id"],
        servings=1,
    )
    body = second.json()
    tuesday = next(d for d in body["days"] if d["date"] == "2025-10-14")
    expected = dinner["nutrition"]["calories"] * 3 + lunch["nutrition"]["calories"] * 1
    assert tuesday["total"]["calories"] == pytest.approx(expected, abs=0.2)
    assert tuesday["perPerson"]["calories"] == pytest.approx(expected / 3, abs=0.2)
    assert tuesday["mealCount"] == 2
    monday = next(d for d in body["days"] if d["date"] == "2025-10-13")
    assert monday["mealCount"] == 0
    assert monday["total"]["calories"] == 0

    # A slot may hold several recipes.
    both = await add_meal(
        client, user, plan["id"], date="2025-10-14", mealType="dinner", recipeId=lunch["id"]
    )
    assert sum(1 for m in both.json()["meals"] if m["mealType"] == "dinner") == 2

    # The cached week shows the change at once.
    week = await client.get(
        f"/users/{user.id}/meal-plans?weekStart=2025-10-13", headers=user.headers
    )
    assert len(week.json()["meals"]) == 3

    # Each addition is in the activity log, and the recipe's counter moved.
    async with state.db.session() as session:
        events = (
            await session.execute(
                select(func.count()).where(
                    Activity.user_id == user.id, Activity.event_type == "meal_planned"
                )
            )
        ).scalar_one()
    assert events == 3
    detail = await client.get(f"/recipes/{dinner['id']}", headers=user.headers)
    assert detail.json()["timesPlanned"] == 1


@pytest.mark.parametrize(
    ("meal", "field"),
    [
        ({"date": "2025-10-20", "mealType": "dinner"}, "date"),
        ({"date": "2025-10-12", "mealType": "dinner"}, "date"),
        ({"date": "2025-10-14", "mealType": "brunch"}, "mealType"),
        ({"date": "2025-10-14", "mealType": "dinner", "servings": 0}, "servings"),
        ({"date": "2025-10-14", "mealType": "dinner", "servings": 500}, "servings"),
        ({"date": "2025-10-14", "mealType": "dinner", "extra": 1}, "extra"),
    ],
)
async def test_add_meal_validation(
    client: httpx.AsyncClient, user: Account, meal: dict[str, object], field: str
) -> None:
    plan = await create_plan(client, user)
    recipe = await catalog_recipe(client, user)
    response = await add_meal(client, user, plan["id"], recipeId=recipe["id"], **meal)
    assert response.status_code == 400
    assert field in response.json()["error"]["details"]


async def test_cannot_plan_someone_elses_private_recipe(
    client: httpx.AsyncClient, user: Account, other_user: Account
) -> None:
    from tests.recipes.conftest import recipe_payload

    private = await client.post(
        f"/users/{other_user.id}/recipes", json=recipe_payload(), headers=other_user.headers
    )
    plan = await create_plan(client, user)
    response = await add_meal(
        client,
        user,
        plan["id"],
        date="2025-10-14",
        mealType="dinner",
        recipeId=private.json()["id"],
    )
    assert response.status_code == 404


async def test_remove_meal_by_id_and_by_slot(client: httpx.AsyncClient, user: Account) -> None:
    plan = await create_plan(client, user)
    recipe = await catalog_recipe(client, user)
    for day in ("2025-10-14", "2025-10-15"):
        await add_meal(client, user, plan["id"], date=day, mealType="dinner", recipeId=recipe["id"])
    meals = (await client.get(f"/meal-plans/{plan['id']}", headers=user.headers)).json()["meals"]
    by_id = await client.delete(
        f"/meal-plans/{plan['id']}/meals?mealId={meals[0]['id']}", headers=user.headers
    )
    assert by_id.status_code == 200
    assert [m["date"] for m in by_id.json()["meals"]] == ["2025-10-15"]
    by_slot = await client.delete(
        f"/meal-plans/{plan['id']}/meals",
        params={"date": "2025-10-15", "mealType": "dinner", "recipeId": recipe["id"]},
        headers=user.headers,
    )
    assert by_slot.status_code == 200
    assert by_slot.json()["meals"] == []
    again = await client.delete(
        f"/meal-plans/{plan['id']}/meals?mealId={meals[0]['id']}", headers=user.headers
    )
    assert again.status_code == 404
    neither = await client.delete(f"/meal-plans/{plan['id']}/meals", headers=user.headers)
    assert neither.status_code == 400


async def test_copy_day_with_and_without_overwrite(
    client: httpx.AsyncClient, user: Account
) -> None:
    plan = await create_plan(client, user)
    dinner = await catalog_recipe(client, user, "mealType=dinner")
    breakfast = await catalog_recipe(client, user, "mealType=breakfast")
    await add_meal(
        client, user, plan["id"], date="2025-10-13", mealType="dinner", recipeId=dinner["id"]
    )
    await add_meal(
        client, user, plan["id"], date="2025-10-13", mealType="breakfast", recipeId=breakfast["id"]
    )
    await add_meal(
        client, user, plan["id"], date="2025-10-15", mealType="lunch", recipeId=dinner["id"]
    )

    kept = await client.post(
        f"/meal-plans/{plan['id']}/copy-day",
        json={"fromDate": "2025-10-13", "toDate": "2025-10-15", "overwrite": False},
        headers=user.headers,
    )
    assert kept.status_code == 200
    wednesday = sorted(m["mealType"] for m in kept.json()["meals"] if m["date"] == "2025-10-15")
    assert wednesday == ["breakfast", "dinner", "lunch"]

    replaced = await client.post(
        f"/meal-plans/{plan['id']}/copy-day",
        json={"fromDate": "2025-10-13", "toDate": "2025-10-15", "overwrite": True},
        headers=user.headers,
    )
    wednesday = sorted(m["mealType"] for m in replaced.json()["meals"] if m["date"] == "2025-10-15")
    assert wednesday == ["breakfast", "dinner"]
    monday = [m for m in replaced.json()["meals"] if m["date"] == "2025-10-13"]
    assert len(monday) == 2

    outside = await client.post(
        f"/meal-plans/{plan['id']}/copy-day",
        json={"fromDate": "2025-10-13", "toDate": "2025-10-21"},
        headers=user.headers,
    )
    assert outside.status_code == 400


async def test_plan_routes_check_ownership(
    client: httpx.AsyncClient, user: Account, other_user: Account
) -> None:
    plan = await create_plan(client, user)
    recipe = await catalog_recipe(client, user)
    await add_meal(
        client, user, plan["id"], date="2025-10-14", mealType="dinner", recipeId=recipe["id"]
    )
    h = other_user.headers
    plan_id = plan["id"]
    assert (await client.get(f"/users/{user.id}/meal-plans", headers=h)).status_code == 403
    assert (
        await client.get(f"/users/{user.id}/meal-plans?weekStart=2025-10-13", headers=h)
    ).status_code == 403
    assert (
        await client.post(
            f"/users/{user.id}/meal-plans", json={"weekStart": "2025-11-03"}, headers=h
        )
    ).status_code == 403
    assert (
        await client.patch(f"/users/{user.id}/meal-plans/{plan_id}", json={"name": "x"}, headers=h)
    ).status_code == 403
    assert (
        await client.delete(f"/users/{user.id}/meal-plans/{plan_id}", headers=h)
    ).status_code == 403
    # Through their own user id, the plan is simply not theirs.
    assert (
        await client.patch(
            f"/users/{other_user.id}/meal-plans/{plan_id}", json={"name": "x"}, headers=h
        )
    ).status_code == 404
    assert (await client.get(f"/meal-plans/{plan_id}", headers=h)).status_code == 404
    assert (
        await add_meal(
            client, other_user, plan_id, date="2025-10-14", mealType="dinner", recipeId=recipe["id"]
        )
    ).status_code == 404
    assert (
        await client.delete(f"/meal-plans/{plan_id}/meals?mealId={uuid.uuid4()}", headers=h)
    ).status_code == 404
    assert (
        await client.post(
            f"/meal-plans/{plan_id}/copy-day",
            json={"fromDate": "2025-10-14", "toDate": "2025-10-15"},
            headers=h,
        )
    ).status_code == 404
    # Nothing changed.
    mine = await client.get(f"/meal-plans/{plan_id}", headers=user.headers)
    assert len(mine.json()["meals"]) == 1
    assert mine.json()["name"] == ""


async def test_update_and_delete_plan(client: httpx.AsyncClient, user: Account) -> None:
    plan = await create_plan(client, user)
    updated = await client.patch(
        f"/users/{user.id}/meal-plans/{plan['id']}",
        json={"name": "Busy week", "notes": "Batch cook Sunday"},
        headers=user.headers,
    )
    assert updated.json()["name"] == "Busy week"
    deleted = await client.delete(f"/users/{user.id}/meal-plans/{plan['id']}", headers=user.headers)
    assert deleted.status_code == 204
    assert (await client.get(f"/meal-plans/{plan['id']}", headers=user.headers)).status_code == 404


async def test_concurrent_additions_both_survive(client: httpx.AsyncClient, user: Account) -> None:
    plan = await create_plan(client, user)
    recipes = (
        await client.get("/recipes?mealType=dinner&limit=10&sort=name", headers=user.headers)
    ).json()["data"]
    responses = await asyncio.gather(
        *(
            add_meal(
                client,
                user,
                plan["id"],
                date=(WEEK + timedelta(days=i % 7)).isoformat(),
                mealType="dinner",
                recipeId=r["id"],
            )
            for i, r in enumerate(recipes)
        )
    )
    assert all(r.status_code == 201 for r in responses), [r.text for r in responses]
    final = await client.get(f"/meal-plans/{plan['id']}", headers=user.headers)
    assert sorted(m["recipe"]["id"] for m in final.json()["meals"]) == sorted(
        r["id"] for r in recipes
    )


async def test_calendar_feed(client: httpx.AsyncClient, user: Account) -> None:
    from mealplanner.core.clock import utcnow

    monday = utcnow().date() - timedelta(days=utcnow().date().weekday())
    plan = await create_plan(client, user, monday)
    recipe = await catalog_recipe(client, user)
    await add_meal(
        client,
        user,
        plan["id"],
        date=(monday + timedelta(days=2)).isoformat(),
        mealType="dinner",
        recipeId=recipe["id"],
    )
    issued = await client.post(f"/users/{user.id}/meal-plans/calendar-token", headers=user.headers)
    assert issued.status_code == 200
    token = issued.json()["token"]
    assert issued.json()["url"].endswith(f"calendar.ics?token={token}")
    feed = await client.get(f"/users/{user.id}/meal-plans/calendar.ics?token={token}")
    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("text/calendar")
    calendar = parse_ics(feed.text)
    [event] = calendar["VEVENT"]
    assert event["SUMMARY"] == f"Dinner: {recipe['name']}".replace(",", "\\,")
    assert event["DTSTART"].startswith((monday + timedelta(days=2)).strftime("%Y%m%d"))
    # Rotation kills the old URL; a wrong token or another user's id is a 404.
    await client.post(f"/users/{user.id}/meal-plans/calendar-token", headers=user.headers)
    old = await client.get(f"/users/{user.id}/meal-plans/calendar.ics?token={token}")
    assert old.status_code == 404
    assert (
        await client.get(f"/users/{uuid.uuid4()}/meal-plans/calendar.ics?token={token}")
    ).status_code == 404


def parse_ics(text: str) -> dict[str, list[dict[str, str]]]:
    """A strict little RFC 5545 reader: CRLF lines, folding, nesting, required properties."""
    assert text.endswith("\r\n")
    raw_lines = text.split("\r\n")[:-1]
    for line in raw_lines:
        assert len(line.encode()) <= 75, line
    lines: list[str] = []
    for line in raw_lines:
        if line.startswith(" "):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    assert lines[0] == "BEGIN:VCALENDAR"
    assert lines[-1] == "END:VCALENDAR"
    stack: list[tuple[str, dict[str, str]]] = []
    components: dict[str, list[dict[str, str]]] = {"VCALENDAR": [], "VEVENT": []}
    for line in lines:
        name, _, value = line.partition(":")
        if name == "BEGIN":
            stack.append((value, {}))
        elif name == "END":
            kind, props = stack.pop()
            assert kind == value
            components.setdefault(value, []).append(props)
        else:
            stack[-1][1][name.split(";")[0]] = value
    assert not stack
    top = components["VCALENDAR"][0]
    assert top["VERSION"] == "2.0"
    assert "PRODID" in top
    for event in components["VEVENT"]:
        for required in ("UID", "DTSTAMP", "DTSTART", "SUMMARY"):
            assert required in event
    return components


async def test_export_includes_plans(client: httpx.AsyncClient, user: Account) -> None:
    plan = await create_plan(client, user)
    recipe = await catalog_recipe(client, user)
    await add_meal(
        client, user, plan["id"], date="2025-10-14", mealType="dinner", recipeId=recipe["id"]
    )
    document = (await client.get(f"/users/{user.id}/export", headers=user.headers)).json()
    [exported] = document["mealPlans"]
    assert exported["weekStart"] == "2025-10-13"
    assert exported["meals"][0]["recipeId"] == recipe["id"]
    assert any(a["eventType"] == "meal_planned" for a in document["activity"])


def test_week_constant_is_monday() -> None:
    assert date(2025, 10, 13).weekday() == 0
