"""Plan to Eat CSV export (Title, Description, Ingredients, Directions, Servings, Url, ...)."""

from __future__ import annotations

import csv
import io

from mealplanner.imports.archive import read_text
from mealplanner.imports.exceptions import ImportFileError
from mealplanner.imports.formats import (
    BadRecipe,
    Items,
    RecipeDraft,
    clean_lines,
    clean_text,
    parse_minutes,
    parse_servings,
    split_paragraphs,
    text_list,
)

REQUIRED = {"Title", "Ingredients", "Directions"}
# Ingredient and direction cells can be long; the csv module's default cap is 128 KiB.
_FIELD_LIMIT = 1024 * 1024


def detect(header: str) -> bool:
    first = header.lstrip("\ufeff").splitlines()[0] if header else ""
    return {c.strip() for c in next(csv.reader([first]), [])} >= REQUIRED


def read(data: bytes, what: str) -> Items:
    text = read_text(data, what)
    csv.field_size_limit(_FIELD_LIMIT)
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        if not reader.fieldnames or not {f.strip() for f in reader.fieldnames} >= REQUIRED:
            raise ImportFileError(
                "UNSUPPORTED_FORMAT",
                "The CSV file lacks the Title, Ingredients and Directions columns",
            )
        rows = list(reader)
    except csv.Error as exc:
        raise ImportFileError("BROKEN_CSV", f"{what} is not a readable CSV file") from exc
    for number, raw in enumerate(rows, start=2):
        row = {(k or "").strip(): (v or "") for k, v in raw.items() if isinstance(v, str)}
        title = clean_text(row.get("Title"))
        if not title:
            yield BadRecipe(f"row {number}", "The row has no title")
            continue
        yield RecipeDraft(
            name=title,
            description=clean_text(row.get("Description")),
            ingredients=clean_lines(row.get("Ingredients")),
            instructions=split_paragraphs(row.get("Directions")),
            prep_minutes=parse_minutes(row.get("Prep Time")),
            cook_minutes=parse_minutes(row.get("Cook Time")),
            total_minutes=parse_minutes(row.get("Total Time")),
            servings=parse_servings(row.get("Servings")),
            keywords=text_list(row.get("Tags")),
            source_url=clean_text(row.get("Url")) or None,
        )
