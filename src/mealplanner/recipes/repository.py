"""Recipe queries: visibility, filters, sorting, full-text search and autocomplete.

Search runs on PostgreSQL (`websearch_to_tsquery` over a weighted `tsvector`, pg_trgm for
typos) and on SQLite (FTS5 with bm25, an FTS5 trigram index for typos), behind one interface.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import (
    Select,
    and_,
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
from sqlalchemy.orm import load_only, selectinload

from mealplanner.core.db import escape_like, json_array_contains
from mealplanner.core.pagination import PageParams
from mealplanner.core.repository import Repository
from mealplanner.recipes.filters import RecipeFilters
from mealplanner.recipes.models import VISIBILITY_PUBLIC, Favorite, Recipe

# The SQLite FTS5 table (created by the migration, outside the models).
_FTS_TABLE = table("recipes_fts", column("rowid"))
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


FUZZY_MIN_SCORE = 75.0
# Lists and searches count at most this many matches (an exact count of a broad filter over
# 100,000 recipes reads every matching row); beyond it the page says `totalCapped`.
COUNT_LIMIT = 1000
AUTOCOMPLETE_POOL = 200
# Autocomplete falls back to fuzzy (typo) matching only below this many word-start matches.
FUZZY_BELOW = 3


def name_similarity(terms: Sequence[str], name: str, *, prefix: bool = False) -> float:
    """How well each query word matches some word of the name (0-100), averaged.

    With `prefix`, the last query word may be the start of a word ("chic" → chicken),
    typos included ("chik" → chicken).
    """
    words = query_terms(name)
    if not terms or not words:
        return 0.0
    total = 0.0
    for index, term in enumerate(terms):
        best = max(fuzz.ratio(term, w) for w in words)
        if prefix and index == len(terms) - 1:
            best = max(best, *(fuzz.ratio(term, w[: len(term)]) for w in words))
        total += best
    return total / len(terms)


def fts5_query(terms: Sequence[str]) -> str:
    # Every term quoted (FTS5 syntax cannot leak in); the last one as a prefix.
    quoted = [f'"{t}"' for t in terms]
    if quoted:
        quoted[-1] += "*"
    return " ".join(quoted)


def trigram_query(text_: str) -> str:
    grams = {text_[i : i + 3] for i in range(len(text_) - 2)}
    return " OR ".join(f'"{g}"' for g in sorted(grams) if '"' not in g)


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
        order.append(Recipe.id)  # a total order keeps pages stable
        return order

    def list_statement(self, user_id: uuid.UUID | None, filters: RecipeFilters) -> Select[Recipe]:
        stmt = self.apply_filters(select(Recipe).where(self.readable_by(user_id)), filters)
        return stmt.order_by(*self._order(filters))

    async def list_recipes(
        self, user_id: uuid.UUID | None, filters: RecipeFilters, page: PageParams
    ) -> tuple[Sequence[Recipe], int, bool]:
        """(page rows, total, capped): totals stop at COUNT_LIMIT (see `paginate_capped`)."""
        return await self.paginate_capped(self.list_statement(user_id, filters), page, COUNT_LIMIT)

    async def search(
        self, user_id: uuid.UUID | None, query: str, filters: RecipeFilters, page: PageParams
    ) -> tuple[Sequence[Recipe], int, bool]:
        stmt = self.search_statement(user_id, query, filters)
        if stmt is None:
            return [], 0, False
        total, capped = await self.count_capped(stmt, COUNT_LIMIT)
        if capped and self.dialect == "postgresql":
            # Thousands of matches: rank only the COUNT_LIMIT most popular ones (exact name
            # matches always included). Ranking reads each match's tsvector, which is what made
            # broad searches slow; the capped total already promises no more pages than this.
            bounded = self.search_statement(user_id, query, filters, candidates=COUNT_LIMIT)
            assert bounded is not None
            stmt = bounded
        rows = await self.list(stmt.limit(page.limit).offset(page.offset))
        return rows, total, capped

    def search_statement(
        self,
        user_id: uuid.UUID | None,
        query: str,
        filters: RecipeFilters,
        *,
        candidates: int | None = None,
    ) -> Select[Recipe] | None:
        """Full-text match ranked by relevance (exact name first); None for an empty query.

        With `candidates` (PostgreSQL), only that many matches, exact names first and then the
        most popular, are ranked.
        """
        terms = query_terms(query)
        if not terms:
            return None
        stmt = self.apply_filters(select(Recipe).where(self.readable_by(user_id)), filters)
        exact = case((func.lower(Recipe.name) == query.strip().lower(), 1), else_=0).desc()
        if self.dialect == "postgresql":
            tsquery = func.websearch_to_tsquery("english", " ".join(terms))
            vector: Any = literal_column("recipes.search_vector")
            stmt = stmt.where(vector.op("@@")(tsquery))
            if candidates is not None:
                pool = (
                    stmt.with_only_columns(Recipe.id)
                    .order_by(exact, Recipe.popularity.desc(), Recipe.id)
                    .limit(candidates)
                    .scalar_subquery()
                )
                stmt = stmt.where(Recipe.id.in_(pool))
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
        return stmt.order_by(*self._order(filters, relevance))

    async def fuzzy_candidates(
        self, user_id: uuid.UUID | None, query: str, filters: RecipeFilters, limit: int
    ) -> Sequence[Recipe]:
        """Recipes whose names are close to a misspelled query (typo tolerance)."""
        text_ = " ".join(query_terms(query))
        if len(text_) < 3:
            return []
        stmt = self.apply_filters(select(Recipe).where(self.readable_by(user_id)), filters)
        if self.dialect == "postgresql":
            await self._loosen_trigram_threshold()
            stmt = stmt.where(bindparam("fq", text_).op("<%")(Recipe.name))
            stmt = stmt.order_by(func.word_similarity(bindparam("fq2", text_), Recipe.name).desc())
        else:
            candidate_ids = await self._trigram_ids(text_, limit * 4)
            if not candidate_ids:
                return []
            stmt = stmt.where(literal_column("recipes.rowid").in_(candidate_ids))
        rows = await self.list(stmt.limit(limit * 4))
        terms = query_terms(query)
        scored = [(name_similarity(terms, r.name), r) for r in rows]
        close = [pair for pair in scored if pair[0] >= FUZZY_MIN_SCORE]
        close.sort(key=lambda pair: -pair[0])
        return [r for _, r in close[:limit]]

    async def _trigram_ids(self, text_: str, limit: int) -> list[int]:
        match = trigram_query(text_)
        if not match:
            return []
        result = await self.session.execute(
            text(
                "SELECT rowid FROM recipes_trgm WHERE recipes_trgm MATCH :m "
                "ORDER BY bm25(recipes_trgm) LIMIT :n"
            ),
            {"m": match, "n": limit},
        )
        return [int(row[0]) for row in result]

    async def autocomplete(
        self, user_id: uuid.UUID | None, query: str, limit: int
    ) -> list[tuple[uuid.UUID, str, str]]:
        text_ = " ".join(query_terms(query))
        if not text_:
            return []
        readable = self.readable_by(user_id)
        columns = (Recipe.id, Recipe.slug, Recipe.name)
        prefix = Recipe.name.ilike(f"{escape_like(text_)}%", escape="\\")
        if self.dialect == "postgresql":
            # Most keystrokes are the start of a word of a real name ("cur" → Thai Green
            # Curry): the trigram index answers that substring match alone; the fuzzy search
            # only runs when it finds too few, and never for one- or two-letter queries.
            word_start = or_(prefix, Recipe.name.ilike(f"% {escape_like(text_)}%", escape="\\"))
            # The best of at most AUTOCOMPLETE_POOL matches: sorting every match of a common
            # word ("sal" → thousands of salads) by popularity read them all.
            pool = (
                select(*columns, Recipe.popularity, prefix.label("is_prefix"))
                .where(readable, word_start)
                .limit(AUTOCOMPLETE_POOL)
                .subquery()
            )
            prefixed = list(
                await self.session.execute(
                    select(pool.c.id, pool.c.slug, pool.c.name, pool.c.popularity)
                    .order_by(pool.c.is_prefix.desc(), pool.c.popularity.desc(), pool.c.name)
                    .limit(limit)
                )
            )
            # A few word-start matches mean the user is typing a real word: no typo search.
            if len(prefixed) >= FUZZY_BELOW or len(text_) < 4:
                return [(r[0], r[1], r[2]) for r in prefixed]
            await self._loosen_trigram_threshold()
            stmt = (
                select(*columns, Recipe.popularity)
                .where(readable, or_(prefix, bindparam("q", text_).op("<%")(Recipe.name)))
                .order_by(
                    case((prefix, 1), else_=0).desc(),
                    func.word_similarity(bindparam("q2", text_), Recipe.name).desc(),
                    Recipe.popularity.desc(),
                )
                .limit(limit * 5)
            )
            return self._rank_names(text_, list(await self.session.execute(stmt)), limit)
        if len(text_) < 3:
            short = select(*columns).where(readable, prefix).order_by(Recipe.popularity.desc())
            return [(r[0], r[1], r[2]) for r in await self.session.execute(short.limit(limit))]
        candidate_ids = await self._trigram_ids(text_, 200)
        if not candidate_ids:
            return []
        candidates = select(*columns, Recipe.popularity).where(
            readable, literal_column("recipes.rowid").in_(candidate_ids)
        )
        return self._rank_names(text_, list(await self.session.execute(candidates)), limit)

    @staticmethod
    def _rank_names(text_: str, rows: list[Any], limit: int) -> list[tuple[uuid.UUID, str, str]]:
        """Orders candidate (id, slug, name, popularity) rows by closeness to the query."""
        terms = text_.split()

        def score(row: Any) -> tuple[float, int, int]:
            name = str(row[2]).lower()
            similarity = name_similarity(terms, name, prefix=True)
            return (similarity, int(name.startswith(text_)), int(row[3]))

        ranked = sorted(((score(r), r) for r in rows), key=lambda pair: pair[0], reverse=True)
        close = [r for s, r in ranked if s[0] >= FUZZY_MIN_SCORE]
        return [(r[0], r[1], r[2]) for r in close[:limit]]

    async def _loosen_trigram_threshold(self) -> None:
        # pg_trgm's default (0.6) misses one-letter typos in short words ("chiken" scores
        # 0.5 against "Chicken Tikka"); candidates are re-ranked and filtered in Python.
        await self.session.execute(text("SET LOCAL pg_trgm.word_similarity_threshold = 0.4"))

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
        # Relative updates in SQL, so concurrent favorites never lose a count.
        await self.session.execute(
            update(Recipe)
            .where(Recipe.id == recipe_id)
            .values(
                favorite_count=Recipe.favorite_count + favorites,
                times_planned=Recipe.times_planned + planned,
                popularity=Recipe.popularity + favorites + planned,
            )
            .execution_options(synchronize_session=False)
        )

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
