"""Nextcloud Cookbook: a zip of folders, each with a schema.org `recipe.json` and `full.jpg`.

Our own export uses the same layout, so it reads back through here.
"""

from __future__ import annotations

from pathlib import Path

from mealplanner.imports.exceptions import ImportFileError
from mealplanner.imports.formats import BadRecipe, Items, image_type
from mealplanner.imports.formats.schemaorg import drafts_from_bytes

IMAGE_NAMES = ("full.jpg", "full.jpeg", "full.png", "full.webp")


def recipe_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("recipe.json") if p.is_file())


def detect(root: Path) -> bool:
    return bool(recipe_files(root))


def read(root: Path) -> Items:
    for path in recipe_files(root):
        label = path.parent.name or "recipe"
        try:
            drafts = drafts_from_bytes(path.read_bytes(), f"{label}/recipe.json", is_html=False)
        except ImportFileError as exc:
            yield BadRecipe(label, exc.message)
            continue
        image = next((path.parent / n for n in IMAGE_NAMES if (path.parent / n).is_file()), None)
        for draft in drafts:
            if image is not None and image_type(image.name):
                draft.image, draft.image_name = image.read_bytes(), image.name
            if draft.source_id and not draft.source_id.startswith(("http", "mealplanner:")):
                draft.source_id = f"nextcloud:{draft.source_id}"
            yield draft
