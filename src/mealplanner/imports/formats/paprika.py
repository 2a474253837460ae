"""Paprika `.paprikarecipes`: a zip of `*.paprikarecipe` entries, each a gzipped JSON object."""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import Any

from mealplanner.imports.archive import ArchiveLimits, read_gzip_capped
from mealplanner.imports.exceptions import ImportFileError
from mealplanner.imports.formats import (
    BadRecipe,
    Items,
    RecipeDraft,
    clean_lines,
    clean_text,
    load_json,
    parse_minutes,
    parse_servings,
    split_paragraphs,
    text_list,
)

SUFFIX = ".paprikarecipe"


def detect(files: list[Path]) -> bool:
    return bool(files) and any(f.name.lower().endswith(SUFFIX) for f in files)


def read(files: list[Path], limits: ArchiveLimits) -> Items:
    for path in sorted(f for f in files if f.name.lower().endswith(SUFFIX)):
        label = path.name.removesuffix(SUFFIX)
        try:
            data = load_json(read_gzip_capped(path, limits.max_entry_bytes), path.name)
            if not isinstance(data, dict):
                raise ImportFileError("BROKEN_JSON", f"{path.name} is not a recipe object")
            yield draft(data)
        except ImportFileError as exc:
            yield BadRecipe(label, exc.message)


def draft(data: dict[str, Any]) -> RecipeDraft:
    photo: bytes | None = None
    if isinstance(data.get("photo_data"), str) and data["photo_data"]:
        try:
            photo = base64.b64decode(data["photo_data"], validate=False)
        except (binascii.Error, ValueError):
            photo = None
    notes = clean_text(data.get("notes"))
    description = clean_text(data.get("description"))
    uid = data.get("uid")
    return RecipeDraft(
        name=clean_text(data.get("name")),
        description=description,
        ingredients=clean_lines(data.get("ingredients")),
        instructions=split_paragraphs(data.get("directions")),
        prep_minutes=parse_minutes(data.get("prep_time")),
        cook_minutes=parse_minutes(data.get("cook_time")),
        total_minutes=parse_minutes(data.get("total_time")),
        servings=parse_servings(data.get("servings")),
        categories=text_list(data.get("categories")),
        difficulty=clean_text(data.get("difficulty")).lower() or None,
        source_url=data.get("source_url") if isinstance(data.get("source_url"), str) else None,
        source_name=clean_text(data.get("source")) or None,
        source_id=f"paprika:{uid}" if isinstance(uid, str) and uid else None,
        image=photo,
        image_name=str(data.get("photo") or "photo.jpg"),
        notes=notes,
    )
