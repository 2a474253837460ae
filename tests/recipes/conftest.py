from __future__ import annotations

from typing import Any

import httpx

from tests.fixtures.users import Account


def recipe_payload(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "name": "Test Lentil Soup",
        "description": "A plain test soup.",
        "cuisine": "mediterranean",
        "mealTypes": ["lunch"],
        "category": "soup",
        "tags": ["testing"],
        "prepMinutes": 10,
        "cookMinutes": 30,
        "servings": 4,
        "difficulty": "easy",
        "ingredients": [
            {"quantity": 200, "unit": "g", "name": "red lentils", "food": "16069"},
            {"text": "1 medium onion, diced"},
            {"quantity": "2", "unit": "tbsp", "name": "olive oil"},
            {"name": "salt", "toTaste": True},
        ],
        "instructions": ["Cook everything.", "Serve."],
    }
    payload.update(overrides)
    return payload


async def create_recipe(
    client: httpx.AsyncClient, admin: Account, **overrides: Any
) -> dict[str, Any]:
    response = await client.post(
        "/recipes", json=recipe_payload(**overrides), headers=admin.headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body
