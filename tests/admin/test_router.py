"""Admin console: every route is admin-only; users, last-admin rule, analytics, health."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
from fastapi import FastAPI

from mealplanner.activity import service as activity_service
from mealplanner.core.state import AppState
from mealplanner.notifications import scheduler
from tests.fixtures.users import Account, register


def _admin_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every admin operation, read from the OpenAPI document (so new routes are covered)."""
    routes = []
    for path, operations in app.openapi()["paths"].items():
        if path.startswith("/api/v1/admin"):
            concrete = path.removeprefix("/api/v1").replace("{userId}", str(uuid.uuid4()))
            routes.extend((method.upper(), concrete) for method in operations)
    return sorted(routes)


async def test_every_admin_route_is_forbidden_to_users(
    app: FastAPI, client: httpx.AsyncClient, user: Account
) -> None:
    routes = _admin_routes(app)
    assert {path.split("/")[2] for _, path in routes} >= {"users", "analytics", "health"}
    for method, path in routes:
        json = {"role": "admin"} if method == "PATCH" else None
        response = await client.request(method, path, headers=user.headers, json=json)
        assert response.status_code == 403, (method, path)
        anonymous = await client.request(method, path, json=json)
        assert anonymous.status_code == 401, (method, path)


async def test_list_users_search_role_and_pagination(
    client: httpx.AsyncClient, admin: Account
) -> None:
    await register(client, email="alice.search@example.com", name="Alice Wonder")
    await register(client, email="bob@example.com", name="Bob Searchable")
    await register(client, email="carol@example.com", name="Carol")

    response = await client.get("/admin/users", params={"q": "SEARCH"}, headers=admin.headers)
    assert response.status_code == 200
    body = response.json()
    assert {u["email"] for u in body["data"]} == {"alice.search@example.com", "bob@example.com"}
    assert body["pagination"]["total"] == 2

    admins = await client.get("/admin/users", params={"role": "admin"}, headers=admin.headers)
    assert [u["email"] for u in admins.json()["data"]] == [admin.email]

    page = await client.get("/admin/users", params={"limit": 2, "page": 2}, headers=admin.headers)
    assert page.json()["pagination"] == {
        "page": 2,
        "limit": 2,
        "total": 4,
        "totalPages": 2,
        "totalCapped": False,
    }
    assert len(page.json()["data"]) == 2

    wildcard = await client.get("/admin/users", params={"q": "%"}, headers=admin.headers)
    assert wildcard.json()["data"] == []


async def test_disable_stops_tokens_at_once_and_revokes_sessions(
    client: httpx.AsyncClient, admin: Account, user: Account
) -> None:
    response = await client.patch(
        f"/admin/users/{user.id}", json={"disabled": True}, headers=admin.headers
    )
    assert response.status_code == 200
    assert response.json()["disabled"] is True
    assert (await client.get("/auth/me", headers=user.headers)).status_code == 401
    refreshed = await client.post("/auth/refresh", json={"refreshToken": user.refresh_token})
    assert refreshed.status_code == 401

    enabled = await client.patch(
        f"/admin/users/{user.id}", json={"disabled": False}, headers=admin.headers
    )
    assert enabled.json()["disabled"] is False
    # Sessions stay revoked; the user signs in again.
    login = await client.post("/auth/login", json={"email": user.email, "password": user.password})
    assert login.status_code == 200


async def test_role_changes_and_the_last_admin_rule(
    client: httpx.AsyncClient, admin: Account, user: Account
) -> None:
    demote_self = await client.patch(
        f"/admin/users/{admin.id}", json={"role": "user"}, headers=admin.headers
    )
    assert demote_self.status_code == 409
    disable_self = await client.patch(
        f"/admin/users/{admin.id}", json={"disabled": True}, headers=admin.headers
    )
    assert disable_self.status_code == 409

    promoted = await client.patch(
        f"/admin/users/{user.id}", json={"role": "admin"}, headers=admin.headers
    )
    assert promoted.json()["role"] == "admin"
    demoted = await client.patch(
        f"/admin/users/{admin.id}", json={"role": "user"}, headers=admin.headers
    )
    assert demoted.status_code == 200

    bad = await client.patch(
        f"/admin/users/{user.id}", json={"role": "superuser"}, headers=user.headers
    )
    assert bad.status_code == 400
    extra = await client.patch(
        f"/admin/users/{user.id}", json={"email": "x@example.com"}, headers=user.headers
    )
    assert extra.status_code == 400
    missing = await client.patch(
        f"/admin/users/{uuid.uuid4()}", json={"disabled": True}, headers=user.headers
    )
    assert missing.status_code == 404


async def test_analytics_per_day_from_users_and_activity(
    client: httpx.AsyncClient, state: AppState, admin: Account, user: Account
) -> None:
    recipe_a, recipe_b = uuid.uuid4(), uuid.uuid4()
    day1 = datetime(2026, 3, 1, 10, tzinfo=UTC)
    day2 = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    async with state.db.session() as session:
        for recipe, at in ((recipe_a, day1), (recipe_a, day2), (recipe_b, day2)):
            await activity_service.track(
                session, user.id, activity_service.MEAL_PLANNED, recipe_id=recipe, at=at
            )
        await activity_service.track(
            session, admin.id, activity_service.RECIPE_FAVORITED, recipe_id=recipe_b, at=day2
        )
        await activity_service.track(
            session, user.id, activity_service.SHOPPING_LIST_GENERATED, at=day1
        )
        # Outside the range: not counted.
        await activity_service.track(
            session,
            user.id,
            activity_service.MEAL_PLANNED,
            recipe_id=recipe_b,
            at=datetime(2026, 3, 4, tzinfo=UTC),
        )

    response = await client.get(
        "/admin/analytics", params={"from": "2026-03-01", "to": "2026-03-03"}, headers=admin.headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [d["date"] for d in body["daily"]] == ["2026-03-01", "2026-03-02", "2026-03-03"]
    first, second, third = body["daily"]
    assert (first["mealsPlanned"], first["shoppingListsGenerated"], first["activeUsers"]) == (
        1,
        1,
        1,
    )
    assert (second["mealsPlanned"], second["recipesFavorited"], second["activeUsers"]) == (2, 1, 2)
    assert third["mealsPlanned"] == 0
    assert body["totals"]["mealsPlanned"] == 3
    assert body["totals"]["activeUsers"] == 2
    assert body["topRecipes"][0] == {"recipeId": str(recipe_a), "title": None, "timesPlanned": 2}

    today = await client.get("/admin/analytics", headers=admin.headers)
    assert today.json()["totals"]["registrations"] == 2  # admin and user, registered now

    backwards = await client.get(
        "/admin/analytics", params={"from": "2026-03-05", "to": "2026-03-01"}, headers=admin.headers
    )
    assert backwards.status_code == 400


async def test_health_reports_components_and_last_scheduler_run(
    client: httpx.AsyncClient, state: AppState, admin: Account
) -> None:
    await scheduler.tick(state)
    response = await client.get("/admin/health", headers=admin.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["storage"]["status"] == "ok"
    assert body["redis"]["status"] == ("ok" if state.redis is not None else "disabled")
    assert body["queue"]["backend"] == ("redis" if state.redis is not None else "in-process")
    assert isinstance(body["queue"]["depth"], int)
    assert body["scheduler"]["lastRunAt"] is not None
    assert body["version"]
