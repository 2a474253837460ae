"""Recipes: catalog and private recipes, derived nutrition, search, favorites."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import re
import unicodedata
import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from mealplanner.activity import service as activity
from mealplanner.activity.buffer import ViewBuffer
from mealplanner.core.cache import (
    CANDIDATE_POOLS_STAMP_KEY,
    Cache,
    favorites_key,
    recipe_key,
    search_key,
)
from mealplanner.core.compression import gzip_body
from mealplanner.core.db import Database
from mealplanner.core.errors import Forbidden, NotFound
from mealplanner.core.ids import uuid7
from mealplanner.core.jobs import defer_job
from mealplanner.core.pagination import PageParams, make_page
from mealplanner.core.schemas import Page
from mealplanner.core.storage import DELETE_PREFIX_JOB
from mealplanner.foods import IngredientInput, compute_nutrition, get_food_table
from mealplanner.foods.dietary import derive_dietary
from mealplanner.foods.matching import LINK_THRESHOLD, match_food
from mealplanner.foods.parser import parse_ingredient_line, parse_quantity
from mealplanner.recipes import typos
from mealplanner.recipes.filters import RecipeFilters
from mealplanner.recipes.models import (
    VISIBILITY_PRIVATE,
    VISIBILITY_PUBLIC,
    Recipe,
    RecipeIngredient,
)
from mealplanner.recipes.repository import AUTOCOMPLETE_POOL, RecipeRepository, query_terms
from mealplanner.recipes.schemas import (
    AutocompleteItem,
    IngredientIn,
    RecipeCreate,
    RecipeRead,
    RecipeSummary,
    RecipeUpdate,
)
from mealplanner.users.models import User

SEARCH_PREFIX = "search:recipes:"
FAVORITES_PREFIX = "favorites:"
FAVORITE_IDS_FIELD = "ids"
# Whether a user has private recipes decides whose list and search pages they share.
OWNS_PRIVATE_PREFIX = "recipes:owns-private:"
OWNS_PRIVATE_TTL = 60


def owns_private_key(user_id: uuid.UUID) -> str:
    return f"{OWNS_PRIVATE_PREFIX}{user_id}"


SessionOpener = Callable[[], AbstractAsyncContextManager[AsyncSession]]
# Earlier versions cached `recipe:{id}` as snake_case `RecipeRead` fields, `is_favorite` included.
_LEGACY_RECIPE_ENTRY = b'"is_favorite":'
MEAL_PLANS_PREFIX = "meal-plan:"
RECIPE_TTL = 3600
SEARCH_TTL = 900
FAVORITES_TTL = 600
AUTOCOMPLETE_LIMIT = 10
# Autocomplete tries typo corrections only below this many word-start matches.
FUZZY_BELOW = 3
# The typo vocabulary of the public catalog; dropped by every write to a public recipe.
NAME_WORDS_KEY = "recipes:name-words"


# -- derived data -------------------------------------------------------------------------


def slugify(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    return slug[:100] or "recipe"


def build_ingredient(item: IngredientIn, position: int) -> RecipeIngredient:
    """Structures one ingredient: parses free text, reads quantities, links a USDA food."""
    if item.text:
        parsed = parse_ingredient_line(item.text)
        quantity, quantity_max = parsed.quantity, parsed.quantity_max
        unit, name = parsed.unit, item.name or parsed.name or item.text
        preparation, optional, to_taste = parsed.preparation, parsed.optional, parsed.to_taste
    else:
        quantity, quantity_max = read_quantity(item.quantity)
        unit, name = item.unit, item.name or ""
        preparation, optional, to_taste = item.preparation, item.optional, item.to_taste
    if item.quantity_max is not None:
        quantity_max = item.quantity_max
    food_id, confidence = item.food, 1.0 if item.food else None
    if food_id is None:
        match = match_food(name)
        if match is not None and match.confidence >= LINK_THRESHOLD:
            food_id, confidence = match.ndb_no, round(match.confidence, 3)
        elif match is not None:
            confidence = round(match.confidence, 3)
    return RecipeIngredient(
        id=uuid7(),
        position=position,
        group_name=item.group,
        quantity=quantity,
        quantity_max=quantity_max,
        unit=unit,
        name=name[:200],
        preparation=preparation[:200] if preparation else None,
        optional=optional,
        to_taste=to_taste,
        food_id=food_id if food_id in get_food_table() else None,
        link_confidence=confidence,
        raw_text=item.text,
    )


def read_quantity(value: float | str | None) -> tuple[float | None, float | None]:
    if value is None:
        return None, None
    if isinstance(value, str):
        parsed = parse_quantity(value)
        return (parsed[0], parsed[1]) if parsed else (None, None)
    return float(value), None


def apply_derived(recipe: Recipe, ingredients: Sequence[RecipeIngredient]) -> None:
    """Recomputes nutrition, coverage, diet flags, allergens and the search text."""
    table = get_food_table()
    result = compute_nutrition(
        [
            IngredientInput(
                name=i.name,
                quantity=i.quantity,
                unit=i.unit,
                ndb_no=i.food_id,
                quantity_max=i.quantity_max,
                optional=i.optional,
                to_taste=i.to_taste,
            )
            for i in ingredients
        ],
        recipe.servings,
    )
    for ingredient, grams in zip(ingredients, result.grams, strict=True):
        ingredient.grams = round(grams, 1) if grams is not None else None
    per_serving = result.per_serving
    linked = [table[i.food_id] for i in ingredients if i.food_id and i.food_id in table]
    unlinked = [i.name for i in ingredients if not i.food_id]
    recipe.food_ids = ",".join(sorted({i.food_id for i in ingredients if i.food_id}))
    dietary = derive_dietary(linked, per_serving, names=unlinked)
    recipe.nutrition = {k: round(v, 1) for k, v in _nutrition_dict(per_serving).items()}
    recipe.nutrition_coverage = round(result.coverage, 3)
    recipe.unresolved_ingredients = list(result.unresolved)
    recipe.calories = round(per_serving.calories, 1)
    recipe.protein_g = round(per_serving.protein_g, 1)
    recipe.carbs_g = round(per_serving.carbs_g, 1)
    recipe.fat_g = round(per_serving.fat_g, 1)
    recipe.dietary_flags = sorted(dietary.flags)
    recipe.allergens = sorted(dietary.allergens)
    recipe.total_minutes = recipe.prep_minutes + recipe.cook_minutes
    words = [i.name for i in ingredients] + [
        table[i.food_id].description for i in ingredients if i.food_id and i.food_id in table
    ]
    recipe.search_text = " ".join(dict.fromkeys(w.lower() for w in words))[:8000]


def _nutrition_dict(n: Any) -> dict[str, float]:
    return {
        "calories": n.calories,
        "protein_g": n.protein_g,
        "carbs_g": n.carbs_g,
        "fat_g": n.fat_g,
        "fiber_g": n.fiber_g,
        "sugar_g": n.sugar_g,
        "sodium_mg": n.sodium_mg,
        "saturated_fat_g": n.saturated_fat_g,
    }


# -- access ---------------------------------------------------------------------------------


def can_read(user: User | None, recipe: Recipe) -> bool:
    if recipe.visibility == VISIBILITY_PUBLIC:
        return True
    return user is not None and (user.is_admin or recipe.owner_id == user.id)


def can_write(user: User, recipe: Recipe) -> bool:
    """Admins edit the catalog; users edit only their own private recipes."""
    return user.is_admin or (recipe.visibility == VISIBILITY_PRIVATE and recipe.owner_id == user.id)


async def _load(session: AsyncSession, id_or_slug: str) -> Recipe | None:
    repo = RecipeRepository(session)
    try:
        return await repo.get_with_ingredients(uuid.UUID(id_or_slug))
    except ValueError:
        return await repo.get_by_slug(id_or_slug.lower())


async def get_readable(session: AsyncSession, user: User | None, id_or_slug: str) -> Recipe:
    recipe = await _load(session, id_or_slug)
    # A private recipe of someone else is "not found", not "forbidden": no existence leak.
    if recipe is None or not can_read(user, recipe):
        raise NotFound("Recipe not found")
    return recipe


async def get_for_write(session: AsyncSession, user: User, id_or_slug: str) -> Recipe:
    recipe = await get_readable(session, user, id_or_slug)
    if not can_write(user, recipe):
        raise Forbidden("Only administrators can change catalog recipes")
    return recipe


# -- reads (cache first) ------------------------------------------------------------------


async def read_recipe_view(
    open_session: SessionOpener,
    cache: Cache,
    user: User,
    id_or_slug: str,
    views: ViewBuffer,
) -> RecipeView:
    """The recipe as `RecipeRead` JSON with `isFavorite`, ready to send (`RecipeView`).

    Public recipes are cached as `recipe:{id}` in their response form, so a cached view is
    sent without parsing or validating it again; the caller's favourite ids come from
    `favorites:{userId}`. The "viewed" event is written behind (`views`). A database session
    is opened only for what the cache did not have.

    `user` may be a transient reader (`ReaderUser`): only its `id` and `role` are used.
    """
    payload: bytes | None = None
    with contextlib.suppress(ValueError):
        recipe_id = uuid.UUID(id_or_slug)
        payload = await cache.get_bytes(recipe_key(recipe_id))
    if payload is not None and _LEGACY_RECIPE_ENTRY in payload:
        payload = None  # cached by an earlier version in another form; reload it
    # The caller's favourite ids live beside their favourites pages: one key, one delete on
    # every favourite change.
    favorites_entry = await cache.get_json(favorites_key(user.id))
    if not isinstance(favorites_entry, dict):
        favorites_entry = {}
    favorite_ids: list[str] | None = favorites_entry.get(FAVORITE_IDS_FIELD)
    if payload is None or favorite_ids is None:
        async with open_session() as session:
            if payload is None:
                recipe = await get_readable(session, user, id_or_slug)
                recipe_id = recipe.id
                payload = recipe_payload(recipe)
                if recipe.visibility == VISIBILITY_PUBLIC:
                    await cache.set_bytes(recipe_key(recipe.id), payload, RECIPE_TTL)
            if favorite_ids is None:
                favorite_ids = [str(i) for i in await favorite_recipe_ids(session, user.id)]
                favorites_entry[FAVORITE_IDS_FIELD] = favorite_ids
                await cache.set_json(favorites_key(user.id), favorites_entry, FAVORITES_TTL)
    views.record(user.id, recipe_id)
    return RecipeView(str(recipe_id) in favorite_ids, payload)


@dataclasses.dataclass(frozen=True, slots=True)
class RecipeView:
    """A recipe response: the cached JSON object (without `isFavorite`) and the caller's flag."""

    favorite: bool
    cached: bytes

    def json(self) -> bytes:
        flag = b"true" if self.favorite else b"false"
        return b'{"isFavorite":' + flag + b"," + self.cached[1:]

    def gzip(self) -> bytes:
        return _gzip_view(self.favorite, self.cached)


@functools.lru_cache(maxsize=512)
def _gzip_view(favorite: bool, cached: bytes) -> bytes:
    """Compressing the body was a fifth of a cached view's CPU for clients that accept gzip
    (browsers): each process compresses a recipe once per flag. Keyed by the cached bytes
    themselves, so an edited recipe (new bytes) is compressed anew; the same object from the
    process's local copy hashes once."""
    return gzip_body(RecipeView(favorite, cached).json())


def recipe_payload(recipe: Recipe) -> bytes:
    """`RecipeRead` JSON of a loaded recipe without the per-caller `isFavorite` (the cached
    form of `recipe:{id}`)."""
    read = RecipeRead.model_validate(recipe)
    return read.model_dump_json(by_alias=True, exclude={"is_favorite"}).encode()


async def list_recipes(
    session: AsyncSession, cache: Cache, user: User, filters: RecipeFilters, page: PageParams
) -> bytes:
    """The page as `Page[RecipeSummary]` JSON, sent as cached."""
    viewer, scope = await _scope(session, cache, user, filters, page)
    key = search_key("", scope, filters.sort_key_part(), page.page)

    async def load() -> dict[str, Any]:
        rows, total, capped = await RecipeRepository(session).list_recipes(viewer, filters, page)
        return _page_json(rows, total, page, capped)

    return await cache.get_or_load_bytes(key, SEARCH_TTL, load)


async def search_recipes(
    session: AsyncSession,
    cache: Cache,
    user: User,
    query: str,
    filters: RecipeFilters,
    page: PageParams,
) -> bytes:
    """The page as `Page[RecipeSummary]` JSON, sent as cached."""
    normalized = " ".join(query.lower().split())
    viewer, scope = await _scope(session, cache, user, filters, page)
    key = search_key(normalized, scope, filters.sort_key_part(), page.page)

    async def load() -> dict[str, Any]:
        repo = RecipeRepository(session)
        rows, total, capped = await repo.search(viewer, query, filters, page)
        if total == 0 and page.page == 1:
            # Nothing matched word for word: names closest to a misspelled query.
            rows = await _typo_matches(repo, cache, viewer, query, filters, page.limit)
            total = len(rows)
        return _page_json(rows, total, page, capped)

    return await cache.get_or_load_bytes(key, SEARCH_TTL, load)


async def _scope(
    session: AsyncSession, cache: Cache, user: User, filters: RecipeFilters, page: PageParams
) -> tuple[uuid.UUID | None, dict[str, object]]:
    """(whose private recipes the page includes, the page's cache scope).

    Results include the caller's private recipes, so their pages are cached per caller; the
    pages of everyone without private recipes are the same public pages, cached once. A shared
    page is always loaded without any private recipe, so it can never hold one, even when the
    cached "owns private recipes" flag is a moment behind."""
    key = owns_private_key(user.id)
    owns = await cache.get_json(key)
    if owns is None:
        owns = await RecipeRepository(session).owns_private(user.id)
        await cache.set_json(key, owns, OWNS_PRIVATE_TTL)
    viewer = user.id if owns else None
    scope = str(user.id) if owns else "public"
    return viewer, {"viewer": scope, "limit": page.limit, **filters.cache_key_part()}


def _page_json(
    rows: Sequence[Recipe], total: int, page: PageParams, capped: bool = False
) -> dict[str, Any]:
    summaries = [RecipeSummary.model_validate(r) for r in rows]
    page_read = make_page(summaries, total, page, total_capped=capped)
    return page_read.model_dump(mode="json", by_alias=True)


async def autocomplete(
    session: AsyncSession, cache: Cache, user: User, query: str
) -> list[AutocompleteItem]:
    """Names with a word starting with the typed text; typo corrections when that finds few."""
    terms = query_terms(query)
    if not terms:
        return []
    repo = RecipeRepository(session)
    text_ = " ".join(terms)
    rows = await repo.names_starting(user.id, [text_], AUTOCOMPLETE_LIMIT)
    # A few word-start matches mean the user is typing a real word: no typo search.
    if len(rows) < FUZZY_BELOW and len(text_) >= typos.MIN_TYPO:
        words = await _name_words(repo, cache, user.id)
        spellings = [" ".join(v) for v in typos.variants(terms, words, prefix=True)]
        if spellings:
            pool = await repo.names_starting(user.id, spellings, AUTOCOMPLETE_POOL)
            seen = {r[0] for r in rows}
            rows += [r for r in pool if r[0] not in seen]
            rows = typos.closest(
                terms,
                rows,
                lambda r: r[2],
                prefix=True,
                popularity=lambda r: r[3],
                limit=AUTOCOMPLETE_LIMIT,
            )
    return [AutocompleteItem(id=r[0], slug=r[1], name=r[2]) for r in rows]


async def _typo_matches(
    repo: RecipeRepository,
    cache: Cache,
    viewer: uuid.UUID | None,
    query: str,
    filters: RecipeFilters,
    limit: int,
) -> Sequence[Recipe]:
    terms = query_terms(query)
    spellings = typos.variants(terms, await _name_words(repo, cache, viewer), prefix=False)
    pool = await repo.with_name_words(viewer, spellings, filters, limit * 4)
    return typos.closest(
        terms, pool, lambda r: r.name, prefix=False, popularity=lambda r: r.popularity, limit=limit
    )


async def _public_name_words(repo: RecipeRepository, cache: Cache) -> list[str]:
    async def load() -> list[str]:
        return typos.name_words(await repo.public_names())

    words: list[str] = await cache.get_or_load_json(NAME_WORDS_KEY, RECIPE_TTL, load)
    return words


async def warm_name_words(db: Database, cache: Cache) -> int:
    """Loads the typo vocabulary at start, so the first misspelled query does not pay for it."""
    async with db.session() as session:
        return len(await _public_name_words(RecipeRepository(session), cache))


async def _name_words(repo: RecipeRepository, cache: Cache, viewer: uuid.UUID | None) -> list[str]:
    """The typo vocabulary: the public catalog's name words (cached until a public recipe
    changes) plus the viewer's private recipes' words."""

    public = await _public_name_words(repo, cache)
    if viewer is None:
        return public
    private = typos.name_words(await repo.private_names(viewer))
    return sorted(set(public).union(private)) if private else public


# -- writes ---------------------------------------------------------------------------------


async def _unique_slug(repo: RecipeRepository, wanted: str) -> str:
    slug = wanted
    suffix = 2
    while await repo.slug_exists(slug):
        slug = f"{wanted}-{suffix}"
        suffix += 1
    return slug


async def create_recipe(
    session: AsyncSession,
    cache: Cache,
    data: RecipeCreate,
    *,
    owner: User | None,
    visibility: str,
    source_id: str | None = None,
) -> Recipe:
    repo = RecipeRepository(session)
    values = data.model_dump(exclude={"ingredients", "slug", "visibility"})
    recipe = Recipe(
        id=uuid7(),
        **values,
        slug=await _unique_slug(repo, data.slug or slugify(data.name)),
        visibility=visibility,
        owner_id=owner.id if owner else None,
        source_id=source_id,
    )
    ingredients = [build_ingredient(item, i) for i, item in enumerate(data.ingredients)]
    apply_derived(recipe, ingredients)
    recipe.ingredients = ingredients
    await repo.add(recipe)
    if owner is not None:
        await activity.track(session, owner.id, activity.RECIPE_CREATED, recipe_id=recipe.id)
    await cache.delete_prefix(SEARCH_PREFIX)
    if visibility == VISIBILITY_PUBLIC:
        await cache.delete(NAME_WORDS_KEY, CANDIDATE_POOLS_STAMP_KEY)
    if owner is not None:
        await cache.delete(owns_private_key(owner.id))
    return recipe


async def update_recipe(
    session: AsyncSession, cache: Cache, user: User, id_or_slug: str, data: RecipeUpdate
) -> Recipe:
    recipe = await get_for_write(session, user, id_or_slug)
    was_public = recipe.visibility == VISIBILITY_PUBLIC
    changes = data.model_dump(exclude_unset=True, exclude={"ingredients"})
    if changes.get("visibility") == VISIBILITY_PUBLIC and not user.is_admin:
        raise Forbidden("Only administrators can publish recipes to the catalog")
    for key, value in changes.items():
        if value is not None:
            setattr(recipe, key, value)
    ingredients = list(recipe.ingredients)
    if data.ingredients is not None:
        ingredients = [build_ingredient(item, i) for i, item in enumerate(data.ingredients)]
        recipe.ingredients = ingredients
    apply_derived(recipe, ingredients)
    await session.flush()
    await _invalidate_recipe(
        cache,
        recipe.id,
        public=was_public or recipe.visibility == VISIBILITY_PUBLIC,
        owner_id=recipe.owner_id,
    )
    return recipe


async def delete_recipe(session: AsyncSession, cache: Cache, user: User, id_or_slug: str) -> None:
    recipe = await get_for_write(session, user, id_or_slug)
    await RecipeRepository(session).delete(recipe)
    defer_job(session, DELETE_PREFIX_JOB, {"prefix": f"recipes/{recipe.id}/"})
    await _invalidate_recipe(
        cache,
        recipe.id,
        public=recipe.visibility == VISIBILITY_PUBLIC,
        owner_id=recipe.owner_id,
    )


async def _invalidate_recipe(
    cache: Cache, recipe_id: uuid.UUID, *, public: bool, owner_id: uuid.UUID | None
) -> None:
    """A changed or deleted recipe: its own entry, every cached list or search page, the
    cached favorites pages and weeks that may show it (recipe writes are rare admin or owner
    actions, so prefix sweeps are fine), for a public one the typo vocabulary and the
    suggestion pools, and whether its owner has private recipes."""
    await cache.delete(recipe_key(recipe_id))
    if owner_id is not None:
        await cache.delete(owns_private_key(owner_id))
    if public:
        await cache.delete(NAME_WORDS_KEY, CANDIDATE_POOLS_STAMP_KEY)
    await cache.delete_prefix(SEARCH_PREFIX)
    await cache.delete_prefix(FAVORITES_PREFIX)
    await cache.delete_prefix(MEAL_PLANS_PREFIX)


# -- favorites ----------------------------------------------------------------------------


async def set_favorite(
    session: AsyncSession, cache: Cache, user: User, id_or_slug: str, favorite: bool
) -> tuple[Recipe, bool]:
    recipe = await get_readable(session, user, id_or_slug)
    repo = RecipeRepository(session)
    if favorite:
        changed = await repo.add_favorite(user.id, recipe.id)
        event = activity.RECIPE_FAVORITED
    else:
        changed = await repo.remove_favorite(user.id, recipe.id)
        event = activity.RECIPE_UNFAVORITED
    if changed:
        await activity.track(session, user.id, event, recipe_id=recipe.id)
        await session.refresh(recipe, attribute_names=["favorite_count"])
        await cache.delete(favorites_key(user.id), recipe_key(recipe.id))
    return recipe, changed


async def list_favorites(
    session: AsyncSession, cache: Cache, user_id: uuid.UUID, page: PageParams
) -> Page[RecipeSummary]:
    # One key per user; pages are fields of it so one delete invalidates them all.
    key = favorites_key(user_id)
    cached: dict[str, Any] = await cache.get_json(key) or {}
    field = f"{page.page}x{page.limit}"
    if field not in cached:
        rows, total = await RecipeRepository(session).list_favorites(user_id, page)
        cached[field] = _page_json(rows, total, page)
        await cache.set_json(key, cached, FAVORITES_TTL)
    return Page[RecipeSummary].model_validate(cached[field])


async def favorite_recipe_ids(session: AsyncSession, user_id: uuid.UUID) -> list[uuid.UUID]:
    return await RecipeRepository(session).favorite_ids(user_id)


async def record_planned(session: AsyncSession, recipe_id: uuid.UUID, delta: int) -> None:
    """Called by meal plans when a recipe is added to (+1) or removed from (-1) a plan."""
    await RecipeRepository(session).bump_times_planned(recipe_id, delta)


async def export_recipes(session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    rows = (
        await session.execute(
            select(Recipe)
            .where(Recipe.owner_id == user_id)
            .options(selectinload(Recipe.ingredients))
        )
    ).scalars()
    favorites = await favorite_recipe_ids(session, user_id)
    return {
        "privateRecipes": [
            RecipeRead.model_validate(r).model_dump(mode="json", by_alias=True) for r in rows
        ],
        "favoriteRecipeIds": [str(f) for f in favorites],
    }


async def get_recipes(
    session: AsyncSession, ids: Sequence[uuid.UUID], *, brief: bool = False
) -> dict[uuid.UUID, Recipe]:
    """Recipes by id in one query (for plans and lists; no access check).

    `brief` loads only the summary columns (no instructions or search text), for views that
    show many recipes at once.
    """
    repo = RecipeRepository(session)
    rows = await (repo.get_many_brief if brief else repo.get_many)(list(set(ids)))
    return {r.id: r for r in rows}


WARM_LIMIT = 100


async def warm_popular(db: Database, cache: Cache, limit: int = WARM_LIMIT) -> int:
    """Pre-loads the most popular public recipes into `recipe:{id}` (cache warming at start).

    Cheap (two queries) and best effort: a failure only means a colder cache.
    """
    async with db.session(read_only=True) as session:
        rows = (
            (
                await session.execute(
                    select(Recipe)
                    .where(Recipe.visibility == VISIBILITY_PUBLIC)
                    .order_by(Recipe.popularity.desc(), Recipe.created_at.desc())
                    .limit(limit)
                    .options(selectinload(Recipe.ingredients))
                )
            )
            .scalars()
            .all()
        )
    for recipe in rows:
        await cache.set_bytes(recipe_key(recipe.id), recipe_payload(recipe), RECIPE_TTL)
    return len(rows)
