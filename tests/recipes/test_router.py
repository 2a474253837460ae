from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI

from tests.fixtures.users import Account
from tests.recipes.conftest import create_recipe, recipe_payload


async def test_list_has_pagination_envelope(client: httpx.AsyncClient, user: Account) -> None:
    response = await client.get("/recipes?page=2&limit=5", headers=user.headers)
    assert response.status_code == 200
    body = response.json()
    assert len(body["data"]) == 5
    pagination = body["pagination"]
    assert pagination["page"] == 2
    assert pagination["limit"] == 5
    assert pagination["total"] >= 200
    assert pagination["totalPages"] == -(-pagination["total"] // 5)


@pytest.mark.parametrize("query", ["page=0", "limit=0", "limit=101", "page=abc", "limit=-1"])
async def test_bad_pagination_is_400(client: httpx.AsyncClient, user: Account, query: str) -> None:
    response = await client.get(f"/recipes?{query}", headers=user.headers)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


async def test_requires_authentication(client: httpx.AsyncClient) -> None:
    assert (await client.get("/recipes")).status_code == 401


async def test_detail_authenticates_without_dependencies(
    app: FastAPI, client: httpx.AsyncClient, user: Account
) -> None:
    """The detail route checks the caller itself (`read_caller`): same answers, same OpenAPI."""
    recipe_id = (await client.get("/recipes?limit=1", headers=user.headers)).json()["data"][0]["id"]
    assert (await client.get(f"/recipes/{recipe_id}")).status_code == 401
    bad = await client.get(f"/recipes/{recipe_id}", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    assert bad.json()["error"]["code"] == "UNAUTHORIZED"
    ok = await client.get(f"/recipes/{recipe_id}", headers=user.headers)
    assert (ok.status_code, ok.json()["id"]) == (200, recipe_id)
    operation = app.openapi()["paths"]["/api/v1/recipes/{recipeId}"]["get"]
    assert operation["security"] == [{"HTTPBearer": []}]
    assert [p["name"] for p in operation["parameters"]] == ["recipeId"]


async def test_detail_is_sent_compressed_once_per_recipe(
    client: httpx.AsyncClient, user: Account, admin: Account
) -> None:
    """Clients that accept gzip get the pre-compressed body: the same JSON, the caller's own
    favourite flag, and the headers the middleware would have sent."""
    recipe_id = (await client.get("/recipes?limit=1", headers=user.headers)).json()["data"][0]["id"]
    gzip_headers = {**user.headers, "Accept-Encoding": "gzip"}
    plain_headers = {**user.headers, "Accept-Encoding": "identity"}
    for favorite in (False, True):
        plain = await client.get(f"/recipes/{recipe_id}", headers=plain_headers)
        assert "content-encoding" not in plain.headers
        for _ in range(2):  # the second answer comes from the compressed copy
            packed = await client.get(f"/recipes/{recipe_id}", headers=gzip_headers)
            assert packed.status_code == 200
            assert packed.headers["content-encoding"] == "gzip"
            assert packed.headers["vary"] == "Accept-Encoding"
            assert packed.headers["content-type"] == "application/json"
            assert packed.json() == plain.json()  # httpx decompresses
            assert packed.json()["isFavorite"] is favorite
        assert len(packed.content) == len(plain.content)
        assert int(packed.headers["content-length"]) < len(plain.content) / 2
        await client.post(f"/recipes/{recipe_id}/favorite", headers=user.headers)
    # An edit is never answered from an old compressed copy.
    edit = await client.patch(
        f"/recipes/{recipe_id}", json={"name": "Renamed Test Dish"}, headers=admin.headers
    )
    assert edit.status_code == 200, edit.text
    packed = await client.get(f"/recipes/{recipe_id}", headers=gzip_headers)
    assert packed.json()["name"] == "Renamed Test Dish"


@pytest.mark.parametrize(
    "query",
    [
        "cuisine=martian",
        "dietary=carnivore",
        "mealType=brunch",
        "excludeAllergens=cats",
        "category=everything",
        "sort=colour:desc",
        "sort=name:sideways",
        "maxPrepTime=-5",
        "minCalories=900&maxCalories=100",
    ],
)
async def test_unknown_filter_values_are_400(
    client: httpx.AsyncClient, user: Account, query: str
) -> None:
    response = await client.get(f"/recipes?{query}", headers=user.headers)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["details"]


async def _all(client: httpx.AsyncClient, user: Account, query: str) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    page = 1
    while True:
        response = await client.get(f"/recipes?{query}&limit=100&page={page}", headers=user.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body["data"])
        if page >= body["pagination"]["totalPages"]:
            return items
        page += 1


async def test_each_filter_holds(client: httpx.AsyncClient, user: Account) -> None:
    vegan_gf = await _all(client, user, "dietary=vegan&dietary=gluten-free&mealType=dinner")
    assert vegan_gf
    for r in vegan_gf:
        assert {"vegan", "gluten-free"} <= set(r["dietaryFlags"])  # type: ignore[arg-type]
        assert "dinner" in r["mealTypes"]  # type: ignore[operator]

    thai = await _all(client, user, "cuisine=thai")
    assert thai
    assert all(r["cuisine"] == "thai" for r in thai)

    quick = await _all(client, user, "maxPrepTime=10&maxTotalTime=20")
    assert quick
    assert all(int(r["prepMinutes"]) <= 10 and int(r["totalMinutes"]) <= 20 for r in quick)  # type: ignore[call-overload]

    ranged = await _all(client, user, "minCalories=300&maxCalories=500")
    assert ranged
    assert all(300 <= r["nutrition"]["calories"] <= 500 for r in ranged)  # type: ignore[index]

    no_nuts = await _all(client, user, "excludeAllergens=tree-nuts,peanuts")
    assert no_nuts
    assert not any({"tree-nuts", "peanuts"} & set(r["allergens"]) for r in no_nuts)  # type: ignore[arg-type]

    everything = await _all(client, user, "sort=name:asc")
    assert len(no_nuts) < len(everything)


async def test_ingredient_filters(client: httpx.AsyncClient, user: Account, admin: Account) -> None:
    await create_recipe(client, admin, name="Filter Probe Chickpea Stew", tags=["probe-tag"])
    with_lentils = await _all(client, user, "tags=probe-tag&includeIngredients=lentils")
    assert [r["name"] for r in with_lentils] == ["Filter Probe Chickpea Stew"]
    without = await _all(client, user, "tags=probe-tag&excludeIngredients=lentils")
    assert without == []
    # LIKE wildcards in the text are literal.
    wildcard = await _all(client, user, "tags=probe-tag&includeIngredients=%25")
    assert wildcard == []


async def test_spec_category_dinner_means_meal_type(
    client: httpx.AsyncClient, user: Account
) -> None:
    response = await client.get("/recipes?category=Dinner&dietary=Vegan", headers=user.headers)
    assert response.status_code == 200
    data = response.json()["data"]
    assert data
    assert all("dinner" in r["mealTypes"] and "vegan" in r["dietaryFlags"] for r in data)


async def test_sorting(client: httpx.AsyncClient, user: Account) -> None:
    by_calories = (
        await client.get("/recipes?sort=calories:asc&limit=50", headers=user.headers)
    ).json()["data"]
    calories = [r["nutrition"]["calories"] for r in by_calories]
    assert calories == sorted(calories)
    by_name = (await client.get("/recipes?sort=name&limit=50", headers=user.headers)).json()["data"]
    names = [r["name"] for r in by_name]
    assert names == sorted(names)
    by_prep = (
        await client.get("/recipes?sort=prepTime:desc,name:asc&limit=50", headers=user.headers)
    ).json()["data"]
    preps = [r["prepMinutes"] for r in by_prep]
    assert preps == sorted(preps, reverse=True)


async def test_get_by_id_and_slug(client: httpx.AsyncClient, user: Account, admin: Account) -> None:
    created = await create_recipe(client, admin, name="Slug Probe Soup")
    assert created["slug"] == "slug-probe-soup"
    by_id = await client.get(f"/recipes/{created['id']}", headers=user.headers)
    by_slug = await client.get("/recipes/slug-probe-soup", headers=user.headers)
    assert by_id.status_code == by_slug.status_code == 200
    assert by_id.json()["id"] == by_slug.json()["id"]
    detail = by_id.json()
    assert [i["position"] for i in detail["ingredients"]] == [0, 1, 2, 3]
    onion = detail["ingredients"][1]
    assert onion["name"] == "onion"
    assert onion["unit"] == "medium"
    assert onion["preparation"] == "diced"
    assert onion["foodId"] == "11282"
    assert (await client.get(f"/recipes/{uuid.uuid4()}", headers=user.headers)).status_code == 404
    assert (await client.get("/recipes/no-such-slug", headers=user.headers)).status_code == 404


async def test_admin_only_writes(client: httpx.AsyncClient, user: Account, admin: Account) -> None:
    denied = await client.post("/recipes", json=recipe_payload(), headers=user.headers)
    assert denied.status_code == 403
    assert denied.json()["error"]["code"] == "FORBIDDEN"
    created = await create_recipe(client, admin)
    patch = await client.patch(
        f"/recipes/{created['id']}", json={"name": "Hacked"}, headers=user.headers
    )
    assert patch.status_code == 403
    delete = await client.delete(f"/recipes/{created['id']}", headers=user.headers)
    assert delete.status_code == 403
    unchanged = await client.get(f"/recipes/{created['id']}", headers=user.headers)
    assert unchanged.json()["name"] == "Test Lentil Soup"


async def test_admin_update_recomputes_nutrition(
    client: httpx.AsyncClient, admin: Account, user: Account
) -> None:
    created = await create_recipe(client, admin, servings=1)
    before = created["nutrition"]["calories"]
    response = await client.patch(
        f"/recipes/{created['id']}",
        json={
            "ingredients": [{"quantity": 100, "unit": "g", "name": "olive oil", "food": "04053"}]
        },
        headers=admin.headers,
    )
    assert response.status_code == 200, response.text
    after = response.json()
    assert after["nutrition"]["calories"] == pytest.approx(884, rel=0.02)
    assert after["nutrition"]["calories"] != before
    assert "vegan" in after["dietaryFlags"]
    # The cached copy was invalidated: readers see the change at once.
    read = await client.get(f"/recipes/{created['id']}", headers=user.headers)
    assert read.json()["nutrition"]["calories"] == pytest.approx(884, rel=0.02)
    deleted = await client.delete(f"/recipes/{created['id']}", headers=admin.headers)
    assert deleted.status_code == 204
    assert (await client.get(f"/recipes/{created['id']}", headers=user.headers)).status_code == 404


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"servings": 0}, "servings"),
        ({"servings": 1000}, "servings"),
        (
            {"ingredients": [{"quantity": -2, "unit": "g", "name": "flour"}]},
            "ingredients.0.quantity",
        ),
        (
            {"ingredients": [{"quantity": 1, "unit": "parsec", "name": "flour"}]},
            "ingredients.0.unit",
        ),
        ({"ingredients": [{"quantity": "lots", "name": "flour"}]}, "ingredients.0.quantity"),
        ({"mealTypes": ["elevenses"]}, "mealTypes.0"),
        ({"ownerId": str(uuid.uuid4())}, "ownerId"),
        ({"favoriteCount": 1000}, "favoriteCount"),
    ],
)
async def test_write_validation(
    client: httpx.AsyncClient, admin: Account, patch: dict[str, object], field: str
) -> None:
    created = await create_recipe(client, admin)
    response = await client.patch(f"/recipes/{created['id']}", json=patch, headers=admin.headers)
    assert response.status_code == 400, response.text
    assert field in response.json()["error"]["details"]


async def test_favorites_are_idempotent(
    client: httpx.AsyncClient, user: Account, other_user: Account, admin: Account
) -> None:
    recipe = await create_recipe(client, admin, name="Favorite Probe")
    for _ in range(2):
        response = await client.post(f"/recipes/{recipe['id']}/favorite", headers=user.headers)
        assert response.status_code == 200
        assert response.json() == {"recipeId": recipe["id"], "favorited": True, "favoriteCount": 1}
    listed = await client.get(f"/users/{user.id}/favorites", headers=user.headers)
    assert [r["id"] for r in listed.json()["data"]] == [recipe["id"]]
    detail = await client.get(f"/recipes/{recipe['id']}", headers=user.headers)
    assert detail.json()["isFavorite"] is True
    assert detail.json()["favoriteCount"] == 1
    # Someone else's favorites list is theirs alone.
    forbidden = await client.get(f"/users/{user.id}/favorites", headers=other_user.headers)
    assert forbidden.status_code == 403
    for _ in range(2):
        removed = await client.delete(f"/recipes/{recipe['id']}/favorite", headers=user.headers)
        assert removed.status_code == 200
        assert removed.json()["favoriteCount"] == 0
    listed = await client.get(f"/users/{user.id}/favorites", headers=user.headers)
    assert listed.json()["data"] == []
    assert listed.json()["pagination"]["total"] == 0


async def test_private_recipes_are_invisible_to_others(
    client: httpx.AsyncClient, user: Account, other_user: Account, admin: Account
) -> None:
    response = await client.post(
        f"/users/{user.id}/recipes",
        json=recipe_payload(name="Grandma Zelda Secret Stew", tags=["secret-probe"]),
        headers=user.headers,
    )
    assert response.status_code == 201, response.text
    private = response.json()
    assert private["visibility"] == "private"
    assert private["ownerId"] == str(user.id)

    mine = await client.get("/recipes?tags=secret-probe", headers=user.headers)
    assert [r["id"] for r in mine.json()["data"]] == [private["id"]]
    theirs = await client.get("/recipes?tags=secret-probe", headers=other_user.headers)
    assert theirs.json()["data"] == []
    search = await client.get("/recipes/search?q=zelda", headers=other_user.headers)
    assert search.json()["data"] == []
    own_search = await client.get("/recipes/search?q=zelda", headers=user.headers)
    assert [r["id"] for r in own_search.json()["data"]] == [private["id"]]
    auto = await client.get("/recipes/autocomplete?q=grandma", headers=other_user.headers)
    assert auto.json() == []
    direct = await client.get(f"/recipes/{private['id']}", headers=other_user.headers)
    assert direct.status_code == 404
    fav = await client.post(f"/recipes/{private['id']}/favorite", headers=other_user.headers)
    assert fav.status_code == 404
    assert (await client.get(f"/recipes/{private['id']}", headers=admin.headers)).status_code == 200
    # Owners edit their private recipe; they cannot publish it to the catalog.
    edit = await client.patch(
        f"/recipes/{private['id']}", json={"description": "Mine."}, headers=user.headers
    )
    assert edit.status_code == 200
    publish = await client.patch(
        f"/recipes/{private['id']}", json={"visibility": "public"}, headers=user.headers
    )
    assert publish.status_code == 403
    other_create = await client.post(
        f"/users/{user.id}/recipes", json=recipe_payload(), headers=other_user.headers
    )
    assert other_create.status_code == 403
