from __future__ import annotations

import httpx

from mealplanner.core.state import AppState
from mealplanner.core.vocab import ALLERGENS, DIETS
from mealplanner.meta.service import VOCABULARIES


async def test_vocabularies_are_public_and_cached(
    client: httpx.AsyncClient, state: AppState
) -> None:
    await state.static_cache.invalidate(VOCABULARIES)
    response = await client.get("/meta/vocabularies")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=3600"
    body = response.json()
    assert body["diets"] == list(DIETS)
    assert body["allergens"] == list(ALLERGENS)
    assert {"key": "cup", "dimension": "volume"} in body["units"]
    assert body["aisles"][0] == "produce"
    # Served from the in-process L1 cache after the first load.
    assert state.static_cache.get(VOCABULARIES) == body
