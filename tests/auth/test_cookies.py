"""Browser sessions: refresh token in an HttpOnly cookie, double-submit CSRF token."""

from __future__ import annotations

import uuid
from http.cookies import SimpleCookie

import httpx
from fastapi import FastAPI

from mealplanner.app import create_app
from mealplanner.core.config import Settings
from tests.fixtures.users import PASSWORD

COOKIE_MODE = {"X-Auth-Mode": "cookie"}


def _set_cookies(response: httpx.Response) -> dict[str, SimpleCookie]:
    jar: dict[str, SimpleCookie] = {}
    for header in response.headers.get_list("set-cookie"):
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        for name in cookie:
            jar[name] = cookie
    return jar


async def _register_cookie_mode(client: httpx.AsyncClient) -> httpx.Response:
    email = f"browser-{uuid.uuid4().hex[:8]}@example.com"
    response = await client.post(
        "/auth/register",
        json={"email": email, "password": PASSWORD, "name": "Browser"},
        headers=COOKIE_MODE,
    )
    assert response.status_code == 201, response.text
    return response


def _csrf(client: httpx.AsyncClient) -> dict[str, str]:
    return {"X-CSRF-Token": client.cookies["csrf_token"]}


async def test_cookie_mode_sets_httponly_strict_cookie_and_hides_token(
    client: httpx.AsyncClient,
) -> None:
    response = await _register_cookie_mode(client)
    body = response.json()
    assert body["refreshToken"] is None
    assert body["accessToken"].count(".") == 2

    cookies = _set_cookies(response)
    refresh = cookies["mp_refresh"]["mp_refresh"]
    assert refresh.value.startswith("mpr_")
    assert refresh["httponly"] is True
    assert refresh["samesite"].lower() == "strict"
    assert refresh["path"] == "/api/v1/auth"
    assert not refresh["secure"]  # plain http here
    assert int(refresh["max-age"]) == 7 * 86400

    csrf = cookies["csrf_token"]["csrf_token"]
    assert len(csrf.value) >= 32
    assert not csrf["httponly"]  # the page must read it to echo it
    assert csrf["samesite"].lower() == "strict"
    assert csrf["path"] == "/"


async def test_json_mode_is_unchanged(client: httpx.AsyncClient) -> None:
    email = f"api-{uuid.uuid4().hex[:8]}@example.com"
    response = await client.post(
        "/auth/register", json={"email": email, "password": PASSWORD, "name": "Api"}
    )
    assert response.json()["refreshToken"].startswith("mpr_")
    assert "set-cookie" not in response.headers


async def test_login_in_cookie_mode(client: httpx.AsyncClient) -> None:
    registered = await _register_cookie_mode(client)
    client.cookies.clear()
    response = await client.post(
        "/auth/login",
        json={"email": registered.json()["user"]["email"], "password": PASSWORD},
        headers=COOKIE_MODE,
    )
    assert response.status_code == 200
    assert response.json()["refreshToken"] is None
    assert set(_set_cookies(response)) == {"mp_refresh", "csrf_token"}


async def test_refresh_reads_the_cookie_and_rotates_it(client: httpx.AsyncClient) -> None:
    registered = await _register_cookie_mode(client)
    first_refresh = client.cookies["mp_refresh"]

    response = await client.post("/auth/refresh", headers=_csrf(client))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["refreshToken"] is None
    assert body["accessToken"] != registered.json()["accessToken"]
    rotated = _set_cookies(response)["mp_refresh"]["mp_refresh"].value
    assert rotated != first_refresh

    me = await client.get("/auth/me", headers={"Authorization": f"Bearer {body['accessToken']}"})
    assert me.status_code == 200

    # The old cookie value is spent: replaying it revokes the family.
    csrf = _csrf(client)
    client.cookies.clear()
    client.cookies.set("mp_refresh", first_refresh, path="/api/v1/auth")
    client.cookies.set("csrf_token", csrf["X-CSRF-Token"])
    replay = await client.post("/auth/refresh", headers=csrf)
    assert replay.status_code == 401


async def test_refresh_with_cookie_requires_matching_csrf_header(
    client: httpx.AsyncClient,
) -> None:
    await _register_cookie_mode(client)
    missing = await client.post("/auth/refresh")
    assert missing.status_code == 403
    assert missing.json()["error"]["code"] == "CSRF_FAILED"
    wrong = await client.post("/auth/refresh", headers={"X-CSRF-Token": "forged"})
    assert wrong.status_code == 403
    # A failed CSRF check does not spend the refresh token.
    ok = await client.post("/auth/refresh", headers=_csrf(client))
    assert ok.status_code == 200


async def test_refresh_without_body_or_cookie_is_unauthorized(client: httpx.AsyncClient) -> None:
    response = await client.post("/auth/refresh")
    assert response.status_code == 401


async def test_body_token_still_wins_for_api_clients(client: httpx.AsyncClient) -> None:
    email = f"api-{uuid.uuid4().hex[:8]}@example.com"
    registered = await client.post(
        "/auth/register", json={"email": email, "password": PASSWORD, "name": "Api"}
    )
    response = await client.post(
        "/auth/refresh", json={"refreshToken": registered.json()["refreshToken"]}
    )
    assert response.status_code == 200
    assert response.json()["refreshToken"].startswith("mpr_")
    assert "set-cookie" not in response.headers


async def test_logout_requires_csrf_and_clears_cookies(client: httpx.AsyncClient) -> None:
    registered = await _register_cookie_mode(client)
    bearer = {"Authorization": f"Bearer {registered.json()['accessToken']}"}

    refused = await client.post("/auth/logout", headers=bearer)
    assert refused.status_code == 403
    assert (await client.get("/auth/me", headers=bearer)).status_code == 200

    csrf = _csrf(client)
    response = await client.post("/auth/logout", headers={**bearer, **csrf})
    assert response.status_code == 204
    cleared = _set_cookies(response)
    assert cleared["mp_refresh"]["mp_refresh"].value == ""
    assert int(cleared["mp_refresh"]["mp_refresh"]["max-age"]) == 0
    assert int(cleared["csrf_token"]["csrf_token"]["max-age"]) == 0
    assert (await client.get("/auth/me", headers=bearer)).status_code == 401
    # The session is gone, so even a kept copy of the cookie cannot refresh.
    client.cookies.set("mp_refresh", registered.cookies["mp_refresh"], path="/api/v1/auth")
    client.cookies.set("csrf_token", csrf["X-CSRF-Token"])
    assert (await client.post("/auth/refresh", headers=csrf)).status_code == 401


async def _secure_flag(app: FastAPI, *, base_url: str, peer: str, headers: dict[str, str]) -> bool:
    transport = httpx.ASGITransport(app=app, client=(peer, 1234))
    async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
        response = await _register_cookie_mode_with(client, headers)
    return bool(_set_cookies(response)["mp_refresh"]["mp_refresh"]["secure"])


async def _register_cookie_mode_with(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> httpx.Response:
    email = f"secure-{uuid.uuid4().hex[:8]}@example.com"
    return await client.post(
        "/api/v1/auth/register",
        json={"email": email, "password": PASSWORD, "name": "Secure"},
        headers={**COOKIE_MODE, **headers},
    )


async def test_cookie_is_secure_over_https_and_behind_trusted_proxy(
    test_settings: Settings,
) -> None:
    app = create_app(test_settings.model_copy(update={"trusted_proxies": ["10.0.0.0/8"]}))
    forwarded = {"X-Forwarded-Proto": "https"}
    async with app.router.lifespan_context(app):
        assert await _secure_flag(app, base_url="https://t", peer="203.0.113.5", headers={})
        assert await _secure_flag(app, base_url="http://t", peer="10.1.2.3", headers=forwarded)
        # A client cannot claim HTTPS for itself.
        assert not await _secure_flag(
            app, base_url="http://t", peer="203.0.113.5", headers=forwarded
        )
