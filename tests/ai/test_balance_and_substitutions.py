from __future__ import annotations

import statistics
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select

from mealplanner.core.state import AppState
from mealplanner.recipes.models import Recipe, RecipeIngredient
from tests.ai.conftest import post, set_preferences
from tests.fixtures.users import Account
from tests.mealplans.conftest import WEEK, add_meal, catalog_recipe, create_plan

# -- nutrition balance --------------------------------------------------------------------------


async def test_hand_built_week_exact_score(
    client: httpx.AsyncClient, user: Account, other_user: Account
) -> None:
    await set_preferences(client, user, householdSize=2)
    plan = await create_plan(client, user)
    breakfast = await catalog_recipe(client, user, "mealType=breakfast")
    dinner = await catalog_recipe(client, user, "mealType=dinner&sort=calories:desc")
    lunch = await catalog_recipe(client, user, "mealType=lunch&sort=name:desc")
    # Mon: breakfast + dinner (2 servings = 1 per person); Tue: lunch x4 (2 per person);
    # Wed: dinner; Thu-Sun empty.
    meals = [
        (0, "breakfast", breakfast, 2),
        (0, "dinner", dinner, 2),
        (1, "lunch", lunch, 4),
        (2, "dinner", dinner, 2),
    ]
    for offset, meal_type, recipe, servings in meals:
        r = await add_meal(
            client,
            user,
            plan["id"],
            date=(WEEK + timedelta(days=offset)).isoformat(),
            mealType=meal_type,
            recipeId=recipe["id"],
            servings=servings,
        )
        assert r.status_code == 201, r.text

    response = await post(client, user, "nutrition-balance", {"mealPlanId": plan["id"]})
    assert response.status_code == 200, response.text
    body = response.json()

    def day_total(offset: int, key: str) -> float:
        return sum(
            recipe["nutrition"][key] * servings / 2
            for o, _, recipe, servings in meals
            if o == offset
        )

    kcal = [day_total(o, "calories") for o in range(3)]
    grams = {k: [day_total(o, k) for o in range(3)] for k in ("proteinG", "carbsG", "fatG")}
    for o in range(3):
        assert abs(body["days"][o]["calories"] - kcal[o]) <= 0.2
        assert body["days"][o]["empty"] is False
    assert [d["empty"] for d in body["days"][3:]] == [True] * 4
    assert body["emptyDays"] == [(WEEK + timedelta(days=o)).isoformat() for o in range(3, 7)]

    avg = {k: sum(v) / 3 for k, v in grams.items()}
    macro_kcal = 4 * avg["proteinG"] + 4 * avg["carbsG"] + 9 * avg["fatG"]
    split = (
        100 * 4 * avg["proteinG"] / macro_kcal,
        100 * 4 * avg["carbsG"] / macro_kcal,
        100 * 9 * avg["fatG"] / macro_kcal,
    )
    macro_score = max(
        0.0, 100 - 2 * sum(abs(a - t) for a, t in zip(split, (30, 40, 30), strict=True))
    )
    score = 100.0
    if statistics.pstdev(kcal) > 500:
        score -= 20
    score = 0.6 * score + 0.4 * macro_score
    score -= 10  # 3 distinct recipes < 7
    expected = round(min(100.0, max(0.0, score)), 1)
    assert abs(body["balanceScore"] - expected) <= 0.3, (body["balanceScore"], expected)
    assert body["uniqueRecipes"] == 3
    assert body["weeklyAverages"]["daysCounted"] == 3
    assert body["targets"] == {
        "calories": 2000.0,
        "proteinPct": 30.0,
        "carbsPct": 40.0,
        "fatPct": 30.0,
        "source": "default",
    }
    messages = [i["message"] for i in body["insights"]]
    assert "Thursday has no meals planned" in messages
    assert sum(body["macroDistribution"].values()) == pytest_approx_100(body)

    by_week = await post(client, user, "nutrition-balance", {"weekStart": WEEK.isoformat()})
    assert by_week.json()["balanceScore"] == body["balanceScore"]
    # Ownership: another user's plan is not found, and so is a week without a plan.
    theirs = await post(client, other_user, "nutrition-balance", {"mealPlanId": plan["id"]})
    assert theirs.status_code == 404
    none = await post(client, other_user, "nutrition-balance", {"weekStart": WEEK.isoformat()})
    assert none.status_code == 404
    both = await post(
        client,
        user,
        "nutrition-balance",
        {"mealPlanId": plan["id"], "weekStart": WEEK.isoformat()},
    )
    assert both.status_code == 400


def pytest_approx_100(body: dict[str, Any]) -> float:
    total = sum(body["macroDistribution"].values())
    assert abs(total - 100) <= 0.2
    return float(total)


async def test_user_targets_and_vegetable_days(client: httpx.AsyncClient, user: Account) -> None:
    await set_preferences(
        client,
        user,
        householdSize=1,
        dailyCalorieTarget=1800,
        macroTargets={"proteinPct": 25, "carbsPct": 50, "fatPct": 25},
    )
    plan = await create_plan(client, user)
    salad = await catalog_recipe(client, user, "mealType=lunch&includeIngredients=spinach")
    r = await add_meal(
        client, user, plan["id"], date=WEEK.isoformat(), mealType="lunch", recipeId=salad["id"]
    )
    assert r.status_code == 201
    body = (await post(client, user, "nutrition-balance", {"mealPlanId": plan["id"]})).json()
    assert body["targets"]["source"] == "preferences"
    assert body["targets"]["calories"] == 1800
    monday = body["days"][0]
    assert monday["hasVegetables"] is True
    assert monday["vegetableGrams"] >= 50
    expected_dev = 100 * (monday["calories"] - 1800) / 1800
    assert abs(monday["calorieDeviationPct"] - expected_dev) <= 0.1


# -- substitutions ------------------------------------------------------------------------------


async def test_substitutions_respect_allergies_and_diets(
    client: httpx.AsyncClient, user: Account
) -> None:
    await set_preferences(
        client, user, dietaryRestrictions=["vegan"], allergies=["tree-nuts", "soy"]
    )
    response = await post(client, user, "substitutions", {"ingredient": "whole milk"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["matched"] == "milk"
    subs = body["substitutes"]
    assert subs
    names = [s["substitute"] for s in subs]
    assert not any("almond" in n or "soy" in n for n in names), names
    for s in subs:
        assert "vegan" in s["suitsDiets"]
        assert not {"tree-nuts", "soy"} & set(s["containsAllergens"])
        assert s["ratio"]


async def test_substitution_nutrition_change_for_a_recipe(
    client: httpx.AsyncClient, user: Account, state: AppState
) -> None:
    async with state.db.session() as session:
        row = (
            await session.execute(
                select(Recipe.id, RecipeIngredient.name)
                .join(RecipeIngredient, RecipeIngredient.recipe_id == Recipe.id)
                .where(
                    RecipeIngredient.name.ilike("%butter%"),
                    ~RecipeIngredient.name.ilike("%peanut%"),
                    ~RecipeIngredient.name.ilike("%nut butter%"),
                    RecipeIngredient.grams > 20,
                    RecipeIngredient.food_id.is_not(None),
                )
                .order_by(Recipe.slug)
                .limit(1)
            )
        ).one()
    recipe_id = str(row[0])
    response = await post(
        client, user, "substitutions", {"ingredient": "butter", "recipeId": recipe_id}
    )
    assert response.status_code == 200, response.text
    subs = response.json()["substitutes"]
    changed = [s for s in subs if s["nutritionChange"] is not None]
    assert changed
    for s in changed:
        change = s["nutritionChange"]
        for key in ("calories", "fatG", "proteinG"):
            assert abs(change["after"][key] - change["before"][key] - change["delta"][key]) <= 0.11
    assert any(s["nutritionChange"]["delta"]["saturatedFatG"] < 0 for s in changed)

    # Allergic to milk: butter's dairy swaps (ghee) are never offered.
    await set_preferences(client, user, allergies=["milk"])
    safe = (
        await post(client, user, "substitutions", {"ingredient": "butter", "recipeId": recipe_id})
    ).json()["substitutes"]
    assert safe
    assert all("milk" not in s["containsAllergens"] for s in safe)

    missing = await post(
        client, user, "substitutions", {"ingredient": "gelatin", "recipeId": recipe_id}
    )
    assert missing.status_code == 400
    unknown = await post(
        client,
        user,
        "substitutions",
        {"ingredient": "butter", "recipeId": "00000000-0000-0000-0000-000000000000"},
    )
    assert unknown.status_code == 404
    nothing = await post(client, user, "substitutions", {"ingredient": "xyzzy"})
    assert nothing.json() == {
        "ingredient": "xyzzy",
        "matched": None,
        "recipeId": None,
        "substitutes": [],
    }
