"""A user's recipes as a zip of schema.org JSON-LD in the Nextcloud Cookbook layout.

`<slug>/recipe.json` (+ `<slug>/full.<ext>` when an image is stored): Nextcloud Cookbook and
our own importer read it back; any schema.org reader can read each `recipe.json`.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from mealplanner.core.storage import ObjectNotFound, Storage
from mealplanner.imports.formats.schemaorg import EXT
from mealplanner.recipes.models import Recipe, RecipeIngredient
from mealplanner.users.models import User


def _iso(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"PT{hours}H{rest}M" if hours else f"PT{rest}M"


def _number(value: float) -> str:
    return f"{value:g}"


def ingredient_line(item: RecipeIngredient) -> str:
    if item.raw_text:
        return item.raw_text
    parts = []
    if item.quantity is not None:
        amount = _number(item.quantity)
        if item.quantity_max is not None:
            amount += f"-{_number(item.quantity_max)}"
        parts.append(amount)
    if item.unit:
        parts.append(item.unit)
    parts.append(item.name)
    line = " ".join(parts)
    if item.preparation:
        line += f", {item.preparation}"
    if item.to_taste and "taste" not in line:
        line += " to taste"
    if item.optional and "optional" not in line:
        line += " (optional)"
    return line


def to_jsonld(recipe: Recipe, image_name: str | None) -> dict[str, Any]:
    lines: list[str] = []
    group: str | None = None
    for item in recipe.ingredients:
        if item.group_name and item.group_name != group:
            lines.append(f"{item.group_name}:")
        group = item.group_name
        lines.append(ingredient_line(item))
    document: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Recipe",
        "identifier": recipe.source_id or f"mealplanner:{recipe.id}",
        "name": recipe.name,
        "description": recipe.description,
        "recipeCuisine": recipe.cuisine,
        "recipeCategory": recipe.category,
        "keywords": ", ".join(recipe.tags),
        "recipeYield": f"{_number(recipe.servings)} servings",
        "prepTime": _iso(recipe.prep_minutes),
        "cookTime": _iso(recipe.cook_minutes),
        "totalTime": _iso(recipe.total_minutes),
        "recipeIngredient": lines,
        "recipeInstructions": [{"@type": "HowToStep", "text": s} for s in recipe.instructions],
        "nutrition": {
            "@type": "NutritionInformation",
            "calories": f"{recipe.calories:g} kcal",
            "proteinContent": f"{recipe.protein_g:g} g",
            "carbohydrateContent": f"{recipe.carbs_g:g} g",
            "fatContent": f"{recipe.fat_g:g} g",
        },
        "dateCreated": recipe.created_at.isoformat(),
        EXT + "mealTypes": recipe.meal_types,
        EXT + "difficulty": recipe.difficulty,
    }
    if recipe.source_url:
        document["url"] = recipe.source_url
    if recipe.source_name:
        document["publisher"] = {"@type": "Organization", "name": recipe.source_name}
    if image_name:
        document["image"] = image_name
    elif isinstance(recipe.image_keys.get("sourceUrl"), str):
        document["image"] = recipe.image_keys["sourceUrl"]
    return document


async def export_zip(session: AsyncSession, storage: Storage | None, owner: User) -> bytes:
    rows = (
        await session.execute(
            select(Recipe)
            .where(Recipe.owner_id == owner.id)
            .options(selectinload(Recipe.ingredients))
            .order_by(Recipe.created_at)
        )
    ).scalars()
    # Spooled: small exports stay in memory, large ones go to a temp file.
    with tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024) as buffer:
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            used: set[str] = set()
            for recipe in rows:
                folder = recipe.slug
                while folder in used:
                    folder += "-x"
                used.add(folder)
                image_name = None
                key = recipe.image_keys.get("original")
                if storage is not None and isinstance(key, str):
                    try:
                        data = await storage.get(key)
                    except ObjectNotFound:
                        data = None
                    if data is not None:
                        image_name = "full" + PurePosixPath(key).suffix
                        archive.writestr(f"{folder}/{image_name}", data)
                document = to_jsonld(recipe, image_name)
                archive.writestr(
                    f"{folder}/recipe.json", json.dumps(document, ensure_ascii=False, indent=2)
                )
        buffer.seek(0)
        return buffer.read()
