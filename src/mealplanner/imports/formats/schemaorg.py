"""schema.org `Recipe` JSON-LD: from a `.json` file, an `.html` page, and back out (export)."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any

from mealplanner.imports.archive import read_text
from mealplanner.imports.exceptions import ImportFileError
from mealplanner.imports.formats import (
    RecipeDraft,
    clean_lines,
    clean_text,
    load_json,
    parse_minutes,
    parse_servings,
    split_paragraphs,
    text_list,
)

_MAX_DEPTH = 12
# Our own export carries the fields schema.org has no words for under this prefix.
EXT = "mealplanner:"


class _LdJsonCollector(HTMLParser):
    """Collects the bodies of `<script type="application/ld+json">` elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.blocks: list[str] = []
        self._current: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "script":
            return
        kind = (dict(attrs).get("type") or "").split(";")[0].strip().lower()
        if kind == "application/ld+json":
            self._current = []

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._current.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._current is not None:
            self.blocks.append("".join(self._current))
            self._current = None


def jsonld_blocks(page: str) -> list[Any]:
    """Every parseable JSON-LD block of an HTML page (broken blocks are skipped)."""
    collector = _LdJsonCollector()
    collector.feed(page)
    collector.close()
    found = []
    for block in collector.blocks:
        try:
            found.append(json.loads(block.strip()))
        except (json.JSONDecodeError, RecursionError):
            continue
    return found


def _is_recipe(node: dict[str, Any]) -> bool:
    kinds = node.get("@type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return any(
        isinstance(k, str) and k.rsplit("/", 1)[-1].removeprefix("schema:") == "Recipe"
        for k in kinds
    )


def find_recipes(data: Any, depth: int = 0) -> list[dict[str, Any]]:
    """Recipe nodes in a JSON-LD document: top level, arrays, `@graph`, `mainEntity`."""
    if depth > _MAX_DEPTH:
        return []
    if isinstance(data, list):
        return [r for item in data for r in find_recipes(item, depth + 1)]
    if not isinstance(data, dict):
        return []
    if _is_recipe(data):
        return [data]
    found: list[dict[str, Any]] = []
    for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement", "item"):
        if key in data:
            found.extend(find_recipes(data[key], depth + 1))
    return found


def recipes_from_html(data: bytes, what: str) -> list[dict[str, Any]]:
    page = read_text(data, what)
    return [r for block in jsonld_blocks(page) for r in find_recipes(block)]


def recipes_from_json(data: bytes, what: str) -> list[dict[str, Any]]:
    return find_recipes(load_json(data, what))


def instructions(value: Any, depth: int = 0) -> list[str]:
    """Steps from a string, a list of strings, HowToStep and HowToSection objects."""
    if value is None or depth > _MAX_DEPTH:
        return []
    if isinstance(value, str):
        return split_paragraphs(value)
    if isinstance(value, list):
        return [step for item in value for step in instructions(item, depth + 1)]
    if isinstance(value, dict):
        kind = value.get("@type")
        kinds = kind if isinstance(kind, list) else [kind]
        if "HowToSection" in kinds or ("itemListElement" in value and "text" not in value):
            steps = instructions(value.get("itemListElement"), depth + 1)
            title = clean_text(value.get("name"))
            if steps and title:
                steps[0] = f"{title}: {steps[0]}"
            return steps
        text = clean_text(value.get("text") or value.get("name") or value.get("description"))
        return [text] if text else []
    return []


def _image(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list):
        for item in value:
            if found := _image(item):
                return found
        return None
    if isinstance(value, dict):
        return _image(value.get("url") or value.get("contentUrl") or value.get("@id"))
    return None


def _name_of(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name")
    text = clean_text(value) if value else ""
    return text or None


def _stable_id(node: dict[str, Any]) -> str | None:
    for key in ("identifier", "@id", "url"):
        value = node.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, dict):
            value = value.get("value") or value.get("@id")
        if isinstance(value, str | int) and str(value).strip():
            return str(value).strip()[:180]
    return None


def draft_from_node(node: dict[str, Any]) -> RecipeDraft:
    """A draft from one schema.org Recipe object (nutrition is ignored: we compute it)."""
    ingredients = node.get("recipeIngredient", node.get("ingredients"))
    url = node.get("url") if isinstance(node.get("url"), str) else None
    draft = RecipeDraft(
        name=clean_text(node.get("name") or node.get("headline")),
        description=clean_text(node.get("description")),
        ingredients=[_ingredient_text(i) for i in (ingredients or []) if _ingredient_text(i)]
        if isinstance(ingredients, list)
        else clean_lines(ingredients),
        instructions=instructions(node.get("recipeInstructions")),
        prep_minutes=parse_minutes(node.get("prepTime")),
        cook_minutes=parse_minutes(node.get("cookTime") or node.get("performTime")),
        total_minutes=parse_minutes(node.get("totalTime")),
        servings=parse_servings(node.get("recipeYield", node.get("yield"))),
        categories=text_list(node.get("recipeCategory")),
        cuisines=text_list(node.get("recipeCuisine")),
        keywords=text_list(node.get("keywords")),
        source_url=url,
        source_name=_name_of(node.get("publisher")) or _name_of(node.get("author")),
        source_id=_stable_id(node),
        image_url=_image(node.get("image")),
    )
    meal_types = node.get(EXT + "mealTypes")
    if isinstance(meal_types, list):
        draft.meal_types = [m for m in meal_types if isinstance(m, str)]
    difficulty = node.get(EXT + "difficulty")
    if isinstance(difficulty, str):
        draft.difficulty = difficulty
    return draft


def _ingredient_text(item: Any) -> str:
    """A line from a string, or from Mealie-style objects (`originalText`, `display`, `note`)."""
    if isinstance(item, str):
        return clean_text(item)
    if isinstance(item, dict):
        for key in ("originalText", "display", "text", "note", "name"):
            if isinstance(item.get(key), str) and item[key].strip():
                return clean_text(item[key])
    return ""


def drafts_from_bytes(data: bytes, what: str, *, is_html: bool) -> list[RecipeDraft]:
    nodes = recipes_from_html(data, what) if is_html else recipes_from_json(data, what)
    if not nodes:
        raise ImportFileError("NO_RECIPE", f"{what} contains no schema.org Recipe")
    return [draft_from_node(node) for node in nodes]
