"""Tandoor export: a zip of per-recipe zips, each with `recipe.json` and an image."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mealplanner.imports.exceptions import ImportFileError
from mealplanner.imports.formats import (
    BadRecipe,
    Items,
    RecipeDraft,
    clean_text,
    image_type,
    parse_servings,
    read_json_file,
    text_list,
)


def detect(root: Path) -> bool:
    return any(p.is_dir() and p.name.lower().endswith(".zip.d") for p in root.iterdir())


def read(root: Path) -> Items:
    for folder in sorted(p for p in root.iterdir() if p.name.lower().endswith(".zip.d")):
        label = folder.name.removesuffix(".d")
        try:
            data = read_json_file(folder / "recipe.json", f"{label}/recipe.json")
            if not isinstance(data, dict):
                raise ImportFileError("BROKEN_JSON", "recipe.json is not a recipe object")
            draft = from_json(data)
            images = sorted(p for p in folder.iterdir() if p.is_file() and image_type(p.name))
            if images:
                draft.image, draft.image_name = images[0].read_bytes(), images[0].name
            yield draft
        except FileNotFoundError:
            yield BadRecipe(label, "The recipe archive has no recipe.json")
        except ImportFileError as exc:
            yield BadRecipe(label, exc.message)


def from_json(data: dict[str, Any]) -> RecipeDraft:
    ingredients: list[str] = []
    instructions: list[str] = []
    steps: list[Any] = data["steps"] if isinstance(data.get("steps"), list) else []
    for step in sorted(
        (s for s in steps if isinstance(s, dict)), key=lambda s: s.get("order") or 0
    ):
        items: list[Any] = step["ingredients"] if isinstance(step.get("ingredients"), list) else []
        for item in sorted(
            (i for i in items if isinstance(i, dict)), key=lambda i: i.get("order") or 0
        ):
            line = _ingredient_line(item)
            if line:
                ingredients.append(line)
        text = clean_text(step.get("instruction") or step.get("instructions"))
        title = clean_text(step.get("name"))
        if text:
            instructions.append(f"{title}: {text}" if title else text)
    return RecipeDraft(
        name=clean_text(data.get("name")),
        description=clean_text(data.get("description")),
        ingredients=ingredients,
        instructions=instructions,
        prep_minutes=_int(data.get("working_time")),
        cook_minutes=_int(data.get("waiting_time")),
        servings=parse_servings(data.get("servings")),
        keywords=text_list(data.get("keywords")),
        source_url=data.get("source_url") if isinstance(data.get("source_url"), str) else None,
    )


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _ingredient_line(item: dict[str, Any]) -> str:
    food: dict[str, Any] = item["food"] if isinstance(item.get("food"), dict) else {}
    unit: dict[str, Any] = item["unit"] if isinstance(item.get("unit"), dict) else {}
    name = clean_text(food.get("name"))
    if item.get("is_header"):
        note = clean_text(item.get("note")) or name
        return f"{note}:" if note else ""
    parts = []
    amount = item.get("amount")
    if isinstance(amount, int | float) and amount > 0 and not item.get("no_amount"):
        parts.append(f"{amount:g}")
    if clean_text(unit.get("name")):
        parts.append(clean_text(unit.get("name")))
    if name:
        parts.append(name)
    note = clean_text(item.get("note"))
    line = " ".join(parts)
    return f"{line}, {note}" if note and line else line or note
