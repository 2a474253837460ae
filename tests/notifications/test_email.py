"""Emails go through a real SMTP server: content, both parts, headers, unsubscribe."""

from __future__ import annotations

import re
from datetime import date
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest

from mealplanner.core.state import AppState
from mealplanner.notifications import service
from mealplanner.notifications.email import EmailRenderer, OutboxMailer, compose
from mealplanner.users.models import User
from tests.fixtures.jobs import run_jobs
from tests.fixtures.users import register
from tests.notifications.conftest import Inbox


def _parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    return str(text.get_content()), str(html.get_content())


async def test_welcome_email_arrives_with_both_parts_and_unsubscribe_headers(
    client: httpx.AsyncClient, state: AppState, inbox: Inbox
) -> None:
    account = await register(client, name="Ada")
    await run_jobs(state)

    [message] = inbox.to(account.email)
    assert message["Subject"] == "Welcome to Mealplanner"
    text, html = _parts(message)
    assert "Hi Ada" in text
    assert "Hi Ada" in html
    assert "<a href=" in html
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = str(message["List-Unsubscribe"]).strip("<>")
    assert url.startswith(state.settings.public_base_url + "/api/v1/notifications/unsubscribe?")
    assert url in text  # the visible link is the same one


async def test_user_name_is_escaped_in_html(
    client: httpx.AsyncClient, state: AppState, inbox: Inbox
) -> None:
    account = await register(client, name="<script>alert(1)</script>")
    await run_jobs(state)

    [message] = inbox.to(account.email)
    _, html = _parts(message)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


async def test_one_click_unsubscribe_flips_the_preference(
    client: httpx.AsyncClient, state: AppState, inbox: Inbox
) -> None:
    account = await register(client)
    await run_jobs(state)
    [message] = inbox.to(account.email)
    url = str(message["List-Unsubscribe"]).strip("<>")
    token = re.search(r"token=([^&]+)", url)
    assert token is not None

    page = await client.get("/notifications/unsubscribe", params={"token": token.group(1)})
    assert page.status_code == 200
    assert "<form method='post'" in page.text
    me = await client.get("/auth/me", headers=account.headers)
    assert me.json()["preferences"]["notifications"]["welcome"] is True  # GET changes nothing

    done = await client.post(
        "/notifications/unsubscribe",
        params={"token": token.group(1)},
        content="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert done.status_code == 200
    assert "no longer receive welcome emails" in done.text
    me = await client.get("/auth/me", headers=account.headers)
    notifications = me.json()["preferences"]["notifications"]
    assert notifications["welcome"] is False
    assert notifications["weeklySummary"] is True  # only that kind


async def test_tampered_or_expired_unsubscribe_token_is_refused(
    client: httpx.AsyncClient, state: AppState, user: object
) -> None:
    secret = state.settings.resolve_jwt_secret()
    import uuid
    from datetime import timedelta

    from mealplanner.core.clock import utcnow

    token = service.make_unsubscribe_token(secret, uuid.uuid4(), "weekly_summary")
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = await client.post("/notifications/unsubscribe", params={"token": tampered})
    assert response.status_code == 400
    old = service.make_unsubscribe_token(
        secret, uuid.uuid4(), "weekly_summary", now=utcnow() - timedelta(days=91)
    )
    response = await client.get("/notifications/unsubscribe", params={"token": old})
    assert response.status_code == 400
    with pytest.raises(Exception, match="invalid or has expired"):
        service.read_unsubscribe_token("another-secret-" + "y" * 40, token)


async def test_opted_out_user_gets_nothing(
    client: httpx.AsyncClient, state: AppState, inbox: Inbox
) -> None:
    account = await register(client)
    await run_jobs(state)
    inbox.messages.clear()
    await client.patch(
        f"/users/{account.id}/preferences",
        json={"notifications": {"shoppingListReady": False}},
        headers=account.headers,
    )
    async with state.db.session() as session:
        service.queue_email(session, account.id, "shopping_list_ready", {"list_url": "x"})
    from mealplanner.core.jobs import flush_deferred_jobs

    await flush_deferred_jobs(session, state.jobs)
    await run_jobs(state)
    assert inbox.to(account.email) == []


async def test_password_reset_email_is_transactional(state: AppState) -> None:
    rendered = EmailRenderer().render(
        "password_reset",
        {"user_name": "Bo", "reset_url": "https://x/reset?token=abc", "ttl_minutes": 30},
    )
    assert "https://x/reset?token=abc" in rendered.text
    assert "30 minutes" in rendered.html
    message = compose(sender="a@b.c", to_name="Bo", to_email="bo@example.com", rendered=rendered)
    assert message["List-Unsubscribe"] is None


async def test_weekly_summary_without_and_with_a_provider(
    state: AppState, client: httpx.AsyncClient, inbox: Inbox
) -> None:
    account = await register(client)
    await run_jobs(state)
    inbox.messages.clear()
    async with state.db.session() as session:
        user = await session.get(User, account.id)
        assert user is not None
        await service.send_to_user(session, state, user, "weekly_summary", {})
        text, html = _parts(inbox.messages[-1])
        assert "No meals planned this week" in text
        assert "No meals planned this week" in html

        async def provider(_s: object, _u: User, week: date) -> service.WeeklySummary:
            return service.WeeklySummary(
                meals_planned=14,
                balance_score=82,
                nutrition={"Calories": "2,050 kcal"},
                insights=["More <fibre> please"],
            )

        service.register_weekly_summary_provider(provider)
        try:
            await service.send_to_user(session, state, user, "weekly_summary", {})
        finally:
            service.register_weekly_summary_provider(None)
        text, html = _parts(inbox.messages[-1])
        assert "14 meals" in text
        assert "82/100" in html
        assert "2,050 kcal" in html
        assert "More &lt;fibre&gt; please" in html


async def test_outbox_writes_eml_files(tmp_path: Path) -> None:
    mailer = OutboxMailer(tmp_path / "outbox")
    rendered = EmailRenderer().render("welcome", {"user_name": "Cy", "app_url": "http://x/"})
    await mailer.send(
        compose(sender="a@b.c", to_name="Cy", to_email="cy@example.com", rendered=rendered)
    )
    [path] = list((tmp_path / "outbox").glob("*.eml"))
    body = path.read_text()
    assert "Subject: Welcome to Mealplanner" in body
    assert "cy@example.com" in body
