from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import text

from mealplanner.core.state import AppState
from mealplanner.models import Base
from tests.fixtures.users import PASSWORD, Account


async def test_get_own_profile(client: httpx.AsyncClient, user: Account) -> None:
    response = await client.get(f"/users/{user.id}", headers=user.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == user.email
    assert body["preferences"]["householdSize"] == 2
    assert body["preferences"]["unitSystem"] == "metric"
    assert body["createdAt"].endswith(("Z", "+00:00"))


@pytest.mark.parametrize(
    ("method", "suffix", "payload"),
    [
        ("GET", "", None),
        ("PATCH", "", {"name": "Mallory"}),
        ("DELETE", "", None),
        ("PATCH", "/preferences", {"householdSize": 4}),
        ("PATCH", "/password", {"currentPassword": PASSWORD, "newPassword": "newpassword1"}),
        ("GET", "/export", None),
    ],
)
async def test_other_users_id_is_forbidden(
    client: httpx.AsyncClient,
    user: Account,
    other_user: Account,
    method: str,
    suffix: str,
    payload: dict[str, object] | None,
) -> None:
    response = await client.request(
        method, f"/users/{other_user.id}{suffix}", json=payload, headers=user.headers
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "FORBIDDEN"
    # And nothing changed for the victim.
    victim = await client.get(f"/users/{other_user.id}", headers=other_user.headers)
    assert victim.status_code == 200
    assert victim.json()["name"] == "Test Cook"
    assert victim.json()["preferences"]["householdSize"] == 2


async def test_admin_can_read_any_user(
    client: httpx.AsyncClient, admin: Account, user: Account
) -> None:
    response = await client.get(f"/users/{user.id}", headers=admin.headers)
    assert response.status_code == 200
    missing = await client.get(f"/users/{uuid.uuid4()}", headers=admin.headers)
    assert missing.status_code == 404


async def test_invalid_user_id_is_400(client: httpx.AsyncClient, user: Account) -> None:
    response = await client.get("/users/not-a-uuid", headers=user.headers)
    assert response.status_code == 400
    assert "userId" in response.json()["error"]["details"]


async def test_update_profile(client: httpx.AsyncClient, user: Account) -> None:
    response = await client.patch(
        f"/users/{user.id}", json={"name": "  Julia  "}, headers=user.headers
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Julia"


@pytest.mark.parametrize(
    "field", ["role", "id", "createdAt", "emailVerified", "passwordHash", "disabled"]
)
async def test_mass_assignment_is_refused(
    client: httpx.AsyncClient, user: Account, field: str
) -> None:
    value: object = "admin" if field == "role" else True
    response = await client.patch(f"/users/{user.id}", json={field: value}, headers=user.headers)
    assert response.status_code == 400
    me = (await client.get("/auth/me", headers=user.headers)).json()
    assert me["role"] == "user"
    assert me["emailVerified"] is False
    assert me["disabled"] is False


async def test_email_change_conflict(
    client: httpx.AsyncClient, user: Account, other_user: Account
) -> None:
    response = await client.patch(
        f"/users/{user.id}", json={"email": other_user.email.upper()}, headers=user.headers
    )
    assert response.status_code == 409


async def test_preferences_update_and_validation(client: httpx.AsyncClient, user: Account) -> None:
    response = await client.patch(
        f"/users/{user.id}/preferences",
        json={
            "dietaryRestrictions": ["vegan", "gluten-free", "vegan"],
            "allergies": ["peanuts", "sesame"],
            "dislikedIngredients": ["Cilantro"],
            "favoriteCuisines": ["thai"],
            "dailyCalorieTarget": 2100,
            "macroTargets": {"proteinPct": 30, "carbsPct": 40, "fatPct": 30},
            "householdSize": 3,
            "maxPrepTime": 30,
            "timezone": "Europe/Berlin",
            "unitSystem": "imperial",
            "notifications": {"weeklySummary": False},
        },
        headers=user.headers,
    )
    assert response.status_code == 200, response.text
    prefs = response.json()
    assert prefs["dietaryRestrictions"] == ["vegan", "gluten-free"]
    assert prefs["dislikedIngredients"] == ["cilantro"]
    assert prefs["notifications"]["weeklySummary"] is False
    assert prefs["notifications"]["mealPlanReminder"] is True

    # A second partial update keeps what the first set.
    again = await client.patch(
        f"/users/{user.id}/preferences", json={"householdSize": 1}, headers=user.headers
    )
    assert again.json()["timezone"] == "Europe/Berlin"
    assert again.json()["householdSize"] == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"dietaryRestrictions": ["carnivore"]}, "dietaryRestrictions.0"),
        ({"allergies": ["cats"]}, "allergies.0"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"householdSize": 0}, "householdSize"),
        ({"dailyCalorieTarget": 50}, "dailyCalorieTarget"),
        ({"macroTargets": {"proteinPct": 50, "carbsPct": 50, "fatPct": 50}}, "macroTargets"),
        ({"unitSystem": "cubits"}, "unitSystem"),
        ({"favoriteColour": "blue"}, "favoriteColour"),
    ],
)
async def test_preferences_rejects_bad_values(
    client: httpx.AsyncClient, user: Account, payload: dict[str, object], field: str
) -> None:
    response = await client.patch(
        f"/users/{user.id}/preferences", json=payload, headers=user.headers
    )
    assert response.status_code == 400
    assert field in response.json()["error"]["details"]


async def test_password_change_revokes_other_sessions(
    client: httpx.AsyncClient, user: Account
) -> None:
    other = await client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
    other_headers = {"Authorization": f"Bearer {other.json()['accessToken']}"}

    wrong = await client.patch(
        f"/users/{user.id}/password",
        json={"currentPassword": "not-it-at-all", "newPassword": "brand-new-secret"},
        headers=user.headers,
    )
    assert wrong.status_code == 400
    assert "currentPassword" in wrong.json()["error"]["details"]

    ok = await client.patch(
        f"/users/{user.id}/password",
        json={"currentPassword": PASSWORD, "newPassword": "brand-new-secret"},
        headers=user.headers,
    )
    assert ok.status_code == 204
    assert (await client.get("/auth/me", headers=user.headers)).status_code == 200
    assert (await client.get("/auth/me", headers=other_headers)).status_code == 401
    refresh = await client.post(
        "/auth/refresh", json={"refreshToken": other.json()["refreshToken"]}
    )
    assert refresh.status_code == 401
    old = await client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
    assert old.status_code == 401
    new = await client.post(
        "/auth/login", json={"email": user.email, "password": "brand-new-secret"}
    )
    assert new.status_code == 200


async def test_export_contains_the_users_data(client: httpx.AsyncClient, user: Account) -> None:
    await client.patch(
        f"/users/{user.id}/preferences", json={"allergies": ["milk"]}, headers=user.headers
    )
    await client.post("/auth/api-tokens", json={"name": "script"}, headers=user.headers)
    response = await client.get(f"/users/{user.id}/export", headers=user.headers)
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    document = response.json()
    assert document["user"]["email"] == user.email
    assert document["user"]["preferences"]["allergies"] == ["milk"]
    assert document["account"]["apiTokens"][0]["name"] == "script"
    assert len(document["account"]["sessions"]) == 1
    assert user.access_token not in response.text
    assert user.refresh_token not in response.text


async def _rows_referencing(state: AppState, user_id: uuid.UUID) -> dict[str, int]:
    """Counts rows in every table with a column that points at users.id."""
    found: dict[str, int] = {}
    async with state.db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                refs_user = any(fk.column.table.name == "users" for fk in column.foreign_keys)
                if refs_user or (table.name == "users" and column.name == "id"):
                    value = user_id if state.db.dialect == "postgresql" else user_id.hex
                    count = (
                        await conn.execute(
                            text(f"SELECT count(*) FROM {table.name} WHERE {column.name} = :v"),
                            {"v": value},
                        )
                    ).scalar_one()
                    if count:
                        found[f"{table.name}.{column.name}"] = count
    return found


async def test_delete_removes_everything(
    client: httpx.AsyncClient, user: Account, state: AppState
) -> None:
    await client.post("/auth/api-tokens", json={"name": "script"}, headers=user.headers)
    await client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
    assert await _rows_referencing(state, user.id)  # the probe does see the data first

    response = await client.delete(f"/users/{user.id}", headers=user.headers)
    assert response.status_code == 204
    assert await _rows_referencing(state, user.id) == {}
    # Tables without a direct user column are emptied through the cascade too.
    async with state.db.engine.connect() as conn:
        tables = await conn.run_sync(lambda c: sa_inspect(c).get_table_names())
        assert "refresh_tokens" in tables
        remaining = (await conn.execute(text("SELECT count(*) FROM refresh_tokens"))).scalar_one()
    assert remaining == 0
    assert (await client.get("/auth/me", headers=user.headers)).status_code == 401
