"""Mealie: the backup zip (`database.json` + `data/` images) and the single-recipe JSON."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from mealplanner.imports.exceptions import ImportFileError
from mealplanner.imports.formats import (
    BadRecipe,
    Items,
    RecipeDraft,
    clean_text,
    image_type,
    parse_minutes,
    parse_servings,
    read_json_file,
    text_list,
)
from mealplanner.imports.formats.schemaorg import draft_from_node


def detect_backup(root: Path) -> bool:
    return (root / "database.json").is_file()


def looks_like_single(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and "name" in data
        and ("recipeIngredient" in data or "recipe_ingredient" in data)
    )


def single_draft(data: dict[str, Any]) -> RecipeDraft:
    """Mealie's single-recipe JSON: schema.org-like keys, ingredient and step objects."""
    draft = draft_from_node(data)
    draft.cook_minutes = draft.cook_minutes or parse_minutes(data.get("performTime"))
    draft.categories = draft.categories or text_list(data.get("recipeCategory"))
    draft.keywords = draft.keywords or text_list(data.get("tags"))
    draft.source_url = draft.source_url or _str(data.get("orgURL") or data.get("org_url"))
    ident = data.get("id") or data.get("slug")
    draft.source_id = f"mealie:{ident}" if ident else None
    return draft


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _rows(db: dict[str, Any], *names: str) -> list[dict[str, Any]]:
    for name in names:
        rows = db.get(name)
        if isinstance(rows, list):
            return [r for r in rows if isinstance(r, dict)]
    return []


def read_backup(root: Path) -> Items:
    db = read_json_file(root / "database.json", "database.json")
    if not isinstance(db, dict):
        raise ImportFileError("BROKEN_JSON", "database.json is not an object of tables")
    foods = {r.get("id"): r.get("name") for r in _rows(db, "ingredient_foods")}
    units = {
        r.get("id"): r.get("abbreviation") or r.get("name") for r in _rows(db, "ingredient_units")
    }
    tags = {r.get("id"): r.get("name") for r in _rows(db, "tags")}
    categories = {r.get("id"): r.get("name") for r in _rows(db, "categories")}
    ingredients: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for row in _rows(db, "recipes_ingredients", "recipe_ingredients"):
        ingredients[row.get("recipe_id")].append(row)
    steps: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for row in _rows(db, "recipe_instructions"):
        steps[row.get("recipe_id")].append(row)
    recipe_tags: dict[Any, list[str]] = defaultdict(list)
    for row in _rows(db, "recipes_to_tags"):
        if row.get("tag_id") in tags:
            recipe_tags[row.get("recipe_id")].append(str(tags[row["tag_id"]]))
    recipe_categories: dict[Any, list[str]] = defaultdict(list)
    for row in _rows(db, "recipes_to_categories"):
        if row.get("category_id") in categories:
            recipe_categories[row.get("recipe_id")].append(str(categories[row["category_id"]]))

    for row in _rows(db, "recipes"):
        rid = row.get("id")
        label = clean_text(row.get("name")) or str(row.get("slug") or rid)
        try:
            lines = [
                _ingredient_line(i, foods, units)
                for i in sorted(ingredients[rid], key=lambda r: r.get("position") or 0)
            ]
            draft = RecipeDraft(
                name=clean_text(row.get("name")),
                description=clean_text(row.get("description")),
                ingredients=[line for line in lines if line],
                instructions=[
                    clean_text(s.get("text"))
                    for s in sorted(steps[rid], key=lambda r: r.get("position") or 0)
                    if clean_text(s.get("text"))
                ],
                prep_minutes=parse_minutes(row.get("prep_time")),
                cook_minutes=parse_minutes(row.get("perform_time") or row.get("cook_time")),
                total_minutes=parse_minutes(row.get("total_time")),
                servings=parse_servings(row.get("recipe_yield") or row.get("recipe_servings")),
                categories=recipe_categories[rid],
                keywords=recipe_tags[rid],
                source_url=_str(row.get("org_url")),
                source_id=f"mealie:{rid}" if rid else None,
            )
            image = _backup_image(root, str(rid))
            if image is not None:
                draft.image, draft.image_name = image.read_bytes(), image.name
            yield draft
        except (ImportFileError, OSError, TypeError, ValueError) as exc:
            message = exc.message if isinstance(exc, ImportFileError) else "Unreadable recipe row"
            yield BadRecipe(label, message)


def _ingredient_line(row: dict[str, Any], foods: dict[Any, Any], units: dict[Any, Any]) -> str:
    original = clean_text(row.get("original_text"))
    if original:
        return original
    parts = []
    if row.get("quantity"):
        quantity = float(row["quantity"])
        parts.append(f"{quantity:g}")
    if row.get("unit_id") in units:
        parts.append(str(units[row["unit_id"]]))
    if row.get("food_id") in foods:
        parts.append(str(foods[row["food_id"]]))
    note = clean_text(row.get("note"))
    line = " ".join(parts)
    if note:
        line = f"{line}, {note}" if line else note
    return line


def _backup_image(root: Path, recipe_id: str) -> Path | None:
    folder = root / "data" / "recipes" / recipe_id / "images"
    if not folder.is_dir():
        return None
    for name in ("original.webp", "original.jpg", "original.png", "min-original.webp"):
        if (folder / name).is_file():
            return folder / name
    candidates = sorted(p for p in folder.iterdir() if p.is_file() and image_type(p.name))
    return candidates[0] if candidates else None
