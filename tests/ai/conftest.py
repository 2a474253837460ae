from __future__ import annotations

from typing import Any

import httpx

from tests.fixtures.users import Account


async def set_preferences(client: httpx.AsyncClient, user: Account, **prefs: Any) -> None:
    response = await client.patch(f"/users/{user.id}/preferences", json=prefs, headers=user.headers)
    assert response.status_code == 200, response.text


async def post(client: httpx.AsyncClient, user: Account, path: str, body: Any) -> httpx.Response:
    return await client.post(f"/ai/{path}", json=body, headers=user.headers)
