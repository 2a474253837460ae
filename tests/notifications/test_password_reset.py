"""Password reset: no enumeration, emailed single-use 30-minute token, sessions revoked."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import httpx
import pytest

from mealplanner.core import clock
from mealplanner.core.config import Settings
from mealplanner.core.state import AppState
from tests.fixtures.jobs import run_jobs
from tests.fixtures.users import register
from tests.notifications.conftest import Inbox

NEW_PASSWORD = "a brand new passphrase"


async def _request_token(
    client: httpx.AsyncClient, state: AppState, inbox: Inbox, email: str
) -> str:
    response = await client.post("/auth/forgot-password", json={"email": email})
    assert response.status_code == 202
    await run_jobs(state)
    resets = [m for m in inbox.to(email) if m["Subject"] == "Reset your Mealplanner password"]
    message = resets[-1]  # the welcome email may arrive after it (jobs run concurrently)
    assert message["List-Unsubscribe"] is None  # transactional
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    match = re.search(r"reset-password\?token=(\S+)", body.get_content())
    assert match is not None
    return match.group(1)


async def test_unknown_and_known_emails_get_the_same_answer(
    client: httpx.AsyncClient, state: AppState, inbox: Inbox
) -> None:
    account = await register(client)
    await run_jobs(state)
    inbox.messages.clear()
    known = await client.post("/auth/forgot-password", json={"email": account.email})
    unknown = await client.post("/auth/forgot-password", json={"email": "nobody@example.com"})
    malformed = await client.post("/auth/forgot-password", json={"email": "not-an-email"})
    assert known.status_code == unknown.status_code == malformed.status_code == 202
    assert known.json() == unknown.json() == malformed.json()
    await run_jobs(state)
    assert len(inbox.to(account.email)) == 1
    assert inbox.to("nobody@example.com") == []


async def test_reset_sets_password_revokes_sessions_and_is_single_use(
    client: httpx.AsyncClient, state: AppState, inbox: Inbox
) -> None:
    account = await register(client)
    token = await _request_token(client, state, inbox, account.email)

    response = await client.post(
        "/auth/reset-password", json={"token": token, "newPassword": NEW_PASSWORD}
    )
    assert response.status_code == 204
    # Every session is gone: the old access and refresh tokens stop working.
    assert (await client.get("/auth/me", headers=account.headers)).status_code == 401
    refreshed = await client.post("/auth/refresh", json={"refreshToken": account.refresh_token})
    assert refreshed.status_code == 401
    old = await client.post(
        "/auth/login", json={"email": account.email, "password": account.password}
    )
    assert old.status_code == 401
    new = await client.post("/auth/login", json={"email": account.email, "password": NEW_PASSWORD})
    assert new.status_code == 200

    again = await client.post(
        "/auth/reset-password", json={"token": token, "newPassword": "yet another one!"}
    )
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "VALIDATION_ERROR"


async def test_token_expires_after_30_minutes(
    client: httpx.AsyncClient, state: AppState, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = await register(client)
    token = await _request_token(client, state, inbox, account.email)
    later = clock.utcnow() + timedelta(minutes=31)
    from mealplanner.auth.password_reset import service

    monkeypatch.setattr(service, "utcnow", lambda: later)
    response = await client.post(
        "/auth/reset-password", json={"token": token, "newPassword": NEW_PASSWORD}
    )
    assert response.status_code == 400


async def test_a_new_request_replaces_the_previous_link(
    client: httpx.AsyncClient, state: AppState, inbox: Inbox
) -> None:
    account = await register(client)
    first = await _request_token(client, state, inbox, account.email)
    second = await _request_token(client, state, inbox, account.email)
    assert first != second
    stale = await client.post(
        "/auth/reset-password", json={"token": first, "newPassword": NEW_PASSWORD}
    )
    assert stale.status_code == 400
    fresh = await client.post(
        "/auth/reset-password", json={"token": second, "newPassword": NEW_PASSWORD}
    )
    assert fresh.status_code == 204


async def test_tokens_are_stored_hashed(
    client: httpx.AsyncClient, state: AppState, inbox: Inbox
) -> None:
    from sqlalchemy import select

    from mealplanner.auth.password_reset.models import PasswordResetToken

    account = await register(client)
    token = await _request_token(client, state, inbox, account.email)
    async with state.db.session() as session:
        hashes = (await session.execute(select(PasswordResetToken.token_hash))).scalars().all()
    assert token not in hashes
    assert len(hashes) == 1


async def test_forgot_password_is_rate_limited(test_settings: Settings) -> None:
    from mealplanner.app import create_app

    strict = create_app(test_settings.model_copy(update={"rate_limit_auth": "2/minute"}))
    async with strict.router.lifespan_context(strict):
        transport = httpx.ASGITransport(app=strict)
        async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as c:
            email = f"limited-{uuid.uuid4().hex[:8]}@example.com"
            answers = [
                (await c.post("/auth/forgot-password", json={"email": email})).status_code
                for _ in range(3)
            ]
    assert answers == [202, 202, 429]
