from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from mealplanner.core.dependencies import StateDep
from mealplanner.meta import service

router = APIRouter(tags=["meta"])


@router.get("/meta/vocabularies")
async def vocabularies(state: StateDep) -> Any:
    """Diets, allergens, cuisines, meal types, categories, units, aisles and the other fixed
    values the API accepts (no login needed; cacheable for an hour)."""
    return JSONResponse(
        await service.vocabularies(state.static_cache),
        headers={"Cache-Control": "public, max-age=3600"},
    )
