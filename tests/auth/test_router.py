from __future__ import annotations

import base64
import json
from datetime import timedelta

import httpx
import jwt
import pytest

from mealplanner.core.clock import utcnow
from mealplanner.core.state import AppState
from tests.fixtures.users import PASSWORD, Account, register


async def test_register_returns_user_and_tokens(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/auth/register",
        json={"email": "  Ada@Example.COM ", "password": "longenough", "name": "Ada"},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["email"] == "ada@example.com"
    assert body["user"]["role"] == "user"
    assert body["accessToken"].count(".") == 2
    assert body["refreshToken"].startswith("mpr_")
    # 256 bits of randomness, url-safe base64 → 43 characters after the prefix.
    assert len(body["refreshToken"]) >= 4 + 43
    assert "passwordHash" not in body["user"]


async def test_register_duplicate_email_is_case_insensitive(client: httpx.AsyncClient) -> None:
    await register(client, email="dup@example.com")
    response = await client.post(
        "/auth/register",
        json={"email": "DUP@example.com", "password": "longenough", "name": "Dup"},
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "CONFLICT"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "x@example.com", "password": "short", "name": "X"}, "password"),
        ({"email": "x@example.com", "password": "p" * 129, "name": "X"}, "password"),
        ({"email": "not-an-email", "password": "longenough", "name": "X"}, "email"),
        ({"email": "x@example.com", "password": "longenough"}, "name"),
        ({"email": "x@example.com", "password": "longenough", "name": ""}, "name"),
    ],
)
async def test_register_validation_errors_use_envelope(
    client: httpx.AsyncClient, payload: dict[str, str], field: str
) -> None:
    response = await client.post("/auth/register", json=payload)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert field in error["details"]


async def test_register_cannot_mass_assign_role(client: httpx.AsyncClient, state: AppState) -> None:
    response = await client.post(
        "/auth/register",
        json={"email": "m@example.com", "password": "longenough", "name": "M", "role": "admin"},
    )
    assert response.status_code == 400
    assert "role" in response.json()["error"]["details"]
    login = await client.post("/auth/login", json={"email": "m@example.com", "password": "x" * 8})
    assert login.status_code == 401  # the account was not created


async def test_login_success_and_claims(
    client: httpx.AsyncClient, user: Account, state: AppState
) -> None:
    response = await client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["expiresIn"] == 3600
    claims = jwt.decode(
        body["accessToken"], options={"verify_signature": False}, algorithms=["HS256"]
    )
    for claim in ("userId", "email", "role", "iat", "exp", "sub", "jti"):
        assert claim in claims
    assert claims["userId"] == str(user.id) == claims["sub"]
    assert claims["exp"] - claims["iat"] == 3600
    header = jwt.get_unverified_header(body["accessToken"])
    assert header["alg"] == "HS256"


async def test_login_failures_are_indistinguishable(
    client: httpx.AsyncClient, user: Account
) -> None:
    wrong_password = await client.post(
        "/auth/login", json={"email": user.email, "password": "wrong-password"}
    )
    unknown_email = await client.post(
        "/auth/login", json={"email": "nobody@example.com", "password": "wrong-password"}
    )
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.json() == unknown_email.json()


async def test_login_unknown_email_still_verifies_a_hash(
    state: AppState, monkeypatch: pytest.MonkeyPatch, client: httpx.AsyncClient
) -> None:
    """No timing shortcut: the unknown-email path runs argon2 just like a wrong password."""
    calls: list[str | None] = []
    original = state.passwords.verify

    async def spy(password_hash: str | None, password: str) -> bool:
        calls.append(password_hash)
        return await original(password_hash, password)

    monkeypatch.setattr(state.passwords, "verify", spy)
    await client.post("/auth/login", json={"email": "ghost@example.com", "password": "whatever1"})
    assert calls == [None]


async def test_me_requires_a_token(client: httpx.AsyncClient, user: Account) -> None:
    assert (await client.get("/auth/me")).status_code == 401
    response = await client.get("/auth/me", headers=user.headers)
    assert response.status_code == 200
    assert response.json()["id"] == str(user.id)


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_tampered_token_is_rejected(client: httpx.AsyncClient, user: Account) -> None:
    header, payload, signature = user.access_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["role"] = "admin"
    forged = f"{header}.{_b64(claims)}.{signature}"
    response = await client.get("/auth/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHORIZED"


async def test_alg_none_token_is_rejected(client: httpx.AsyncClient, user: Account) -> None:
    claims = jwt.decode(user.access_token, options={"verify_signature": False})
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    response = await client.get("/auth/me", headers={"Authorization": f"Bearer {unsigned}"})
    assert response.status_code == 401


async def test_token_signed_with_other_secret_is_rejected(
    client: httpx.AsyncClient, user: Account
) -> None:
    claims = jwt.decode(user.access_token, options={"verify_signature": False})
    forged = jwt.encode(claims, "another-secret-another-secret-another!!", algorithm="HS256")
    response = await client.get("/auth/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


async def test_expired_token_gives_token_expired(
    client: httpx.AsyncClient, user: Account, state: AppState
) -> None:
    claims = state.tokens.decode_access_token(user.access_token)
    expired, _ = state.tokens.issue_access_token(
        user_id=user.id,
        email=user.email,
        role="user",
        session_id=claims.session_id,
        now=utcnow() - timedelta(hours=2),
    )
    response = await client.get("/auth/me", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "TOKEN_EXPIRED"


@pytest.mark.parametrize("value", ["Bearer", "Bearer garbage", "Basic dXNlcjpwYXNz", "garbage"])
async def test_malformed_authorization_header(client: httpx.AsyncClient, value: str) -> None:
    response = await client.get("/auth/me", headers={"Authorization": value})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHORIZED"


async def test_refresh_rotates_tokens(client: httpx.AsyncClient, user: Account) -> None:
    response = await client.post("/auth/refresh", json={"refreshToken": user.refresh_token})
    assert response.status_code == 200
    body = response.json()
    assert body["refreshToken"] != user.refresh_token
    me = await client.get("/auth/me", headers={"Authorization": f"Bearer {body['accessToken']}"})
    assert me.status_code == 200
    # The new refresh token works once more.
    again = await client.post("/auth/refresh", json={"refreshToken": body["refreshToken"]})
    assert again.status_code == 200


async def test_refresh_reuse_revokes_the_family(client: httpx.AsyncClient, user: Account) -> None:
    first = await client.post("/auth/refresh", json={"refreshToken": user.refresh_token})
    assert first.status_code == 200
    rotated = first.json()
    # The old token is presented again: someone copied it.
    reuse = await client.post("/auth/refresh", json={"refreshToken": user.refresh_token})
    assert reuse.status_code == 401
    # Every token of the family is dead now, including the legitimately rotated ones.
    later = await client.post("/auth/refresh", json={"refreshToken": rotated["refreshToken"]})
    assert later.status_code == 401
    me = await client.get("/auth/me", headers={"Authorization": f"Bearer {rotated['accessToken']}"})
    assert me.status_code == 401
    # Another login (another family) is unaffected.
    fresh = await client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
    assert fresh.status_code == 200


async def test_refresh_with_unknown_token(client: httpx.AsyncClient) -> None:
    response = await client.post("/auth/refresh", json={"refreshToken": "mpr_nope"})
    assert response.status_code == 401


async def test_refresh_token_expires(
    client: httpx.AsyncClient, user: Account, state: AppState
) -> None:
    from sqlalchemy import update

    from mealplanner.auth.models import RefreshToken

    async with state.db.session() as session:
        await session.execute(
            update(RefreshToken).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    response = await client.post("/auth/refresh", json={"refreshToken": user.refresh_token})
    assert response.status_code == 401


async def test_logout_kills_access_and_refresh_tokens(
    client: httpx.AsyncClient, user: Account
) -> None:
    response = await client.post("/auth/logout", headers=user.headers)
    assert response.status_code == 204
    assert (await client.get("/auth/me", headers=user.headers)).status_code == 401
    refresh = await client.post("/auth/refresh", json={"refreshToken": user.refresh_token})
    assert refresh.status_code == 401


async def test_logout_leaves_other_sessions_alive(client: httpx.AsyncClient, user: Account) -> None:
    other = await client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
    other_headers = {"Authorization": f"Bearer {other.json()['accessToken']}"}
    await client.post("/auth/logout", headers=user.headers)
    assert (await client.get("/auth/me", headers=other_headers)).status_code == 200


async def test_password_rehashed_on_login_when_parameters_change(
    client: httpx.AsyncClient, user: Account, state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    from argon2 import PasswordHasher

    from mealplanner.users.models import User

    async with state.db.session() as session:
        before = (await session.get(User, user.id)).password_hash  # type: ignore[union-attr]
    stronger = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    monkeypatch.setattr(state.passwords, "_hasher", stronger)
    response = await client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 200
    async with state.db.session() as session:
        after = (await session.get(User, user.id)).password_hash  # type: ignore[union-attr]
    assert before != after
    assert after is not None
    assert "m=2048,t=2" in after
    assert after.startswith("$argon2id$")


async def test_api_token_lifecycle(client: httpx.AsyncClient, user: Account) -> None:
    created = await client.post(
        "/auth/api-tokens",
        json={"name": "Home Assistant", "expiresInDays": 30},
        headers=user.headers,
    )
    assert created.status_code == 201
    body = created.json()
    token = body["token"]
    assert token.startswith("mpat_")
    api_headers = {"Authorization": f"Bearer {token}"}
    me = await client.get("/auth/me", headers=api_headers)
    assert me.status_code == 200
    assert me.json()["id"] == str(user.id)

    listed = await client.get("/auth/api-tokens", headers=user.headers)
    assert listed.status_code == 200
    [item] = listed.json()
    assert item["name"] == "Home Assistant"
    assert item["lastUsedAt"] is not None
    assert "token" not in item
    assert "tokenHash" not in item

    revoked = await client.delete(f"/auth/api-tokens/{item['id']}", headers=user.headers)
    assert revoked.status_code == 204
    assert (await client.get("/auth/me", headers=api_headers)).status_code == 401
    assert (await client.get("/auth/api-tokens", headers=user.headers)).json() == []


async def test_cannot_revoke_another_users_api_token(
    client: httpx.AsyncClient, user: Account, other_user: Account
) -> None:
    created = await client.post("/auth/api-tokens", json={"name": "x"}, headers=user.headers)
    token_id = created.json()["id"]
    response = await client.delete(f"/auth/api-tokens/{token_id}", headers=other_user.headers)
    assert response.status_code == 404


async def test_expired_api_token_is_rejected(
    client: httpx.AsyncClient, user: Account, state: AppState
) -> None:
    from sqlalchemy import update

    from mealplanner.auth.models import ApiToken

    created = await client.post(
        "/auth/api-tokens", json={"name": "x", "expiresInDays": 1}, headers=user.headers
    )
    async with state.db.session() as session:
        await session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    headers = {"Authorization": f"Bearer {created.json()['token']}"}
    assert (await client.get("/auth/me", headers=headers)).status_code == 401


async def test_a_remembered_token_still_expires(
    client: httpx.AsyncClient, user: Account, state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Verified tokens are remembered; their expiry is checked on every use all the same."""
    from mealplanner.core import security

    recipe_path = "/recipes?limit=1"
    assert (await client.get(recipe_path, headers=user.headers)).status_code == 200
    assert user.access_token in state.tokens._verified
    expires = state.tokens.decode_access_token(user.access_token).expires_at.timestamp()
    monkeypatch.setattr(security.time, "time", lambda: expires + 1)
    for path in (recipe_path, "/auth/me"):
        response = await client.get(path, headers=user.headers)
        assert response.status_code == 401, path
        assert response.json()["error"]["code"] == "TOKEN_EXPIRED"


async def test_a_tampered_copy_of_a_remembered_token_is_refused(
    client: httpx.AsyncClient, user: Account
) -> None:
    assert (await client.get("/auth/me", headers=user.headers)).status_code == 200
    head, payload, signature = user.access_token.split(".")
    forged = f"{head}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    response = await client.get("/auth/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
