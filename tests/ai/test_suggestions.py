from __future__ import annotations

import random
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from mealplanner.ai import service
from mealplanner.core.cache import suggestions_key
from mealplanner.core.state import AppState
from mealplanner.recipes.models import Recipe, RecipeIngredient
from tests.ai.conftest import post, set_preferences
from tests.fixtures.users import Account
from tests.mealplans.conftest import WEEK, add_meal, catalog_recipe, create_plan

DAY = WEEK + timedelta(days=2)


async def _recipes(state: AppState, ids: list[str]) -> dict[str, tuple[Recipe, list[str]]]:
    async with state.db.session() as session:
        uids = [uuid.UUID(i) for i in ids]
        recipes = (await session.execute(select(Recipe).where(Recipe.id.in_(uids)))).scalars()
        names: dict[uuid.UUID, list[str]] = {}
        for rid, name in await session.execute(
            select(RecipeIngredient.recipe_id, RecipeIngredient.name).where(
                RecipeIngredient.recipe_id.in_(uids)
            )
        ):
            names.setdefault(rid, []).append(name.lower())
        return {str(r.id): (r, names.get(r.id, [])) for r in recipes}


async def suggest(
    client: httpx.AsyncClient, user: Account, meal_type: str | None = "dinner", **extra: Any
) -> list[dict[str, Any]]:
    context: dict[str, Any] = {"date": DAY.isoformat()}
    if meal_type:
        context["mealType"] = meal_type
    response = await post(client, user, "suggestions", {"context": context, **extra})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["recommendations"]
    return items


def assert_allowed(
    recipe: Recipe, ingredient_names: list[str], prefs: dict[str, Any], meal_type: str | None
) -> None:
    for diet in prefs.get("dietaryRestrictions", []):
        assert diet in recipe.dietary_flags, (recipe.name, diet)
    assert not set(prefs.get("allergies", [])) & set(recipe.allergens), recipe.name
    text = " ".join([recipe.search_text, recipe.name.lower(), *ingredient_names])
    for word in prefs.get("dislikedIngredients", []):
        assert word not in text, (recipe.name, word)
    if "maxPrepTime" in prefs:
        assert recipe.total_minutes <= prefs["maxPrepTime"]
    if meal_type:
        assert meal_type in recipe.meal_types


async def test_vegan_peanut_allergy_cilantro_hater(
    client: httpx.AsyncClient, user: Account, state: AppState
) -> None:
    prefs = {
        "dietaryRestrictions": ["vegan"],
        "allergies": ["peanuts"],
        "dislikedIngredients": ["cilantro"],
    }
    await set_preferences(client, user, **prefs)
    items = await suggest(client, user, "dinner", limit=20)
    assert len(items) >= 5
    recipes = await _recipes(state, [i["recipeId"] for i in items])
    for item in items:
        recipe, names = recipes[item["recipeId"]]
        assert_allowed(recipe, names, prefs, "dinner")
        assert item["recipe"]["id"] == item["recipeId"]
        assert item["reason"]
    # The catalog does have vegan dinners with cilantro: the filter is doing the work.
    async with state.db.session() as session:
        rows = (
            await session.execute(select(Recipe).where(Recipe.search_text.like("%cilantro%")))
        ).scalars()
        with_cilantro = [r for r in rows if "dinner" in r.meal_types]
    assert with_cilantro


_DIETS = ["vegetarian", "vegan", "gluten-free", "dairy-free", "pescatarian", "nut-free"]
_ALLERGENS = ["milk", "eggs", "fish", "shellfish", "tree-nuts", "peanuts", "wheat", "soy", "sesame"]
_DISLIKES = ["cilantro", "mushroom", "onion", "olive", "coconut", "tofu", "shrimp", "egg"]


@pytest.mark.parametrize("seed", range(6))
async def test_random_preferences_never_violated(
    client: httpx.AsyncClient, user: Account, state: AppState, seed: int
) -> None:
    """Property-style: random diet/allergy/dislike/time combinations against the catalog."""
    rng = random.Random(seed)
    prefs: dict[str, Any] = {
        "dietaryRestrictions": rng.sample(_DIETS, rng.randint(0, 2)),
        "allergies": rng.sample(_ALLERGENS, rng.randint(0, 3)),
        "dislikedIngredients": rng.sample(_DISLIKES, rng.randint(0, 3)),
    }
    if rng.random() < 0.5:
        prefs["maxPrepTime"] = rng.choice([20, 30, 45, 60])
    await set_preferences(client, user, **prefs)
    meal_type = rng.choice(["breakfast", "lunch", "dinner", "snack", None])
    items = await suggest(client, user, meal_type, limit=50)
    recipes = await _recipes(state, [i["recipeId"] for i in items])
    for item in items:
        recipe, names = recipes[item["recipeId"]]
        assert_allowed(recipe, names, prefs, meal_type)


async def test_excludes_recently_planned_and_explains_favourites(
    client: httpx.AsyncClient, user: Account
) -> None:
    first = await suggest(client, user, "dinner", limit=5)
    assert all(i["reason"] == "Popular with other cooks" for i in first)  # cold start
    planned = first[0]["recipeId"]
    plan = await create_plan(client, user)
    added = await add_meal(
        client,
        user,
        plan["id"],
        date=(DAY - timedelta(days=1)).isoformat(),
        mealType="dinner",
        recipeId=planned,
    )
    assert added.status_code == 201
    after = await suggest(client, user, "dinner", limit=50)
    assert planned not in {i["recipeId"] for i in after}

    thai = await catalog_recipe(client, user, "cuisine=thai&mealType=dinner")
    favorite = await client.post(f"/recipes/{thai['id']}/favorite", headers=user.headers)
    assert favorite.status_code in (200, 204), favorite.text
    liked = await suggest(client, user, "dinner", limit=10)
    assert thai["id"] not in {i["recipeId"] for i in liked}
    assert any(i["reason"] == f"Because you liked {thai['name']}" for i in liked)


async def test_people_who_planned_also_planned(
    client: httpx.AsyncClient, user: Account, other_user: Account
) -> None:
    a = await catalog_recipe(client, user, "mealType=dinner&cuisine=italian")
    b = await catalog_recipe(client, user, "mealType=dinner&cuisine=mexican")
    plan = await create_plan(client, other_user, WEEK - timedelta(weeks=8))
    for day, rid in (
        (WEEK - timedelta(weeks=8), a["id"]),
        (WEEK - timedelta(weeks=8, days=-1), b["id"]),
    ):
        r = await add_meal(
            client, other_user, plan["id"], date=day.isoformat(), mealType="dinner", recipeId=rid
        )
        assert r.status_code == 201
    mine = await create_plan(client, user, WEEK - timedelta(weeks=6))
    r = await add_meal(
        client,
        user,
        mine["id"],
        date=(WEEK - timedelta(weeks=6)).isoformat(),
        mealType="dinner",
        recipeId=a["id"],
    )
    assert r.status_code == 201
    items = await suggest(client, user, "dinner", limit=10)
    by_id = {i["recipeId"]: i for i in items}
    assert b["id"] in by_id
    assert by_id[b["id"]]["reason"] == f"People who planned {a['name']} also planned this"


async def test_co_occurrence_is_parsed_again_only_for_a_new_entry(
    state: AppState, user: Account
) -> None:
    async with state.db.session() as session:
        assert await service.co_occurrence(session, state.cache, user.id) == {}
        stamp = await state.cache.get_json(service.CO_OCCURRENCE_STAMP_KEY)
        assert isinstance(stamp, str)
        # Same stamp: the parsed entry stands, whatever the stored one holds now.
        counts = {"a": {"a": 2.0, "b": 1.0}, "b": {"b": 1.0, "a": 1.0}}
        entry = {"stamp": stamp, "counts": counts, "baskets": {}}
        await state.cache.set_json(service.CO_OCCURRENCE_KEY, entry, 600)
        assert await service.co_occurrence(session, state.cache, user.id) == {}
        # A new entry comes with a new stamp.
        await state.cache.set_json(service.CO_OCCURRENCE_KEY, {**entry, "stamp": "next"}, 600)
        await state.cache.set_json(service.CO_OCCURRENCE_STAMP_KEY, "next", 600)
        assert await service.co_occurrence(session, state.cache, user.id) == counts
        # Without a stamp the stored entry is read (and stamped) again.
        await state.cache.delete(service.CO_OCCURRENCE_STAMP_KEY)
        assert await service.co_occurrence(session, state.cache, user.id) == counts
        assert await state.cache.get_json(service.CO_OCCURRENCE_STAMP_KEY) == "next"


async def test_cached_and_invalidated_on_preferences_and_plans(
    client: httpx.AsyncClient, user: Account, state: AppState
) -> None:
    key = suggestions_key(user.id)
    items = await suggest(client, user, "dinner", limit=10)
    cached = await state.cache.get_json(key)
    assert isinstance(cached, dict)
    assert len(cached) == 1
    await suggest(client, user, "lunch", limit=10)
    assert len(await state.cache.get_json(key)) == 2  # one entry, one context per field

    await set_preferences(client, user, dietaryRestrictions=["vegan"])
    assert await state.cache.get_json(key) is None
    vegan = await suggest(client, user, "dinner", limit=10)
    assert all("vegan" in i["recipe"]["dietaryFlags"] for i in vegan)
    assert [i["recipeId"] for i in vegan] != [i["recipeId"] for i in items]

    assert await state.cache.get_json(key) is not None
    await create_plan(client, user)
    assert await state.cache.get_json(key) is None


async def test_validation(client: httpx.AsyncClient, user: Account) -> None:
    bad = await post(client, user, "suggestions", {"context": {"mealType": "brunch"}})
    assert bad.status_code == 400
    assert (await post(client, user, "suggestions", {"limit": 0})).status_code == 400
    anonymous = await client.post("/ai/suggestions", json={})
    assert anonymous.status_code == 401
    default = await post(client, user, "suggestions", {})
    assert default.status_code == 200
    assert len(default.json()["recommendations"]) == 10
