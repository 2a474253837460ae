"""The daily recommendations.refresh job rebuilds co-occurrence data and drops stale suggestions."""

from __future__ import annotations

import httpx

from mealplanner.ai import service
from mealplanner.core.cache import suggestions_key
from mealplanner.core.jobs import get_job
from mealplanner.core.state import AppState
from mealplanner.notifications.scheduler import REFRESH_RECOMMENDATIONS_JOB
from tests.fixtures.users import Account
from tests.mealplans.conftest import add_meal, create_plan


async def test_refresh_job(
    client: httpx.AsyncClient, state: AppState, user: Account, other_user: Account
) -> None:
    recipes = (
        await client.get("/recipes?mealType=dinner&limit=2&sort=name", headers=user.headers)
    ).json()["data"]
    for account in (user, other_user):
        plan = await create_plan(client, account)
        for day, recipe in zip(("2025-10-14", "2025-10-15"), recipes, strict=True):
            await add_meal(
                client, account, plan["id"], date=day, mealType="dinner", recipeId=recipe["id"]
            )
    suggestions = await client.post(
        "/ai/suggestions", json={"context": {"mealType": "dinner"}}, headers=user.headers
    )
    assert suggestions.status_code == 200
    await state.cache.set_json(service.CO_OCCURRENCE_KEY, {"counts": {}, "baskets": {}}, 600)
    assert await state.cache.get_json(suggestions_key(user.id)) is not None

    spec = get_job(REFRESH_RECOMMENDATIONS_JOB)
    assert spec is not None
    await spec.handler(state, {})

    fresh = await state.cache.get_json(service.CO_OCCURRENCE_KEY)
    a, b = recipes[0]["id"], recipes[1]["id"]
    assert fresh["counts"][a][b] == 2  # both users planned both recipes
    assert await state.cache.get_json(suggestions_key(user.id)) is None
