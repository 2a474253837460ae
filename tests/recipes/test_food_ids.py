"""Each recipe stores its ingredients' linked food ids, which suggestions read per candidate."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select

from mealplanner.core.state import AppState
from mealplanner.recipes.models import Recipe, RecipeIngredient
from tests.fixtures.users import Account
from tests.recipes.conftest import create_recipe


async def _stored(state: AppState, recipe_id: str) -> tuple[str, list[str]]:
    rid = uuid.UUID(recipe_id)
    async with state.db.session() as session:
        stored = (await session.execute(select(Recipe.food_ids).where(Recipe.id == rid))).one()
        linked = (
            await session.execute(
                select(RecipeIngredient.food_id).where(
                    RecipeIngredient.recipe_id == rid, RecipeIngredient.food_id.is_not(None)
                )
            )
        ).scalars()
        return stored[0], sorted({food for food in linked if food})


async def test_food_ids_follow_the_ingredients_on_create_and_update(
    client: httpx.AsyncClient, admin: Account, state: AppState
) -> None:
    created = await create_recipe(client, admin)
    stored, linked = await _stored(state, created["id"])
    assert "16069" in linked  # the lentils were linked explicitly
    assert stored == ",".join(linked)

    response = await client.patch(
        f"/recipes/{created['id']}",
        json={
            "ingredients": [
                {"quantity": 100, "unit": "g", "name": "olive oil", "food": "04053"},
                {"quantity": 50, "unit": "g", "name": "olive oil", "food": "04053"},
            ]
        },
        headers=admin.headers,
    )
    assert response.status_code == 200, response.text
    stored, linked = await _stored(state, created["id"])
    assert linked == ["04053"]
    assert stored == "04053"  # once, however many lines use it


async def test_a_recipe_without_linked_foods_stores_none(
    client: httpx.AsyncClient, admin: Account, state: AppState
) -> None:
    created = await create_recipe(
        client, admin, ingredients=[{"name": "zzqx mystery paste", "quantity": 1}]
    )
    stored, linked = await _stored(state, created["id"])
    assert linked == []
    assert stored == ""
