"""The weekly-summary email carries the week's real nutrition and balance score."""

from __future__ import annotations

from email import message_from_bytes
from email.message import EmailMessage

import httpx
import pytest

from mealplanner.core.state import AppState
from mealplanner.notifications import service as notifications
from mealplanner.users.models import User
from tests.fixtures.users import Account
from tests.mealplans.conftest import WEEK, add_meal, catalog_recipe, create_plan


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def send(self, message: EmailMessage) -> None:
        self.messages.append(message)


async def test_summary_has_nutrition_and_score(
    client: httpx.AsyncClient, user: Account, state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = await create_plan(client, user)
    dinner = await catalog_recipe(client, user, "mealType=dinner")
    breakfast = await catalog_recipe(client, user, "mealType=breakfast")
    for day in ("2025-10-13", "2025-10-14"):
        await add_meal(
            client, user, plan["id"], date=day, mealType="dinner", recipeId=dinner["id"], servings=2
        )
        await add_meal(
            client,
            user,
            plan["id"],
            date=day,
            mealType="breakfast",
            recipeId=breakfast["id"],
            servings=2,
        )
    balance = await client.post(
        "/ai/nutrition-balance", json={"mealPlanId": plan["id"]}, headers=user.headers
    )
    assert balance.status_code == 200

    inbox = _Inbox()
    monkeypatch.setattr(state, "mailer", inbox)
    async with state.db.session() as session:
        account = await session.get(User, user.id)
        assert account is not None
        summary = await notifications.weekly_summary(session, account, WEEK)
        assert summary.meals_planned == 4
        assert summary.balance_score == round(balance.json()["balanceScore"])
        assert summary.nutrition["Calories"].endswith("kcal a day")
        assert summary.insights
        sent = await notifications.send_to_user(
            session,
            state,
            account,
            notifications.WEEKLY_SUMMARY,
            {"week_start": WEEK.isoformat()},
        )
    assert sent
    [message] = inbox.messages
    parsed = message_from_bytes(message.as_bytes())
    text = next(
        part.get_payload(decode=True).decode()
        for part in parsed.walk()
        if part.get_content_type() == "text/plain"
    )
    assert "This week you planned 4 meals." in text
    assert f"Nutrition balance score: {summary.balance_score}/100" in text
    assert "Calories:" in text


async def test_summary_of_an_empty_week(user: Account, state: AppState) -> None:
    async with state.db.session() as session:
        account = await session.get(User, user.id)
        assert account is not None
        summary = await notifications.weekly_summary(session, account, WEEK)
    assert summary.meals_planned == 0
    assert summary.balance_score is None
