"""Recipe queries: visibility, filters, sorting, full-text search and autocomplete.

Search runs on PostgreSQL (`websearch_to_tsquery` over a weighted `tsvector`, a pg_trgm index
for word-start name matches) and on SQLite (FTS5 with bm25), behind one interface. Typo
correction (`typos.py`) happens before these queries, against the catalog's own words.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    Uuid,
    and_,
    any_,
    bindparam,
    case,
    column,
    delete,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as lite_insert
from sqlalchemy.orm import load_only, selectinload

from mealplanner.core.db import escape_like, json_array_contains
from mealplanner.core.pagination import PageParams
from mealplanner.core.repository import Repository
from mealplanner.recipes.filters import RecipeFilters
from mealplanner.recipes.models import VISIBILITY_PUBLIC, Favorite, PopularityQueue, Recipe

# The SQLite FTS5 table (created by the migration, outside the models).
_FTS_TABLE = table("recipes_fts", column("rowid"))
_UUID_ARRAY = ARRAY(Uuid())
# What a list or search page shows (`RecipeSummary`): the large columns (steps, ingredient
# text, the search vector) stay in the database.
_SUMMARY = load_only(
    Recipe.id,
    Recipe.slug,
    Recipe.name,
    Recipe.description,
    Recipe.cuisine,
    Recipe.meal_types,
    Recipe.category,
    Recipe.tags,
    Recipe.prep_minutes,
    Recipe.cook_minutes,
    Recipe.total_minutes,
    Recipe.servings,
    Recipe.difficulty,
    Recipe.nutrition,
    Recipe.dietary_flags,
    Recipe.allergens,
    Recipe.image_keys,
    Recipe.visibility,
    Recipe.favorite_count,
    Recipe.times_planned,
    Recipe.popularity,
    Recipe.created_at,
)
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_QUERY_TERMS = 16

_SORT_COLUMNS: dict[str, Any] = {
    "createdAt": Recipe.created_at,
    "name": Recipe.name,
    "popularity": Recipe.popularity,
    "rating": Recipe.favorite_count,
    "prepTime": Recipe.prep_minutes,
    "totalTime": Recipe.total_minutes,
    "calories": Recipe.calories,
    "protein": Recipe.protein_g,
}


def query_terms(query: str) -> list[str]:
    """Word tokens of user text: operators, quotes and punctuation never reach a parser."""
    return [t.lower() for t in _WORD.findall(query)][:MAX_QUERY_TERMS]


# Lists and searches count at most this many matches (an exact count of a broad filter over
# 100,000 recipes reads every matching row); beyond it the page says `totalCapped`.
COUNT_LIMIT = 1000
AUTOCOMPLETE_POOL = 200


def _private_of(user_id: uuid.UUID) -> tuple[Any, ...]:
    return (Recipe.owner_id == user_id, Recipe.visibility != VISIBILITY_PUBLIC)


def fts5_query(terms: Sequence[str]) -> str:
    # Every term quoted (FTS5 syntax cannot leak in); the last one as a prefix.
    quoted = [f'"{t}"' for t in terms]
    if quoted:
        quoted[-1] += "*"
    return " ".join(quoted)


# Relative updates in SQL, so concurrent favourites and plans never lose a count. Built once:
# constructing the statement cost as much CPU as executing it (every meal planned runs it).
# Neither counter is indexed, so the update can stay on the row's page (HOT) instead of
# inserting into all the table's indexes; `popularity` (indexed) is recomputed later from
# the queue. A counter is not an edit: `updated_at` keeps its value.
_BUMP = (
    update(Recipe)
    .where(Recipe.id == bindparam("recipe_id"))
    .values(
        favorite_count=Recipe.favorite_count + bindparam("favorites", type_=Integer),
        times_planned=Recipe.times_planned + bindparam("planned", type_=Integer),
        updated_at=Recipe.updated_at,
    )
    .execution_options(synchronize_session=False)
)
# Queues the bumped recipe for the popularity refresh (once, however often it is bumped).
_QUEUE = {
    dialect: insert(PopularityQueue)
    .values(recipe_id=bindparam("recipe_id"))
    .on_conflict_do_nothing()
    for dialect, insert in (("postgresql", pg_insert), ("sqlite", lite_insert))
}
_POPULARITY = Recipe.favorite_count + Recipe.times_planned


class RecipeRepository(Repository[Recipe]):
    model = Recipe

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name

    # -- reading -------------------------------------------------------------------------

    def readable_by(self, user_id: uuid.UUID | None) -> Any:
        """The public catalog plus the caller's own private recipes, never anybody else's."""
        if user_id is None:
            return Recipe.visibility == VISIBILITY_PUBLIC
        return or_(Recipe.visibility == VISIBILITY_PUBLIC, Recipe.owner_id == user_id)

    async def get_with_ingredients(self, recipe_id: uuid.UUID) -> Recipe | None:
        return await self.get_one_or_none(
            select(Recipe).where(Recipe.id == recipe_id).options(selectinload(Recipe.ingredients))
        )

    async def get_by_slug(self, slug: str) -> Recipe | None:
        return await self.get_one_or_none(
            select(Recipe).where(Recipe.slug == slug).options(selectinload(Recipe.ingredients))
        )

    async def slug_exists(self, slug: str) -> bool:
        stmt = select(Recipe.id).where(Recipe.slug == slug).limit(1)
        return (await self.session.execute(stmt)).first() is not None

    def apply_filters(self, stmt: Select[Recipe], filters: RecipeFilters) -> Select[Recipe]:
        dialect = self.dialect
        if filters.categories:
            stmt = stmt.where(Recipe.category.in_(filters.categories))
        if filters.cuisines:
            stmt = stmt.where(Recipe.cuisine.in_(filters.cuisines))
        if filters.meal_types:
            stmt = stmt.where(
                or_(
                    *(
                        json_array_contains(Recipe.meal_types, m, dialect)
                        for m in filters.meal_types
                    )
                )
            )
        for diet in filters.dietary:
            stmt = stmt.where(json_array_contains(Recipe.dietary_flags, diet, dialect))
        for tag in filters.tags:
            stmt = stmt.where(json_array_contains(Recipe.tags, tag, dialect))
        for allergen in filters.exclude_allergens:
            stmt = stmt.where(~json_array_contains(Recipe.allergens, allergen, dialect))
        if filters.max_prep_time is not None:
            stmt = stmt.where(Recipe.prep_minutes <= filters.max_prep_time)
        if filters.max_total_time is not None:
            stmt = stmt.where(Recipe.total_minutes <= filters.max_total_time)
        if filters.min_calories is not None:
            stmt = stmt.where(Recipe.calories >= filters.min_calories)
        if filters.max_calories is not None:
            stmt = stmt.where(Recipe.calories <= filters.max_calories)
        for ingredient in filters.include_ingredients:
            stmt = stmt.where(Recipe.search_text.ilike(f"%{escape_like(ingredient)}%", escape="\\"))
        for ingredient in filters.exclude_ingredients:
            stmt = stmt.where(
                ~Recipe.search_text.ilike(f"%{escape_like(ingredient)}%", escape="\\")
            )
        return stmt

    @staticmethod
    def _order(filters: RecipeFilters, relevance: Any | None = None) -> list[Any]:
        order: list[Any] = []
        for name, direction in filters.sort:
            if name == "relevance":
                if relevance is not None:
                    order.extend(relevance)
                continue
            column = _SORT_COLUMNS[name]
            order.append(column.desc() if direction == "desc" else column.asc())
        # The id makes the order total (stable pages). It follows the first key's direction so
        # that a (key, id) index serves the order with no sort: most recipes share a
        # popularity of 0, and sorting that one big tie group read every row.
        descending = bool(filters.sort) and filters.sort[0][1] == "desc"
        order.append(Recipe.id.desc() if descending else Recipe.id.asc())
        return order

    def _summaries(self, user_id: uuid.UUID | None, filters: RecipeFilters) -> Select[Recipe]:
        """Summary rows the caller may read, filtered."""
        stmt = select(Recipe).where(self.readable_by(user_id)).options(_SUMMARY)
        return self.apply_filters(stmt, filters)

    def list_statement(self, user_id: uuid.UUID | None, filters: RecipeFilters) -> Select[Recipe]:
        stmt = self._summaries(user_id, filters)
        return stmt.order_by(*self._order(filters))

    async def list_recipes(
        self, user_id: uuid.UUID | None, filters: RecipeFilters, page: PageParams
    ) -> tuple[Sequence[Recipe], int, bool]:
        """(page rows, total, capped): totals stop at COUNT_LIMIT (see `paginate_capped`)."""
        return await self.paginate_capped(self.list_statement(user_id, filters), page, COUNT_LIMIT)

    async def search(
        self, user_id: uuid.UUID | None, query: str, filters: RecipeFilters, page: PageParams
    ) -> tuple[Sequence[Recipe], int, bool]:
        parts = self._search_match(user_id, query, filters)
        if parts is None:
            return [], 0, False
        matches, order = parts
        if self.dialect != "postgresql":
            stmt = matches.order_by(*order)
            total, capped = await self.count_capped(stmt, COUNT_LIMIT)
            return await self.list(stmt.limit(page.limit).offset(page.offset)), total, capped
        # One pass picks the candidates and counts them: the COUNT_LIMIT most popular matches
        # (all of them when there are fewer), plus exact name matches, which always rank
        # first. Only these are ranked: ranking reads each row's tsvector, and sorting every
        # match of a broad word ("chicken": 16,000 recipes) was what made searches slow.
        by_popularity = self._candidates(matches).limit(COUNT_LIMIT + 1)
        pool = list((await self.session.execute(by_popularity)).scalars())
        capped = len(pool) > COUNT_LIMIT
        candidates = set(pool[:COUNT_LIMIT])
        if capped:
            exact = matches.with_only_columns(Recipe.id).where(
                func.lower(Recipe.name) == query.strip().lower()
            )
            candidates.update((await self.session.execute(exact.limit(COUNT_LIMIT))).scalars())
        if not candidates:
            return [], 0, False
        # The candidates already passed the match and the filters: ranking them again behind
        # those conditions would read every candidate's tsvector twice.
        ranked = (
            select(Recipe)
            .options(_SUMMARY)
            .where(Recipe.id == any_(bindparam("ids", list(candidates), type_=_UUID_ARRAY)))
            .order_by(*order)
        )
        rows = await self.list(ranked.limit(page.limit).offset(page.offset))
        return rows, COUNT_LIMIT if capped else len(candidates), capped

    def search_statement(
        self, user_id: uuid.UUID | None, query: str, filters: RecipeFilters
    ) -> Select[Recipe] | None:
        """Full-text match ranked by relevance (exact name first); None for an empty query."""
        parts = self._search_match(user_id, query, filters)
        return None if parts is None else parts[0].order_by(*parts[1])

    def search_candidates(
        self, user_id: uuid.UUID | None, query: str, filters: RecipeFilters
    ) -> Select[Any] | None:
        """The candidate query `search` runs first on PostgreSQL (for the bench's plans)."""
        parts = self._search_match(user_id, query, filters)
        return None if parts is None else self._candidates(parts[0])

    @staticmethod
    def _candidates(matches: Select[Recipe]) -> Select[Any]:
        # (popularity, id) is indexed in this order: broad words walk it and stop early.
        return matches.with_only_columns(Recipe.id).order_by(
            Recipe.popularity.desc(), Recipe.id.desc()
        )

    def _search_match(
        self, user_id: uuid.UUID | None, query: str, filters: RecipeFilters
    ) -> tuple[Select[Recipe], list[Any]] | None:
        """The readable, filtered full-text matches and their relevance order (exact name
        first); None for a query with no words."""
        terms = query_terms(query)
        if not terms:
            return None
        stmt = self._summaries(user_id, filters)
        exact = case((func.lower(Recipe.name) == query.strip().lower(), 1), else_=0).desc()
        if self.dialect == "postgresql":
            tsquery = func.websearch_to_tsquery("english", " ".join(terms))
            vector: Any = literal_column("recipes.search_vector")
            stmt = stmt.where(vector.op("@@")(tsquery))
            relevance: list[Any] = [
                exact,
                func.ts_rank_cd(vector, tsquery, 32).desc(),
                Recipe.popularity.desc(),
            ]
        else:
            stmt = stmt.join(
                _FTS_TABLE, _FTS_TABLE.c.rowid == literal_column("recipes.rowid")
            ).where(text("recipes_fts MATCH :fts").bindparams(fts=fts5_query(terms)))
            relevance = [
                exact,
                text("bm25(recipes_fts, 10.0, 4.0, 4.0, 2.0, 1.0)"),
                Recipe.popularity.desc(),
            ]
        return stmt, self._order(filters, relevance)

    async def public_names(self) -> list[str]:
        """The names of the public catalog (the typo vocabulary's source)."""
        stmt = select(Recipe.name).where(Recipe.visibility == VISIBILITY_PUBLIC)
        return list((await self.session.execute(stmt)).scalars())

    async def owns_private(self, user_id: uuid.UUID) -> bool:
        stmt = select(Recipe.id).where(*_private_of(user_id)).limit(1)
        return (await self.session.execute(stmt)).first() is not None

    async def private_names(self, user_id: uuid.UUID) -> list[str]:
        stmt = select(Recipe.name).where(*_private_of(user_id))
        return list((await self.session.execute(stmt)).scalars())

    @staticmethod
    def word_start(phrase: str) -> Any:
        """The name has a word starting with `phrase` (the name trigram index answers this on
        PostgreSQL; SQLite scans, which suits its small catalogs)."""
        escaped = escape_like(phrase)
        return or_(
            Recipe.name.ilike(f"{escaped}%", escape="\\"),
            Recipe.name.ilike(f"% {escaped}%", escape="\\"),
        )

    async def names_starting(
        self, user_id: uuid.UUID | None, phrases: Sequence[str], limit: int
    ) -> list[tuple[uuid.UUID, str, str, int]]:
        """(id, slug, name, popularity) of names with a word starting with one of `phrases`,
        names starting with it first, then the most popular.

        The best of at most AUTOCOMPLETE_POOL matches: sorting every match of a common word
        ("sal" → thousands of salads) by popularity read them all.
        """
        if not phrases:
            return []
        is_prefix = or_(*(Recipe.name.ilike(f"{escape_like(p)}%", escape="\\") for p in phrases))
        pool = (
            select(Recipe.id, Recipe.slug, Recipe.name, Recipe.popularity, is_prefix.label("p"))
            .where(self.readable_by(user_id), or_(*(self.word_start(p) for p in phrases)))
            .limit(AUTOCOMPLETE_POOL)
            .subquery()
        )
        stmt = (
            select(pool.c.id, pool.c.slug, pool.c.name, pool.c.popularity)
            .order_by(pool.c.p.desc(), pool.c.popularity.desc(), pool.c.name)
            .limit(limit)
        )
        return [(r[0], r[1], r[2], int(r[3])) for r in await self.session.execute(stmt)]

    async def with_name_words(
        self,
        user_id: uuid.UUID | None,
        spellings: Sequence[Sequence[str]],
        filters: RecipeFilters,
        limit: int,
    ) -> Sequence[Recipe]:
        """Recipes passing `filters` whose names contain, at word starts, every word of one of
        `spellings` (typo corrections of a search)."""
        if not spellings:
            return []
        matches = or_(*(and_(*(self.word_start(w) for w in words)) for words in spellings))
        stmt = self._summaries(user_id, filters)
        return await self.list(stmt.where(matches).limit(limit))

    # -- favorites -----------------------------------------------------------------------

    async def is_favorite(self, user_id: uuid.UUID, recipe_id: uuid.UUID) -> bool:
        return await self.session.get(Favorite, (user_id, recipe_id)) is not None

    async def add_favorite(self, user_id: uuid.UUID, recipe_id: uuid.UUID) -> bool:
        """True when the favorite was new (idempotent: a second call changes nothing)."""
        if await self.is_favorite(user_id, recipe_id):
            return False
        self.session.add(Favorite(user_id=user_id, recipe_id=recipe_id))
        await self.session.flush()
        await self._bump(recipe_id, favorites=1)
        return True

    async def remove_favorite(self, user_id: uuid.UUID, recipe_id: uuid.UUID) -> bool:
        result = await self.session.execute(
            delete(Favorite).where(Favorite.user_id == user_id, Favorite.recipe_id == recipe_id)
        )
        removed = bool(getattr(result, "rowcount", 0))
        if removed:
            await self._bump(recipe_id, favorites=-1)
        return removed

    async def _bump(self, recipe_id: uuid.UUID, *, favorites: int = 0, planned: int = 0) -> None:
        await self.session.execute(
            _BUMP, {"recipe_id": recipe_id, "favorites": favorites, "planned": planned}
        )
        await self.session.execute(_QUEUE[self.dialect], {"recipe_id": recipe_id})

    async def queued_for_popularity(self, limit: int) -> list[uuid.UUID]:
        """Up to `limit` queued recipe ids; on PostgreSQL locked, skipping ids another
        process is refreshing (so two refreshers never wait on each other)."""
        stmt = select(PopularityQueue.recipe_id).order_by(PopularityQueue.recipe_id).limit(limit)
        if self.dialect == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        return list((await self.session.execute(stmt)).scalars())

    async def refresh_popularity(self, recipe_ids: Sequence[uuid.UUID]) -> int:
        """Recompute `popularity` of `recipe_ids` and take them off the queue; the number
        of recipes whose popularity changed.

        The recipes are updated before their queue rows are deleted: a request bumping one
        of them meanwhile either waits for this update (and queues the recipe again after
        the delete) or is seen by it, so no change is lost and no lock order is reversed.
        """
        changed = await self.session.execute(
            update(Recipe)
            .where(Recipe.id.in_(recipe_ids), Recipe.popularity != _POPULARITY)
            .values(popularity=_POPULARITY, updated_at=Recipe.updated_at)
            .execution_options(synchronize_session=False)
        )
        await self.session.execute(
            delete(PopularityQueue).where(PopularityQueue.recipe_id.in_(recipe_ids))
        )
        return int(getattr(changed, "rowcount", 0) or 0)

    async def bump_times_planned(self, recipe_id: uuid.UUID, delta: int) -> None:
        await self._bump(recipe_id, planned=delta)

    async def list_favorites(
        self, user_id: uuid.UUID, page: PageParams
    ) -> tuple[Sequence[Recipe], int]:
        stmt = (
            select(Recipe)
            .join(Favorite, and_(Favorite.recipe_id == Recipe.id, Favorite.user_id == user_id))
            .where(self.readable_by(user_id))
            .order_by(Favorite.created_at.desc(), Recipe.id)
        )
        return await self.paginate(stmt, page)

    async def favorite_ids(self, user_id: uuid.UUID) -> list[uuid.UUID]:
        stmt = select(Favorite.recipe_id).where(Favorite.user_id == user_id)
        return [row[0] for row in await self.session.execute(stmt)]

    async def get_many_brief(self, ids: Sequence[uuid.UUID]) -> Sequence[Recipe]:
        if not ids:
            return []
        return await self.list(
            select(Recipe)
            .where(Recipe.id.in_(ids))
            .options(
                load_only(
                    Recipe.id,
                    Recipe.slug,
                    Recipe.name,
                    Recipe.image_keys,
                    Recipe.prep_minutes,
                    Recipe.cook_minutes,
                    Recipe.total_minutes,
                    Recipe.servings,
                    Recipe.nutrition,
                    Recipe.dietary_flags,
                    Recipe.meal_types,
                    Recipe.cuisine,
                    raiseload=True,
                )
            )
        )

    async def get_many(self, ids: Sequence[uuid.UUID]) -> Sequence[Recipe]:
        if not ids:
            return []
        return await self.list(select(Recipe).where(Recipe.id.in_(ids)))
