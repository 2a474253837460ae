"""The fixed vocabularies clients build forms and filters from.

Static for a given release, so they are held in the in-process L1 cache (`static_cache`),
which Redis pub/sub invalidates across processes when a deploy calls for it.
"""

from __future__ import annotations

from typing import Any

from mealplanner.core.cache import StaticDataCache
from mealplanner.core.vocab import (
    ALLERGENS,
    CUISINES,
    DIETS,
    DIFFICULTIES,
    MEAL_TYPES,
    NOTIFICATION_KINDS,
    PLAN_MEAL_TYPES,
    RECIPE_CATEGORIES,
    UNIT_SYSTEMS,
)
from mealplanner.foods.units import UNITS
from mealplanner.shopping.categorizer import AISLES

VOCABULARIES = "vocabularies"


async def _load() -> dict[str, Any]:
    return {
        "diets": list(DIETS),
        "allergens": list(ALLERGENS),
        "cuisines": list(CUISINES),
        "mealTypes": list(MEAL_TYPES),
        "planMealTypes": list(PLAN_MEAL_TYPES),
        "recipeCategories": list(RECIPE_CATEGORIES),
        "difficulties": list(DIFFICULTIES),
        "unitSystems": list(UNIT_SYSTEMS),
        "units": [{"key": unit.key, "dimension": str(unit.dimension)} for unit in UNITS.values()],
        "aisles": list(AISLES),
        "notificationKinds": list(NOTIFICATION_KINDS),
    }


async def vocabularies(cache: StaticDataCache) -> dict[str, Any]:
    result: dict[str, Any] = await cache.get_or_load(VOCABULARIES, _load)
    return result
