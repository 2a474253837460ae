"""Helpers: private recipes with exact ingredients, and plans that use them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx

from mealplanner.core.state import AppState
from mealplanner.foods import match_food
from mealplanner.recipes.models import VISIBILITY_PRIVATE, Recipe, RecipeIngredient
from tests.fixtures.users import Account

WEEK = date(2025, 10, 13)  # a Monday


@dataclass(frozen=True)
class Line:
    name: str
    quantity: float | None = None
    unit: str | None = None
    optional: bool = False
    to_taste: bool = False
    link: bool = True


async def make_recipe(
    state: AppState, owner: Account, name: str, lines: list[Line], servings: float = 2
) -> uuid.UUID:
    """A private recipe of `owner` whose ingredients are exactly `lines` (foods linked)."""
    recipe_id = uuid.uuid4()
    async with state.db.session() as session:
        session.add(
            Recipe(
                id=recipe_id,
                slug=f"test-{recipe_id.hex[:12]}",
                name=name,
                cuisine="american",
                category="main",
                meal_types=["dinner"],
                servings=servings,
                visibility=VISIBILITY_PRIVATE,
                owner_id=owner.id,
            )
        )
        await session.flush()
        for position, line in enumerate(lines):
            match = match_food(line.name) if line.link else None
            session.add(
                RecipeIngredient(
                    recipe_id=recipe_id,
                    position=position,
                    name=line.name,
                    quantity=line.quantity,
                    unit=line.unit,
                    optional=line.optional,
                    to_taste=line.to_taste,
                    food_id=match.ndb_no if match else None,
                )
            )
    return recipe_id


async def create_plan(client: httpx.AsyncClient, user: Account, week: date = WEEK) -> str:
    response = await client.post(
        f"/users/{user.id}/meal-plans", json={"weekStart": week.isoformat()}, headers=user.headers
    )
    assert response.status_code == 201, response.text
    plan_id: str = response.json()["id"]
    return plan_id


async def plan_meal(
    client: httpx.AsyncClient,
    user: Account,
    plan_id: str,
    recipe_id: uuid.UUID,
    day: date = WEEK,
    meal_type: str = "dinner",
    servings: float = 2,
) -> None:
    response = await client.post(
        f"/meal-plans/{plan_id}/meals",
        json={
            "date": day.isoformat(),
            "mealType": meal_type,
            "recipeId": str(recipe_id),
            "servings": servings,
        },
        headers=user.headers,
    )
    assert response.status_code == 201, response.text


async def generate(
    client: httpx.AsyncClient, user: Account, plan_id: str, **extra: Any
) -> dict[str, Any]:
    response = await client.post(
        "/shopping-lists/generate", json={"mealPlanId": plan_id, **extra}, headers=user.headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def item_named(body: dict[str, Any], name: str) -> dict[str, Any]:
    matches = [item for item in body["items"] if item["name"] == name]
    assert len(matches) == 1, [item["display"] for item in body["items"]]
    return matches[0]


async def list_with(
    client: httpx.AsyncClient,
    state: AppState,
    user: Account,
    *recipes: tuple[list[Line], float, float],
) -> dict[str, Any]:
    """A generated list for a plan of `(lines, recipe servings, planned servings)` recipes,
    each planned on its own day."""
    plan_id = await create_plan(client, user)
    for index, (lines, servings, planned) in enumerate(recipes):
        recipe_id = await make_recipe(state, user, f"Recipe {index}", lines, servings)
        day = date.fromordinal(WEEK.toordinal() + index % 7)
        await plan_meal(client, user, plan_id, recipe_id, day=day, servings=planned)
    return await generate(client, user, plan_id)
