"""Loading the shipped catalog (`mealplanner seed`) and synthetic recipes for load tests."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import func, select

from mealplanner.core.cache import Cache
from mealplanner.core.db import Database
from mealplanner.core.vocab import CUISINES
from mealplanner.recipes import service
from mealplanner.recipes.models import VISIBILITY_PUBLIC, Recipe
from mealplanner.recipes.schemas import RecipeCreate

# libyaml's C parser when available: ten times faster than the pure-Python one.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
CATALOG_SOURCE = "Mealplanner catalog"
CATALOG_ID_PREFIX = "catalog:"
BATCH = 50


@dataclass(frozen=True)
class SeedResult:
    created: int
    skipped: int


def catalog_files() -> list[Any]:
    folder = resources.files("mealplanner.recipes") / "data" / "catalog"
    return sorted((f for f in folder.iterdir() if f.name.endswith(".yaml")), key=lambda f: f.name)


def load_catalog() -> list[RecipeCreate]:
    """Every recipe of the shipped catalog, validated like an API request."""
    recipes: list[RecipeCreate] = []
    for path in catalog_files():
        for entry in yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER) or []:
            recipes.append(RecipeCreate.model_validate(entry))
    return recipes


async def count_public(db: Database) -> int:
    async with db.session() as session:
        stmt = (
            select(func.count()).select_from(Recipe).where(Recipe.visibility == VISIBILITY_PUBLIC)
        )
        return int((await session.execute(stmt)).scalar_one())


async def seed_catalog(
    db: Database,
    cache: Cache,
    *,
    progress: Callable[[int], None] | None = None,
) -> SeedResult:
    """Inserts catalog recipes whose slug is not in the database yet (idempotent)."""
    recipes = load_catalog()
    async with db.session() as session:
        existing = set((await session.execute(select(Recipe.slug))).scalars())
    created = skipped = 0
    for batch in _batches(recipes, BATCH):
        async with db.session() as session:
            for data in batch:
                if data.slug in existing:
                    skipped += 1
                    continue
                data.source_name = data.source_name or CATALOG_SOURCE
                await service.create_recipe(
                    session,
                    cache,
                    data,
                    owner=None,
                    visibility=VISIBILITY_PUBLIC,
                    source_id=f"{CATALOG_ID_PREFIX}{data.slug}",
                )
                created += 1
        if progress:
            progress(len(batch))
    return SeedResult(created=created, skipped=skipped)


def _batches(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


_ADJECTIVES = (
    "Smoky",
    "Zesty",
    "Herbed",
    "Crispy",
    "Golden",
    "Spiced",
    "Garlicky",
    "Charred",
    "Creamy",
    "Tangy",
    "Rustic",
    "Quick",
    "Slow-Cooked",
    "Roasted",
    "Grilled",
    "Fresh",
)
_DISHES = (
    "Bowl",
    "Skillet",
    "Salad",
    "Stew",
    "Tacos",
    "Curry",
    "Bake",
    "Wraps",
    "Soup",
    "Stir-Fry",
    "Traybake",
    "Noodles",
    "Flatbread",
    "Hash",
    "Risotto",
    "Pilaf",
)


async def seed_synthetic(
    db: Database,
    cache: Cache,
    count: int,
    *,
    seed: int = 42,
    progress: Callable[[int], None] | None = None,
) -> SeedResult:
    """`count` realistic-looking public recipes recombined from the catalog (for load tests).

    Names, ingredient subsets, quantities, times and tags vary with a fixed seed; nutrition
    and diet flags are computed exactly as for real recipes.
    """
    rng = random.Random(seed)
    templates = load_catalog()
    pool = [i for t in templates for i in t.ingredients if i.food]
    async with db.session() as session:
        start = int(
            (
                await session.execute(
                    select(func.count())
                    .select_from(Recipe)
                    .where(Recipe.source_id.like("synthetic:%"))
                )
            ).scalar_one()
        )
    made = 0
    while made < count:
        size = min(500, count - made)
        async with db.session() as session:
            for n in range(start + made, start + made + size):
                template = rng.choice(templates)
                main = [i.model_copy() for i in template.ingredients]
                extra = [rng.choice(pool).model_copy() for _ in range(rng.randint(0, 3))]
                ingredients = (main + extra)[:18]
                for item in ingredients:
                    amount = service.read_quantity(item.quantity)[0]
                    if amount is not None:
                        item.quantity = round(amount * rng.uniform(0.7, 1.4), 2)
                main_word = template.name.split()[-1]
                data = template.model_copy(
                    update={
                        "name": f"{rng.choice(_ADJECTIVES)} {main_word} {rng.choice(_DISHES)} #{n}",
                        "slug": None,
                        "cuisine": rng.choice(CUISINES) if rng.random() < 0.3 else template.cuisine,
                        "ingredients": ingredients,
                        "prep_minutes": max(0, template.prep_minutes + rng.randint(-5, 15)),
                        "cook_minutes": max(0, template.cook_minutes + rng.randint(-10, 20)),
                        "tags": list(dict.fromkeys([*template.tags, rng.choice(_DISHES).lower()])),
                    }
                )
                await service.create_recipe(
                    session,
                    cache,
                    data,
                    owner=None,
                    visibility=VISIBILITY_PUBLIC,
                    source_id=f"synthetic:{n}",
                )
        made += size
        if progress:
            progress(size)
    return SeedResult(created=made, skipped=0)
