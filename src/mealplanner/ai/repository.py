"""The AI domain's SQL: candidate recipes under the hard filters, their foods, the activity
baskets for co-occurrence, and recently planned recipes."""

from __future__ import annotations

import functools
import json
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import (
    Integer,
    Row,
    Select,
    Text,
    and_,
    bindparam,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from mealplanner.activity.models import Activity
from mealplanner.core.db import escape_like, json_array_contains
from mealplanner.mealplans.models import MealPlan, PlannedMeal
from mealplanner.recipes.models import VISIBILITY_PUBLIC, Favorite, Recipe, RecipeIngredient

# One ingredient line: (USDA food id, name, grams for the whole recipe).
IngredientLine = tuple[str | None, str, float | None]
Lines = dict[uuid.UUID, list[IngredientLine]]


@dataclass(frozen=True, slots=True)
class RecipeRow:
    """The columns the planner needs, without the ORM object (10,000 candidates load in a
    fraction of the time full rows take)."""

    id: uuid.UUID
    name: str
    cuisine: str
    meal_types: list[str]
    calories: float
    protein_g: float
    carbs_g: float
    fat_g: float
    total_minutes: int
    popularity: int
    dietary_flags: list[str]
    allergens: list[str]
    search_text: str


_ROW_COLUMNS = (
    Recipe.id,
    Recipe.name,
    Recipe.cuisine,
    Recipe.meal_types,
    Recipe.calories,
    Recipe.protein_g,
    Recipe.carbs_g,
    Recipe.fat_g,
    Recipe.total_minutes,
    Recipe.popularity,
    Recipe.dietary_flags,
    Recipe.allergens,
    Recipe.search_text,
)


@dataclass(slots=True)
class SuggestionRow:
    """What ranking a suggestion needs, without the ORM object (building a few hundred full
    `Recipe` objects per request, JSON columns and all, was most of the candidate load).

    The last four are only loaded when a hard filter re-checks them (None otherwise): a
    candidate's meal types only matter to the ranking when a meal type was asked for, and then
    the filter has it too.
    """

    food_ids: frozenset[str]
    id: uuid.UUID
    name: str
    cuisine: str
    tags: frozenset[str]
    calories: float
    protein_g: float
    total_minutes: int
    popularity: int
    meal_types: frozenset[str] | None
    dietary_flags: frozenset[str] | None
    allergens: frozenset[str] | None
    search_text: str | None


@functools.lru_cache(maxsize=8192)
def _json_items(text: str | None) -> frozenset[str]:
    """The items of a JSON array column read as text. Decoding JSON was the largest cost of
    the candidate rows, and the texts repeat (3,400 tag combinations in 100,000 recipes), so
    each is parsed once per process."""
    return frozenset(json.loads(text) or ()) if text else frozenset()


@dataclass(frozen=True, slots=True)
class UserSignals:
    planned: set[uuid.UUID]
    events: list[tuple[uuid.UUID, str, datetime]]  # (recipe, event type, when), newest first
    favorites: set[uuid.UUID]


@dataclass(frozen=True, slots=True)
class HardFilters:
    """What a recipe must satisfy to be suggested or planned for a user. Never relaxed."""

    diets: tuple[str, ...] = ()
    allergies: tuple[str, ...] = ()
    dislikes: tuple[str, ...] = ()
    meal_types: tuple[str, ...] = ()  # any of them; empty = no restriction
    max_total_minutes: int | None = None
    exclude_ids: frozenset[uuid.UUID] = frozenset()
    require_nutrition: bool = False

    def shared_part(self) -> HardFilters:
        """These filters without the excluded ids (applied per request), each list sorted
        and without repeats: what queries and pools that serve many requests are keyed by
        (the same filters in another order share them)."""
        return HardFilters(
            diets=tuple(sorted(set(self.diets))),
            allergies=tuple(sorted(set(self.allergies))),
            dislikes=tuple(sorted(set(self.dislikes))),
            meal_types=tuple(sorted(set(self.meal_types))),
            max_total_minutes=self.max_total_minutes,
            require_nutrition=self.require_nutrition,
        )

    def allows(
        self, recipe: Recipe | RecipeRow | SuggestionRow, ingredient_names: Iterable[str] = ()
    ) -> bool:
        """The same rules in Python, applied again after the SQL (defence in depth)."""
        if recipe.id in self.exclude_ids:
            return False
        if self.diets and not set(self.diets) <= set(recipe.dietary_flags or ()):
            return False
        if self.allergies and set(self.allergies) & set(recipe.allergens or ()):
            return False
        if self.meal_types and not set(self.meal_types) & set(recipe.meal_types or ()):
            return False
        if self.max_total_minutes is not None and recipe.total_minutes > self.max_total_minutes:
            return False
        if self.require_nutrition and recipe.calories <= 0:
            return False
        if not self.dislikes:
            return True
        text = " ".join([recipe.search_text or "", recipe.name, *ingredient_names]).lower()
        return not any(d in text for d in self.dislikes)


@functools.lru_cache(maxsize=16)
def _rows_by_id(columns: tuple[str, ...]) -> Select[Any]:
    # Built once per column set: constructing the statement per request cost more CPU than
    # decoding its ten rows.
    return select(*(getattr(Recipe, c) for c in columns)).where(
        Recipe.id.in_(bindparam("ids", expanding=True))
    )


def _readable_by(user_id: Any) -> Any:
    # Same rule as recipes' `readable_by`: the public catalog plus the user's own recipes.
    return or_(Recipe.visibility == VISIBILITY_PUBLIC, Recipe.owner_id == user_id)


def _user_signals() -> Any:
    """`AIRepository.user_signals`' query, built once (per request it cost more CPU than
    reading its rows): the latest events, the recipes planned in the window, favourites."""
    user_id = bindparam("user_id", type_=Activity.user_id.type)
    events = (
        select(literal(0), Activity.recipe_id, Activity.event_type, Activity.created_at)
        .where(
            Activity.user_id == user_id,
            Activity.event_type.in_(bindparam("event_types", expanding=True)),
            Activity.recipe_id.is_not(None),
            Activity.created_at >= bindparam("since", type_=Activity.created_at.type),
        )
        .order_by(Activity.created_at.desc())
        .limit(bindparam("limit", type_=Integer))
        .subquery()
    )
    # Typed: DISTINCT makes PostgreSQL settle a bare NULL's type (text) before the union.
    no_event = (cast(null(), Activity.event_type.type), cast(null(), Activity.created_at.type))
    planned = (
        select(literal(1), PlannedMeal.recipe_id, *no_event)
        .join(MealPlan, MealPlan.id == PlannedMeal.plan_id)
        .where(
            MealPlan.user_id == user_id,
            PlannedMeal.date >= bindparam("planned_from", type_=PlannedMeal.date.type),
            PlannedMeal.date <= bindparam("planned_to", type_=PlannedMeal.date.type),
        )
        .distinct()
    )
    favorites = select(literal(2), Favorite.recipe_id, *no_event).where(Favorite.user_id == user_id)
    return union_all(select(events), planned, favorites)


_USER_SIGNALS = _user_signals()

# Most popular first; ties (most recipes are never planned) by id, newest first.
_BY_POPULARITY: Final = (Recipe.popularity.desc(), Recipe.id.desc())


def popularity_order(row: SuggestionRow) -> tuple[int, int]:
    """`_BY_POPULARITY` in Python (PostgreSQL and SQLite order UUIDs as big-endian bytes,
    as their integer value does), for merging pools into the order SQL would give."""
    return -row.popularity, -row.id.int


# `user_candidates`' parts, as indexes into its lists.
_OWN, _OWN_LIKED, _RELATED, _HISTORY = range(4)


@dataclass(slots=True)
class UserCandidates:
    own: list[SuggestionRow]
    own_liked: list[SuggestionRow]
    related: list[SuggestionRow]
    history: list[SuggestionRow]


def _suggestion_columns(filters: HardFilters | None) -> tuple[Any, ...]:
    """`SuggestionRow`'s columns in order; those a hard filter re-checks only when it does
    (NULL otherwise). JSON arrays are read as text for `_json_items`."""
    checked = {
        "meal_types": (cast(Recipe.meal_types, Text), bool(filters and filters.meal_types)),
        "dietary_flags": (cast(Recipe.dietary_flags, Text), bool(filters and filters.diets)),
        "allergens": (cast(Recipe.allergens, Text), bool(filters and filters.allergies)),
        "search_text": (Recipe.search_text, bool(filters and filters.dislikes)),
    }
    return (
        Recipe.id,
        Recipe.name,
        Recipe.cuisine,
        cast(Recipe.tags, Text).label("tags"),
        Recipe.calories,
        Recipe.protein_g,
        Recipe.total_minutes,
        Recipe.popularity,
        Recipe.food_ids,  # linked food ids, comma-separated
        *(
            column.label(name) if needed else null().label(name)
            for name, (column, needed) in checked.items()
        ),
    )


def _suggestion_row(row: Any) -> SuggestionRow:
    (
        recipe_id,
        name,
        cuisine,
        tags,
        calories,
        protein_g,
        total_minutes,
        popularity,
        foods,
        meal_types,
        dietary_flags,
        allergens,
        search_text,
    ) = row[:13]
    return SuggestionRow(
        food_ids=frozenset(foods.split(",")) if foods else frozenset(),
        id=recipe_id,
        name=name,
        cuisine=cuisine,
        tags=_json_items(tags),
        calories=calories,
        protein_g=protein_g,
        total_minutes=total_minutes,
        popularity=popularity,
        meal_types=None if meal_types is None else _json_items(meal_types),
        dietary_flags=None if dietary_flags is None else _json_items(dietary_flags),
        allergens=None if allergens is None else _json_items(allergens),
        search_text=search_text,
    )


def _filtered(stmt: Select[Any], scope: Any, f: HardFilters, dialect: str) -> Select[Any]:
    """`stmt` restricted to `scope` (which recipes may be seen) and the hard filters."""
    stmt = stmt.where(scope)
    for diet in f.diets:
        stmt = stmt.where(json_array_contains(Recipe.dietary_flags, diet, dialect))
    for allergen in f.allergies:
        stmt = stmt.where(~json_array_contains(Recipe.allergens, allergen, dialect))
    if f.meal_types:
        stmt = stmt.where(
            or_(*(json_array_contains(Recipe.meal_types, m, dialect) for m in f.meal_types))
        )
    if f.max_total_minutes is not None:
        stmt = stmt.where(Recipe.total_minutes <= f.max_total_minutes)
    if f.require_nutrition:
        stmt = stmt.where(Recipe.calories > 0)
    for word in f.dislikes:
        pattern = f"%{escape_like(word)}%"
        stmt = stmt.where(
            ~func.lower(Recipe.search_text).like(pattern, escape="\\"),
            ~func.lower(Recipe.name).like(pattern, escape="\\"),
        )
    return stmt


def _candidates(scope: Any, filters: HardFilters, part: Any, dialect: str) -> Select[Any]:
    """Suggestion rows in `scope` passing `filters`, labelled with `part`."""
    columns = (*_suggestion_columns(filters), part.label("part"))
    return _filtered(select(*columns), scope, filters, dialect)


@functools.lru_cache(maxsize=64)
def _user_candidates_statement(
    dialect: str, filters: HardFilters, with_liked: bool, with_related: bool, with_history: bool
) -> Any:
    """`AIRepository.user_candidates`' query for one set of hard filters (without excluded
    ids) and parts, built once with bound parameters: building it per request (with a
    parameter per id) cost more CPU than reading its rows."""
    user_id = bindparam("user_id", type_=Recipe.owner_id.type)
    pool = bindparam("pool", type_=Integer)
    history_ids = bindparam("history_ids", expanding=True, type_=Recipe.id.type)
    own = and_(Recipe.owner_id == user_id, Recipe.visibility != VISIBILITY_PUBLIC)
    readable = _readable_by(user_id)
    parts: list[Select[Any]] = [
        _candidates(own, filters, literal(_OWN), dialect).order_by(*_BY_POPULARITY).limit(pool)
    ]
    if with_liked:
        history_cuisines = select(Recipe.cuisine).where(Recipe.id.in_(history_ids), readable)
        liked = or_(
            Recipe.cuisine.in_(bindparam("cuisines", expanding=True, type_=Text)),
            Recipe.cuisine.in_(history_cuisines),
        )
        parts.append(
            _candidates(own, filters, literal(_OWN_LIKED), dialect)
            .where(liked)
            .order_by(*_BY_POPULARITY)
            .limit(pool)
        )
    if with_related:
        include_ids = bindparam("include_ids", expanding=True, type_=Recipe.id.type)
        parts.append(
            _candidates(readable, filters, literal(_RELATED), dialect).where(
                Recipe.id.in_(include_ids)
            )
        )
    if with_history:
        parts.append(
            select(*_suggestion_columns(None), literal(_HISTORY).label("part")).where(
                Recipe.id.in_(history_ids), readable
            )
        )
    # SQLite allows no ORDER BY/LIMIT on a compound's members: each is a subquery.
    return union_all(*(select(part.subquery()) for part in parts))


class AIRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name

    async def public_pool(
        self,
        filters: HardFilters,
        *,
        popular: int | None,
        per_cuisine: int = 0,
        cuisines: Sequence[str] = (),
    ) -> tuple[list[SuggestionRow], dict[str, list[SuggestionRow]]]:
        """The `popular` most popular public recipes passing `filters` (none when None), and
        the `per_cuisine` most popular of each of `cuisines`, each most popular first (one
        query).

        They are the same for every user with the same hard filters, so callers share them
        (`mealplanner.ai.pools`); what only one user may see comes from `user_candidates`.
        """
        # (popularity, id) is indexed: each walk stops at `pool` rows instead of sorting
        # every recipe that passes the filters (most tie at popularity 0).
        public = Recipe.visibility == VISIBILITY_PUBLIC
        parts = []
        if popular is not None:
            parts.append(
                _candidates(public, filters, literal(None, Text), self.dialect)
                .order_by(*_BY_POPULARITY)
                .limit(popular)
            )
        for cuisine in cuisines:
            parts.append(
                _candidates(public, filters, literal(cuisine, Text), self.dialect)
                .where(Recipe.cuisine == cuisine)
                .order_by(*_BY_POPULARITY)
                .limit(per_cuisine)
            )
        top: list[SuggestionRow] = []
        by_cuisine: dict[str, list[SuggestionRow]] = {c: [] for c in cuisines}
        if not parts:
            return top, by_cuisine
        # SQLite allows no ORDER BY/LIMIT on a compound's members: each is a subquery.
        stmt = union_all(*(select(part.subquery()) for part in parts))
        for row in await self.session.execute(stmt):
            recipe = _suggestion_row(row)
            (top if row.part is None else by_cuisine[row.part]).append(recipe)
        for rows in (top, *by_cuisine.values()):
            rows.sort(key=popularity_order)
        return top, by_cuisine

    async def user_candidates(
        self,
        user_id: uuid.UUID,
        filters: HardFilters,
        *,
        pool: int,
        cuisines: Sequence[str] = (),
        include_ids: Sequence[uuid.UUID] = (),
        history_ids: Sequence[uuid.UUID] = (),
    ) -> UserCandidates:
        """What only this user may be suggested or has shown interest in, in one query:

        - `own`: the `pool` most popular of the user's non-public recipes passing `filters`,
          `own_liked` the same among `cuisines` and the history's cuisines;
        - `related`: the readable recipes among `include_ids` passing `filters`;
        - `history`: the readable recipes among `history_ids` (no preference filters: they
          only feed the taste profile, so never carry the re-checked columns).
        """
        stmt = _user_candidates_statement(
            self.dialect,
            filters.shared_part(),
            bool(cuisines or history_ids),
            bool(include_ids),
            bool(history_ids),
        )
        params = {
            "user_id": user_id,
            "pool": pool,
            "cuisines": list(cuisines),
            "include_ids": list(set(include_ids)),
            "history_ids": list(set(history_ids)),
        }
        found = UserCandidates([], [], [], [])
        lists = (found.own, found.own_liked, found.related, found.history)
        for row in await self.session.execute(stmt, params):
            lists[row.part].append(_suggestion_row(row))
        found.own.sort(key=popularity_order)
        found.own_liked.sort(key=popularity_order)
        return found

    async def recipe_rows(
        self, recipe_ids: Sequence[uuid.UUID], columns: Sequence[str]
    ) -> dict[uuid.UUID, Row[Any]]:
        """`columns` of recipes by id, as rows (attribute access like a `Recipe`; no ORM
        objects for a read-only summary). No access check."""
        if not recipe_ids:
            return {}
        stmt = _rows_by_id(tuple(columns))
        rows = await self.session.execute(stmt, {"ids": list(recipe_ids)})
        return {row.id: row for row in rows.all()}

    async def candidate_rows(
        self, user_id: uuid.UUID, filters: HardFilters
    ) -> tuple[list[RecipeRow], dict[uuid.UUID, frozenset[str]]]:
        """Like `candidates`, as plain rows plus each recipe's linked food ids (stored with
        the recipe, so they come in the same query)."""
        ids = _filtered(
            select(Recipe.id), _readable_by(user_id), filters, self.dialect
        ).scalar_subquery()
        result = await self.session.execute(
            select(*_ROW_COLUMNS, Recipe.food_ids).where(Recipe.id.in_(ids)).order_by(Recipe.id)
        )
        rows: list[RecipeRow] = []
        foods: dict[uuid.UUID, frozenset[str]] = {}
        for row in result:
            columns = dict(row._mapping)
            food_ids: str = columns.pop("food_ids")
            recipe = RecipeRow(**columns)
            rows.append(recipe)
            if food_ids:
                foods[recipe.id] = frozenset(food_ids.split(","))
        # search_text already holds every ingredient name, so the re-check needs no lines.
        kept = [r for r in rows if filters.allows(r)]
        return kept, foods

    async def recipes_with_lines(
        self, user_id: uuid.UUID, recipe_ids: Sequence[uuid.UUID]
    ) -> tuple[list[Recipe], Lines]:
        """Readable recipes by id (no preference filters) and their ingredient lines."""
        if not recipe_ids:
            return [], {}
        ids = list(set(recipe_ids))
        recipes = list(
            (
                await self.session.execute(
                    select(Recipe).where(Recipe.id.in_(ids), _readable_by(user_id))
                )
            ).scalars()
        )
        lines = await self._lines(RecipeIngredient.recipe_id.in_(ids))
        return recipes, lines

    async def ingredient_lines(self, recipe_ids: Iterable[uuid.UUID]) -> Lines:
        ids = list(set(recipe_ids))
        if not ids:
            return {}
        return await self._lines(RecipeIngredient.recipe_id.in_(ids))

    async def _lines(self, condition: Any) -> Lines:
        stmt = select(
            RecipeIngredient.recipe_id,
            RecipeIngredient.food_id,
            RecipeIngredient.name,
            RecipeIngredient.grams,
        ).where(condition)
        out: dict[uuid.UUID, list[IngredientLine]] = defaultdict(list)
        for recipe_id, food_id, name, grams in await self.session.execute(stmt):
            out[recipe_id].append((food_id, name, grams))
        return dict(out)

    async def user_signals(
        self,
        user_id: uuid.UUID,
        *,
        planned_from: date,
        planned_to: date,
        event_types: Sequence[str],
        since: datetime,
        limit: int = 500,
    ) -> UserSignals:
        """What suggestions know of the user, in one round trip instead of three: recipes
        planned on a day in [planned_from, planned_to] (across plans), the latest `limit`
        events of `event_types` since `since`, and the favourites."""
        signals = UserSignals(set(), [], set())
        rows = await self.session.execute(
            _USER_SIGNALS,
            {
                "user_id": user_id,
                "event_types": list(event_types),
                "since": since,
                "limit": limit,
                "planned_from": planned_from,
                "planned_to": planned_to,
            },
        )
        for part, recipe_id, event_type, at in rows:
            if recipe_id is None:
                continue
            if part == 0:
                signals.events.append((recipe_id, event_type, at))
            else:
                (signals.planned if part == 1 else signals.favorites).add(recipe_id)
        # Newest first, as the subquery ordered them (a union need not keep that order).
        signals.events.sort(key=lambda event: event[2], reverse=True)
        return signals

    async def baskets(
        self, event_types: Sequence[str], since: datetime, *, per_user: int = 100
    ) -> dict[uuid.UUID, set[uuid.UUID]]:
        """Per user, the distinct recipes they planned or favourited since `since` (at most
        the `per_user` most recent: co-occurrence costs grow with the square of a basket)."""
        last_seen = func.max(Activity.created_at)
        rows = await self.session.execute(
            select(Activity.user_id, Activity.recipe_id, last_seen)
            .where(
                Activity.event_type.in_(event_types),
                Activity.recipe_id.is_not(None),
                Activity.created_at >= since,
            )
            .group_by(Activity.user_id, Activity.recipe_id)
            .order_by(Activity.user_id, last_seen.desc())
        )
        out: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
        for user_id, recipe_id, _ in rows:
            if recipe_id is not None and len(out[user_id]) < per_user:
                out[user_id].add(recipe_id)
        return dict(out)
