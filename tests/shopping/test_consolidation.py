"""The issue's consolidation cases, through the API on both databases."""

from __future__ import annotations

import httpx
import pytest

from mealplanner.core.state import AppState
from tests.fixtures.users import Account
from tests.shopping.conftest import Line, item_named, list_with


async def set_units(client: httpx.AsyncClient, user: Account, system: str) -> None:
    response = await client.patch(
        f"/users/{user.id}/preferences", json={"unitSystem": system}, headers=user.headers
    )
    assert response.status_code == 200, response.text


async def test_cups_and_millilitres_of_milk_make_one_line(
    client: httpx.AsyncClient, state: AppState, user: Account
) -> None:
    body = await list_with(
        client, state, user, ([Line("milk", 2, "cup")], 2, 2), ([Line("milk", 250, "ml")], 2, 2)
    )
    milk = item_named(body, "milk")
    assert milk["unit"] == "ml"
    assert milk["quantity"] == pytest.approx(723.2, abs=0.5)
    assert milk["display"] == "723 ml milk"
    assert milk["category"] == "dairy & eggs"
    assert [s["recipeName"] for s in milk["sources"]] == ["Recipe 0", "Recipe 1"]
    assert [s["date"] for s in milk["sources"]] == ["2025-10-13", "2025-10-14"]


async def test_milk_in_imperial_units(
    client: httpx.AsyncClient, state: AppState, user: Account
) -> None:
    await set_units(client, user, "imperial")
    body = await list_with(
        client, state, user, ([Line("milk", 2, "cup")], 2, 2), ([Line("milk", 250, "ml")], 2, 2)
    )
    assert body["unitSystem"] == "imperial"
    assert item_named(body, "milk")["display"] == "3 cups milk"


async def test_eggs_sum(client: httpx.AsyncClient, state: AppState, user: Account) -> None:
    body = await list_with(
        client, state, user, ([Line("eggs", 3)], 2, 2), ([Line("eggs", 2)], 2, 2)
    )
    eggs = item_named(body, "eggs")
    assert eggs["quantity"] == pytest.approx(5)
    assert eggs["display"] == "5 eggs"


async def test_tablespoon_and_teaspoons_of_soy_sauce(
    client: httpx.AsyncClient, state: AppState, user: Account
) -> None:
    body = await list_with(
        client,
        state,
        user,
        ([Line("soy sauce", 1, "tbsp")], 2, 2),
        ([Line("soy sauce", 2, "tsp")], 2, 2),
    )
    soy = item_named(body, "soy sauce")  # exactly one line
    assert soy["quantity"] == pytest.approx(14.787 + 2 * 4.929, abs=0.01)
    assert soy["unit"] == "ml"


async def test_grams_and_a_cup_of_flour(
    client: httpx.AsyncClient, state: AppState, user: Account
) -> None:
    body = await list_with(
        client, state, user, ([Line("flour", 200, "g")], 2, 2), ([Line("flour", 1, "cup")], 2, 2)
    )
    flour = item_named(body, "flour")
    assert flour["unit"] == "g"
    assert flour["quantity"] == pytest.approx(325, abs=1)
    assert flour["display"] == "325 g flour"
    assert flour["category"] == "pantry"


async def test_servings_scale_quantities(
    client: httpx.AsyncClient, state: AppState, user: Account
) -> None:
    lines = [Line("potatoes", 1000, "g"), Line("eggs", 4), Line("milk", 2, "cup")]
    body = await list_with(client, state, user, (lines, 4, 2))
    assert item_named(body, "potatoes")["quantity"] == pytest.approx(500)
    assert item_named(body, "potatoes")["display"] == "500 g potatoes"
    assert item_named(body, "eggs")["display"] == "2 eggs"
    assert item_named(body, "milk")["quantity"] == pytest.approx(236.588, abs=0.01)


async def test_counts_round_up(client: httpx.AsyncClient, state: AppState, user: Account) -> None:
    body = await list_with(client, state, user, ([Line("eggs", 3)], 4, 3))
    assert item_named(body, "eggs")["display"] == "3 eggs"  # 2.25 eggs to buy


async def test_to_taste_listed_once_without_quantity(
    client: httpx.AsyncClient, state: AppState, user: Account
) -> None:
    body = await list_with(
        client,
        state,
        user,
        ([Line("salt", to_taste=True), Line("black pepper", to_taste=True)], 2, 2),
        ([Line("salt", to_taste=True)], 2, 2),
    )
    salt = item_named(body, "salt")
    assert salt["quantity"] is None
    assert salt["toTaste"] is True
    assert salt["display"] == "salt (to taste)"
    assert len(salt["sources"]) == 2
    assert salt["category"] == "spices & seasonings"


async def test_optional_items_are_marked(
    client: httpx.AsyncClient, state: AppState, user: Account
) -> None:
    body = await list_with(
        client, state, user, ([Line("eggs", 2), Line("basil", 5, "g", optional=True)], 2, 2)
    )
    assert item_named(body, "basil")["optional"] is True
    assert item_named(body, "eggs")["optional"] is False


async def test_incompatible_units_stay_separate(
    client: httpx.AsyncClient, state: AppState, user: Account
) -> None:
    # An unlinked name has no density: cups and grams of it cannot be merged honestly.
    body = await list_with(
        client,
        state,
        user,
        ([Line("mystery powder", 1, "cup", link=False)], 2, 2),
        ([Line("mystery powder", 50, "g", link=False)], 2, 2),
    )
    lines = [i for i in body["items"] if i["name"] == "mystery powder"]
    assert sorted(i["unit"] for i in lines) == ["g", "ml"]


async def test_aisles_in_store_order(
    client: httpx.AsyncClient, state: AppState, user: Account
) -> None:
    lines = [
        Line("orange juice", 1, "cup"),
        Line("frozen peas", 200, "g"),
        Line("salt", 1, "tsp"),
        Line("flour", 100, "g"),
        Line("bread", 2, "slice"),
        Line("milk", 1, "cup"),
        Line("chicken breast", 500, "g"),
        Line("onion", 1),
        Line("paper towels", 1, link=False),
    ]
    body = await list_with(client, state, user, (lines, 2, 2))
    assert [g["category"] for g in body["groups"]] == [
        "produce",
        "meat & seafood",
        "dairy & eggs",
        "bakery",
        "pantry",
        "spices & seasonings",
        "frozen",
        "beverages",
        "other",
    ]
    flat = [item["id"] for group in body["groups"] for item in group["items"]]
    assert flat == [item["id"] for item in body["items"]]
    assert body["groups"][0]["items"][0]["display"] == "1 onion"
