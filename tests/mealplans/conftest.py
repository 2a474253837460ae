from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from tests.fixtures.users import Account

WEEK = date(2025, 10, 13)  # a Monday


async def catalog_recipe(
    client: httpx.AsyncClient, user: Account, query: str = "mealType=dinner"
) -> dict[str, Any]:
    sort = "" if "sort=" in query else "&sort=name"
    response = await client.get(f"/recipes?{query}&limit=1{sort}", headers=user.headers)
    data: list[dict[str, Any]] = response.json()["data"]
    assert data, query
    return data[0]


async def create_plan(
    client: httpx.AsyncClient, user: Account, week: date = WEEK, **extra: Any
) -> dict[str, Any]:
    response = await client.post(
        f"/users/{user.id}/meal-plans",
        json={"weekStart": week.isoformat(), **extra},
        headers=user.headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def add_meal(
    client: httpx.AsyncClient, user: Account, plan_id: str, **meal: Any
) -> httpx.Response:
    return await client.post(f"/meal-plans/{plan_id}/meals", json=meal, headers=user.headers)
