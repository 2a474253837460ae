"""Drafts to `RecipeCreate`: our vocabularies, our bounds, and nothing dropped silently.

Whatever cannot be kept as it was (an unknown cuisine, a 120-step recipe, a missing time)
is either mapped to a sensible default with a tag recording the original, or reported as a
warning on the import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pydantic import ValidationError

from mealplanner.core.vocab import CUISINES, DIFFICULTIES, MEAL_TYPES, RECIPE_CATEGORIES
from mealplanner.foods.parser import is_group_heading
from mealplanner.imports.exceptions import RecipeSkipped
from mealplanner.imports.formats import RecipeDraft
from mealplanner.recipes.schemas import IngredientIn, RecipeCreate

MAX_MINUTES = 2880
MAX_ITEMS = 100
MAX_TAGS = 20
DEFAULT_SERVINGS = 4.0
NO_STEPS = "No instructions were included with this recipe."

_CUISINE_ALIASES = {
    "middle eastern": "middle-eastern",
    "levantine": "lebanese",
    "usa": "american",
    "us": "american",
    "southern": "american",
    "tex-mex": "mexican",
    "english": "british",
    "scottish": "british",
    "irish": "british",
    "scandinavian": "nordic",
    "swedish": "nordic",
    "danish": "nordic",
    "norwegian": "nordic",
    "finnish": "nordic",
    "cantonese": "chinese",
    "sichuan": "chinese",
    "szechuan": "chinese",
    "persian": "middle-eastern",
    "israeli": "middle-eastern",
    "jamaican": "caribbean",
    "cuban": "caribbean",
    "provencal": "french",
    "tuscan": "italian",
    "sicilian": "italian",
    "bavarian": "german",
    "austrian": "german",
    "andalusian": "spanish",
    "catalan": "spanish",
    "punjabi": "indian",
    "south indian": "indian",
}

_CATEGORY_ALIASES = {
    "main course": "main",
    "main dish": "main",
    "mains": "main",
    "entree": "main",
    "entrée": "main",
    "dinner": "main",
    "lunch": "main",
    "side dish": "side",
    "sides": "side",
    "starter": "snack",
    "starters": "snack",
    "appetizer": "snack",
    "appetizers": "snack",
    "snacks": "snack",
    "soups": "soup",
    "stew": "soup",
    "salads": "salad",
    "desserts": "dessert",
    "sweets": "dessert",
    "cake": "dessert",
    "baking": "baked-goods",
    "bread": "baked-goods",
    "breads": "baked-goods",
    "baked goods": "baked-goods",
    "drinks": "drink",
    "beverage": "drink",
    "beverages": "drink",
    "cocktail": "drink",
    "smoothie": "drink",
    "sauces": "sauce",
    "condiment": "sauce",
    "dressing": "sauce",
    "brunch": "breakfast",
}

_CATEGORY_MEAL_TYPES = {
    "breakfast": ["breakfast"],
    "dessert": ["dessert"],
    "snack": ["snack"],
    "drink": ["snack"],
    "baked-goods": ["snack"],
}


@dataclass(slots=True)
class Mapped:
    data: RecipeCreate
    source_id: str
    warnings: list[str] = field(default_factory=list)
    image_url: str | None = None


def _key(value: str) -> str:
    return " ".join(value.lower().replace("_", " ").split())


def _tag(value: str) -> str | None:
    tag = re.sub(r"[^\w -]+", " ", value.lower(), flags=re.UNICODE)
    tag = " ".join(tag.split())[:40].strip()
    return tag or None


def map_cuisine(values: list[str]) -> tuple[str, list[str]]:
    """The first known cuisine; the others (unknown or extra) become tags."""
    chosen: str | None = None
    extra: list[str] = []
    for value in values:
        key = _key(value)
        slug = key.replace(" ", "-")
        found = slug if slug in CUISINES else _CUISINE_ALIASES.get(key)
        if found and chosen is None:
            chosen = found
        if found != chosen or not found:
            extra.append(value)
    return chosen or "international", extra


def map_category(values: list[str]) -> tuple[str | None, list[str]]:
    chosen: str | None = None
    extra: list[str] = []
    for value in values:
        key = _key(value)
        slug = key.replace(" ", "-")
        found = slug if slug in RECIPE_CATEGORIES else _CATEGORY_ALIASES.get(key)
        if found and chosen is None:
            chosen = found
        if found != chosen or not found:
            extra.append(value)
    return chosen, extra


def _meal_types(draft: RecipeDraft, category: str) -> list[str]:
    given = [m.lower() for m in draft.meal_types if m.lower() in MEAL_TYPES]
    if given:
        return list(dict.fromkeys(given))
    words = {_key(v) for v in [*draft.categories, *draft.keywords]}
    found = [m for m in MEAL_TYPES if m in words]
    return found or _CATEGORY_MEAL_TYPES.get(category, ["lunch", "dinner"])


def _ingredients(lines: list[str], warnings: list[str]) -> list[IngredientIn]:
    items: list[IngredientIn] = []
    group: str | None = None
    for line in lines:
        heading = is_group_heading(line)
        if heading is not None:
            group = heading[:100]
            continue
        text = line if len(line) <= 300 else line[:300]
        if text != line:
            warnings.append(f"Ingredient line shortened to 300 characters: {line[:40]}...")
        items.append(IngredientIn(text=text, group=group))
    if len(items) > MAX_ITEMS:
        warnings.append(f"Only the first {MAX_ITEMS} of {len(items)} ingredients were kept")
        items = items[:MAX_ITEMS]
    return items


def _steps(steps: list[str], notes: str, warnings: list[str]) -> list[str]:
    kept = [s[:5000] for s in steps if s.strip()]
    if any(len(s) > 5000 for s in steps):
        warnings.append("A step longer than 5,000 characters was shortened")
    if notes:
        kept.append(f"Notes: {notes}"[:5000])
    if len(kept) > MAX_ITEMS:
        # Keep every word: the tail is merged into the last allowed step.
        tail = " ".join(kept[MAX_ITEMS - 1 :])
        kept = [*kept[: MAX_ITEMS - 1], tail[:5000]]
        warnings.append(f"Steps after the {MAX_ITEMS - 1}th were merged into one")
    if not kept:
        warnings.append("The recipe had no instructions")
        kept = [NO_STEPS]
    return kept


def _minutes(value: int | None, what: str, warnings: list[str]) -> int:
    if value is None:
        return 0
    if value > MAX_MINUTES:
        warnings.append(f"{what} of {value} minutes capped at {MAX_MINUTES}")
        return MAX_MINUTES
    return max(0, value)


def to_recipe_create(draft: RecipeDraft) -> Mapped:
    """Maps a draft to a private `RecipeCreate`; `RecipeSkipped` when it cannot be a recipe."""
    if not draft.name:
        raise RecipeSkipped("The recipe has no name")
    if not draft.ingredients:
        raise RecipeSkipped("The recipe has no ingredients")
    warnings: list[str] = []
    cuisine, cuisine_tags = map_cuisine(draft.cuisines)
    category, category_tags = map_category(draft.categories)
    meal_types = _meal_types(draft, category or "main")
    tags: list[str] = []
    for value in [*draft.keywords, *cuisine_tags, *category_tags]:
        tag = _tag(value)
        if tag and tag not in tags and tag not in meal_types:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        warnings.append(f"Only {MAX_TAGS} of {len(tags)} tags were kept")
        tags = tags[:MAX_TAGS]
    prep = _minutes(draft.prep_minutes, "Preparation time", warnings)
    cook = _minutes(draft.cook_minutes, "Cooking time", warnings)
    total = _minutes(draft.total_minutes, "Total time", warnings)
    if total and not prep and not cook:
        cook = total  # only a total is known: count it as cooking time
    elif total > prep + cook:
        cook = cook or total - prep
    servings = draft.servings or DEFAULT_SERVINGS
    if servings > 100:
        warnings.append(f"Servings of {servings:g} capped at 100")
        servings = 100
    description = draft.description
    if len(description) > 2000:
        warnings.append("The description was shortened to 2,000 characters")
        description = description[:2000]
    source_url = (
        draft.source_url if draft.source_url and re.match(r"^https?://", draft.source_url) else None
    )
    difficulty = draft.difficulty if draft.difficulty in DIFFICULTIES else "easy"
    try:
        data = RecipeCreate(
            name=draft.name[:200],
            description=description,
            cuisine=cuisine,
            meal_types=meal_types,
            category=category or "main",
            tags=tags,
            prep_minutes=prep,
            cook_minutes=cook,
            servings=servings,
            difficulty=difficulty,
            ingredients=_ingredients(draft.ingredients, warnings),
            instructions=_steps(draft.instructions, draft.notes, warnings),
            source_name=(draft.source_name or None) and draft.source_name[:200],
            source_url=source_url[:2000] if source_url else None,
            visibility="private",
        )
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in e["loc"][:1]) for e in exc.errors()})
        raise RecipeSkipped(f"The recipe has invalid fields: {', '.join(fields)}") from exc
    return Mapped(
        data=data,
        source_id=(draft.source_id or draft.content_hash())[:200],
        warnings=warnings,
        image_url=draft.image_url,
    )
