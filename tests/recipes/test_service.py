"""Derived data: nutrition from USDA tables, diet flags and allergens, the shipped catalog."""

from __future__ import annotations

from collections import Counter

import httpx
import pytest

from mealplanner.core.state import AppState
from mealplanner.recipes.seed import load_catalog, seed_catalog
from tests.fixtures.users import Account
from tests.recipes.conftest import create_recipe


def _ingredient(quantity: float | str, unit: str | None, name: str, food: str) -> dict[str, object]:
    return {"quantity": quantity, "unit": unit, "name": name, "food": food}


async def test_olive_oil_hand_computed(client: httpx.AsyncClient, admin: Account) -> None:
    recipe = await create_recipe(
        client,
        admin,
        servings=1,
        ingredients=[_ingredient(100, "g", "olive oil", "04053")],
    )
    assert recipe["nutrition"]["calories"] == pytest.approx(884, rel=0.02)
    assert recipe["nutrition"]["fatG"] == pytest.approx(100, rel=0.02)
    assert recipe["nutritionCoverage"] == 1.0


async def test_usda_reference_recipe_hand_computed(
    client: httpx.AsyncClient, admin: Account
) -> None:
    # The USDA tables' README example: 2 cups flour (250 g), 2 large eggs (100 g), 1 tbsp olive
    # oil (13.5 g), 4 tbsp butter (56.8 g), 1 cup sugar (200 g), 1 cup whole milk (244 g):
    # 2,502 kcal, 46.6 g protein, 79.5 g fat, 619 mg sodium in total.
    recipe = await create_recipe(
        client,
        admin,
        servings=4,
        ingredients=[
            _ingredient(2, "cup", "all-purpose flour", "20081"),
            _ingredient(2, "large", "eggs", "01123"),
            _ingredient(1, "tbsp", "olive oil", "04053"),
            _ingredient(4, "tbsp", "butter", "01001"),
            _ingredient(1, "cup", "sugar", "19335"),
            _ingredient(1, "cup", "whole milk", "01077"),
        ],
    )
    per_serving = recipe["nutrition"]
    assert per_serving["calories"] * 4 == pytest.approx(2502, rel=0.02)
    assert per_serving["proteinG"] * 4 == pytest.approx(46.6, rel=0.02)
    assert per_serving["fatG"] * 4 == pytest.approx(79.5, rel=0.02)
    assert per_serving["sodiumMg"] * 4 == pytest.approx(619, rel=0.02)
    grams = [i["grams"] for i in recipe["ingredients"]]
    assert grams == pytest.approx([250, 100, 13.5, 56.8, 200, 244], rel=0.01)
    assert set(recipe["allergens"]) == {"wheat", "eggs", "milk"}
    assert "vegetarian" in recipe["dietaryFlags"]
    assert "vegan" not in recipe["dietaryFlags"]
    assert "gluten-free" not in recipe["dietaryFlags"]


async def test_free_text_lines_hand_computed(client: httpx.AsyncClient, admin: Account) -> None:
    # 1 pint milk = 2 cups = 488 g → 61 kcal/100 g → 297.7 kcal; 2 large eggs = 143 kcal.
    recipe = await create_recipe(
        client,
        admin,
        servings=1,
        ingredients=[{"text": "1 pint whole milk"}, {"text": "2 large eggs, beaten"}],
    )
    assert recipe["nutrition"]["calories"] == pytest.approx(297.7 + 143, rel=0.02)
    eggs = recipe["ingredients"][1]
    assert eggs["foodId"] == "01123"
    assert eggs["preparation"] == "beaten"


async def test_allergens_are_derived_from_foods(client: httpx.AsyncClient, admin: Account) -> None:
    recipe = await create_recipe(
        client,
        admin,
        servings=2,
        ingredients=[
            _ingredient(100, "g", "shrimp", "15149"),
            _ingredient(30, "g", "peanuts", "16087"),
            _ingredient(15, "g", "tahini", "12166"),
            _ingredient(2, "tbsp", "soy sauce", "16123"),
            _ingredient(100, "g", "rice", "20044"),
        ],
    )
    assert {"shellfish", "peanuts", "sesame", "soy", "wheat"} <= set(recipe["allergens"])
    assert "milk" not in recipe["allergens"]
    assert "vegetarian" not in recipe["dietaryFlags"]
    assert "dairy-free" in recipe["dietaryFlags"]
    assert "nut-free" not in recipe["dietaryFlags"]


async def test_unresolved_ingredients_are_reported(
    client: httpx.AsyncClient, admin: Account
) -> None:
    recipe = await create_recipe(
        client,
        admin,
        servings=1,
        ingredients=[
            _ingredient(100, "g", "olive oil", "04053"),
            {"quantity": 100, "unit": "g", "name": "zorblax paste"},
        ],
    )
    assert recipe["unresolvedIngredients"] == ["zorblax paste"]
    assert recipe["nutritionCoverage"] == pytest.approx(0.5, abs=0.01)
    assert recipe["ingredients"][1]["foodId"] is None


def test_catalog_is_big_varied_and_complete() -> None:
    catalog = load_catalog()
    assert len(catalog) >= 200
    assert len({r.slug for r in catalog}) == len(catalog)
    assert len({r.cuisine for r in catalog}) >= 12
    meal_types = Counter(m for r in catalog for m in r.meal_types)
    assert set(meal_types) == {"breakfast", "lunch", "dinner", "snack", "dessert"}
    for recipe in catalog:
        assert all(i.food for i in recipe.ingredients), recipe.slug


async def test_catalog_fills_a_week_for_each_diet(state: AppState) -> None:
    """7 days x 3 meals without repeats for vegan, vegetarian and gluten-free users."""
    from sqlalchemy import select

    from mealplanner.recipes.models import Recipe

    async with state.db.session() as session:
        rows = (
            (await session.execute(select(Recipe).where(Recipe.source_id.like("catalog:%"))))
            .scalars()
            .all()
        )
    assert len(rows) >= 200
    assert min(r.nutrition_coverage for r in rows) >= 0.95
    for diet in ("vegan", "vegetarian", "gluten-free"):
        fitting = [r for r in rows if diet in r.dietary_flags]
        used: set[str] = set()
        for meal in ("breakfast", "lunch", "dinner"):
            options = [r for r in fitting if meal in r.meal_types and r.slug not in used]
            assert len(options) >= 7, (diet, meal, len(options))
            used |= {r.slug for r in options[:7]}


async def test_seed_is_idempotent(state: AppState) -> None:
    result = await seed_catalog(state.db, state.cache)
    assert result.created == 0
    assert result.skipped == len(load_catalog())


async def test_cache_is_warmed_with_popular_recipes(state: AppState) -> None:
    from mealplanner.core.cache import MemoryCache, recipe_key
    from mealplanner.recipes.service import warm_popular

    cache = MemoryCache()
    warmed = await warm_popular(state.db, cache, limit=5)
    assert warmed == 5
    async with state.db.session() as session:
        from sqlalchemy import select

        from mealplanner.recipes.models import Recipe

        top = (
            (
                await session.execute(
                    select(Recipe.id)
                    .where(Recipe.visibility == "public")
                    .order_by(Recipe.popularity.desc(), Recipe.created_at.desc())
                    .limit(5)
                )
            )
            .scalars()
            .all()
        )
    for recipe_id in top:
        cached = await cache.get_json(recipe_key(recipe_id))
        assert cached is not None
        assert cached["id"] == str(recipe_id)
        assert cached["ingredients"]


async def test_counts_stop_at_the_cap(state: AppState) -> None:
    from mealplanner.core.pagination import PageParams
    from mealplanner.recipes.filters import RecipeFilters
    from mealplanner.recipes.repository import RecipeRepository

    async with state.db.session() as session:
        repo = RecipeRepository(session)
        statement = repo.list_statement(None, RecipeFilters())
        rows, total, capped = await repo.paginate_capped(statement, PageParams(1, 5), 10)
        assert (len(rows), total, capped) == (5, 10, True)
        rows, total, capped = await repo.paginate_capped(statement, PageParams(1, 5), 100_000)
        assert capped is False
        assert total >= 200


async def test_typo_vocabulary_is_warmed_from_the_public_catalog(state: AppState) -> None:
    from mealplanner.core.cache import MemoryCache
    from mealplanner.recipes.service import NAME_WORDS_KEY, warm_name_words

    cache = MemoryCache()
    count = await warm_name_words(state.db, cache)
    words = await cache.get_json(NAME_WORDS_KEY)
    assert count == len(words) > 100
    assert "chicken" in words
    assert words == sorted(words)
