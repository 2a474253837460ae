from __future__ import annotations

import httpx
import pytest

from mealplanner.core.state import AppState
from tests.fixtures.users import Account
from tests.recipes.conftest import create_recipe, recipe_payload


async def _search(
    client: httpx.AsyncClient, user: Account, q: str, extra: str = ""
) -> httpx.Response:
    params = {"q": q, **dict(p.split("=") for p in extra.split("&") if p)}
    return await client.get("/recipes/search", params=params, headers=user.headers)


async def test_exact_name_match_ranks_first(
    client: httpx.AsyncClient, user: Account, admin: Account
) -> None:
    await create_recipe(
        client, admin, name="Lentil Dal", description="A dal with lentil and more lentil, lentils."
    )
    await create_recipe(client, admin, name="Spiced Lentil Dal With Spinach")
    response = await _search(client, user, "lentil dal")
    assert response.status_code == 200
    names = [r["name"] for r in response.json()["data"]]
    assert names[0] == "Lentil Dal"
    assert "Spiced Lentil Dal With Spinach" in names


async def test_name_outranks_ingredient_mentions(
    client: httpx.AsyncClient, user: Account, admin: Account
) -> None:
    await create_recipe(client, admin, name="Quokkaberry Tart", tags=["rank-probe"])
    await create_recipe(
        client,
        admin,
        name="Plain Pudding",
        description="Served with quokkaberry on the side.",
        tags=["rank-probe"],
    )
    names = [
        r["name"]
        for r in (await _search(client, user, "quokkaberry", "tags=rank-probe")).json()["data"]
    ]
    assert names == ["Quokkaberry Tart", "Plain Pudding"]


async def test_search_covers_ingredients_cuisine_and_tags(
    client: httpx.AsyncClient, user: Account
) -> None:
    for query in ("chickpeas", "thai", "tofu", "curry"):
        response = await _search(client, user, query)
        assert response.status_code == 200
        assert response.json()["pagination"]["total"] > 0, query


async def test_search_applies_filters(client: httpx.AsyncClient, user: Account) -> None:
    response = await _search(client, user, "chicken", "dietary=vegan")
    assert response.status_code == 200
    for r in response.json()["data"]:
        assert "vegan" in r["dietaryFlags"]


async def test_search_typo_tolerance(client: httpx.AsyncClient, user: Account) -> None:
    response = await _search(client, user, "chiken")
    assert response.status_code == 200
    names = [r["name"].lower() for r in response.json()["data"]]
    assert names
    assert any("chicken" in n for n in names)


async def test_autocomplete_prefix_and_typos(client: httpx.AsyncClient, user: Account) -> None:
    prefix = await client.get("/recipes/autocomplete?q=chic", headers=user.headers)
    assert prefix.status_code == 200
    names = [r["name"].lower() for r in prefix.json()]
    assert 0 < len(names) <= 10
    assert all("chic" in n for n in names[:3])
    typo = await client.get("/recipes/autocomplete?q=chiken", headers=user.headers)
    typo_names = [r["name"].lower() for r in typo.json()]
    assert typo_names
    assert any("chicken" in n for n in typo_names)


HOSTILE = [
    "mac & cheese",
    '"chicken',
    "chicken)) OR 1=1 --",
    "a:* & !b | (c <-> d)",
    "NEAR(chicken rice)",
    "'; DROP TABLE recipes; --",
    "üñíçødé crème brûlée",
    "🍕🍔🌮",
    "x" * 500,
    "chicken " * 60,
    "\\",
    "%_%",
    "*",
    "-",
    "the and of",
    "   ",
    "\x00null",
]


@pytest.mark.parametrize("query", HOSTILE, ids=range(len(HOSTILE)))
async def test_hostile_queries_never_500(
    client: httpx.AsyncClient, user: Account, query: str
) -> None:
    response = await client.get("/recipes/search", params={"q": query}, headers=user.headers)
    assert response.status_code in (200, 400), response.text
    if response.status_code == 200:
        assert "data" in response.json()
    auto = await client.get(
        "/recipes/autocomplete", params={"q": query[:100]}, headers=user.headers
    )
    assert auto.status_code in (200, 400)


async def test_overlong_query_is_400(client: httpx.AsyncClient, user: Account) -> None:
    response = await client.get("/recipes/search", params={"q": "x" * 1000}, headers=user.headers)
    assert response.status_code == 400


async def test_search_results_see_new_recipes_at_once(
    client: httpx.AsyncClient, user: Account, admin: Account
) -> None:
    before = await _search(client, user, "zanzibarian")
    assert before.json()["data"] == []
    await create_recipe(client, admin, name="Zanzibarian Pilau")
    after = await _search(client, user, "zanzibarian")
    assert [r["name"] for r in after.json()["data"]] == ["Zanzibarian Pilau"]


async def test_broad_searches_are_capped_and_keep_exact_matches_first(
    client: httpx.AsyncClient, user: Account, admin: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mealplanner.recipes import repository

    await create_recipe(client, admin, name="Chicken", description="Just chicken.")
    monkeypatch.setattr(repository, "COUNT_LIMIT", 5)
    response = await _search(client, user, "chicken", "limit=10")
    assert response.status_code == 200
    body = response.json()
    assert body["pagination"]["totalCapped"] is True
    assert body["pagination"]["total"] == 5
    names = [r["name"] for r in body["data"]]
    assert names[0] == "Chicken"


async def test_multi_word_typos_are_corrected_word_by_word(
    client: httpx.AsyncClient, user: Account, admin: Account
) -> None:
    await create_recipe(client, admin, name="Quokkaberry Crumble Tart")
    auto = await client.get("/recipes/autocomplete?q=quokaberry crumb", headers=user.headers)
    assert [r["name"] for r in auto.json()] == ["Quokkaberry Crumble Tart"]
    found = await _search(client, user, "quokaberry crumbel")
    assert [r["name"] for r in found.json()["data"]] == ["Quokkaberry Crumble Tart"]


async def test_typo_vocabulary_sees_a_new_recipe_at_once(
    client: httpx.AsyncClient, user: Account, admin: Account
) -> None:
    before = await client.get("/recipes/autocomplete?q=wombatberry", headers=user.headers)
    assert before.json() == []  # also loads the vocabulary into the cache
    await create_recipe(client, admin, name="Wombatberry Fool")
    after = await client.get("/recipes/autocomplete?q=wombatbery", headers=user.headers)
    assert [r["name"] for r in after.json()] == ["Wombatberry Fool"]


async def test_typos_find_the_callers_private_recipes_only(
    client: httpx.AsyncClient, user: Account, other_user: Account
) -> None:
    created = await client.post(
        f"/users/{user.id}/recipes",
        json={**recipe_payload(name="Grandmas Pierogi Casserole")},
        headers=user.headers,
    )
    assert created.status_code == 201, created.text
    mine = await client.get("/recipes/autocomplete?q=pierogy", headers=user.headers)
    assert [r["name"] for r in mine.json()] == ["Grandmas Pierogi Casserole"]
    theirs = await client.get("/recipes/autocomplete?q=pierogy", headers=other_user.headers)
    assert theirs.json() == []
    search = await _search(client, other_user, "pierogy casserole")
    assert search.json()["data"] == []


async def test_typo_search_keeps_the_filters(
    client: httpx.AsyncClient, user: Account, admin: Account
) -> None:
    await create_recipe(client, admin, name="Numbatfruit Salad", mealTypes=["lunch"])
    lunch = await _search(client, user, "numbatfriut", "mealType=lunch")
    assert [r["name"] for r in lunch.json()["data"]] == ["Numbatfruit Salad"]
    dinner = await _search(client, user, "numbatfriut", "mealType=dinner")
    assert dinner.json()["data"] == []


async def test_public_pages_are_cached_once_for_everyone_without_private_recipes(
    client: httpx.AsyncClient, state: AppState, user: Account, other_user: Account
) -> None:
    label = {"cache": "redis" if state.redis is not None else "memory"}

    def hits() -> float:
        return state.metrics.registry.get_sample_value("mealplanner_cache_hits_total", label) or 0

    first = await client.get("/recipes?cuisine=thai&limit=7", headers=user.headers)
    before = hits()
    second = await client.get("/recipes?cuisine=thai&limit=7", headers=other_user.headers)
    assert hits() == before + 1  # the page the first user loaded
    assert second.json() == first.json()

    created = await client.post(
        f"/users/{user.id}/recipes",
        json=recipe_payload(name="Private Thai Noodles", cuisine="thai"),
        headers=user.headers,
    )
    assert created.status_code == 201
    mine = await client.get(
        "/recipes?cuisine=thai&limit=7&sort=createdAt:desc", headers=user.headers
    )
    assert mine.json()["data"][0]["name"] == "Private Thai Noodles"
    theirs = await client.get(
        "/recipes?cuisine=thai&limit=7&sort=createdAt:desc", headers=other_user.headers
    )
    assert "Private Thai Noodles" not in [r["name"] for r in theirs.json()["data"]]
    # Still shared by everyone else: the first user's page went to their own entry.
    before = hits()
    again = await client.get(
        "/recipes?cuisine=thai&limit=7&sort=createdAt:desc", headers=other_user.headers
    )
    assert hits() == before + 2  # whether they own private recipes, then the shared page
    assert again.json() == theirs.json()
