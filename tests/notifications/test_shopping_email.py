"""Generating a shopping list emails its owner once a day, with a link to the list."""

from __future__ import annotations

import httpx

from mealplanner.core.state import AppState
from tests.fixtures.jobs import run_jobs
from tests.fixtures.users import register
from tests.mealplans.conftest import add_meal, catalog_recipe, create_plan
from tests.notifications.conftest import Inbox


async def test_list_ready_email(client: httpx.AsyncClient, state: AppState, inbox: Inbox) -> None:
    account = await register(client)
    plan = await create_plan(client, account)
    recipe = await catalog_recipe(client, account)
    await add_meal(
        client, account, plan["id"], date="2025-10-14", mealType="dinner", recipeId=recipe["id"]
    )
    await run_jobs(state)
    inbox.messages.clear()

    generated = await client.post(
        "/shopping-lists/generate", json={"mealPlanId": plan["id"]}, headers=account.headers
    )
    assert generated.status_code == 201, generated.text
    list_id = generated.json()["id"]
    await run_jobs(state)
    [message] = inbox.to(account.email)
    assert "shopping list" in str(message["Subject"]).lower()
    text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert f"/shopping?list={list_id}" in text
    assert message["List-Unsubscribe"] is not None

    # Regenerating the same day sends nothing more.
    again = await client.post(
        "/shopping-lists/generate", json={"mealPlanId": plan["id"]}, headers=account.headers
    )
    assert again.status_code in (200, 201)
    await run_jobs(state)
    assert len(inbox.to(account.email)) == 1
