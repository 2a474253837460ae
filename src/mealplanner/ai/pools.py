"""Suggestion candidates, with the part every user with the same hard filters shares kept in
the process.

An uncached suggestion ranks a bounded pool: the most popular recipes passing the user's hard
filters, the most popular of the cuisines they like, and recipes other people planned with
theirs. The first two parts, over the public catalog, depend only on the hard filters (and
the cuisines), yet were queried and decoded again for every request: most of the candidate
rows and a third of the candidate query's database time. Each process now reads the
`POPULAR_DEPTH` most popular public recipes once per filter set and keeps them for
`POOL_TTL_SECONDS`, as rows and as ranking features: the most popular part is its head, and
the part of a set of cuisines the first rows of those cuisines in it (only cuisines too rare
for that get their own lists). The user's own non-public recipes, the related recipes and
the history still come from the database on every request, in one query. The picks are the
same as one query over the whole catalog would give.

Freshness: a public recipe's creation, edit or deletion deletes the shared stamp key
(`ai:candidate-pools:stamp`, after the commit too, like every cache delete), and every process
drops its pools when it next sees another stamp. Only popularity moves without a stamp change,
so the "most popular" parts may lag the live counts by up to `POOL_TTL_SECONDS` (5 minutes).
Without a reachable cache no stamp can be read: nothing is kept, and every request reads
only the part it needs (as before the pools).
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from mealplanner.ai.engine.recommender import RecipeFeatures
from mealplanner.ai.repository import AIRepository, HardFilters, SuggestionRow, popularity_order
from mealplanner.core.cache import CANDIDATE_POOLS_STAMP_KEY, Cache

POOL_TTL_SECONDS: Final = 300.0
# How far down the popularity order each pool reads. The top `pool` of a set of cuisines is
# the first `pool` rows of those cuisines in this list, when it has that many; only a user
# whose cuisines are rarer than that needs per-cuisine lists (loaded once per cuisine).
POPULAR_DEPTH: Final = 1000
# A stamp outlives any pool; it only has to change when a public recipe does.
STAMP_TTL_SECONDS: Final = 86400
# Per process: distinct hard-filter sets kept, and rows kept over all of them (2.6 to 3.3 KB
# each with their features as measured, so at most about 65 MB); least recently used go first.
MAX_FILTER_SETS: Final = 32
MAX_POOL_ROWS: Final = 20_000
# Cuisine lists and merged cuisine parts kept per filter set before starting over.
MAX_CUISINE_ENTRIES: Final = 256
# Popularity scales whose ranking features are kept per pool.
MAX_SCALES: Final = 4


@dataclasses.dataclass(slots=True)
class SharedPool:
    """The public part of the candidates for one set of hard filters."""

    expires: float
    popular: list[SuggestionRow]  # the `depth` most popular (fewer: all there are)
    depth: int
    by_cuisine: dict[str, list[SuggestionRow]] = dataclasses.field(default_factory=dict)
    # The top rows of a set of cuisines, merged from `by_cuisine`.
    liked_parts: dict[frozenset[str], list[SuggestionRow]] = dataclasses.field(default_factory=dict)
    rows: dict[uuid.UUID, SuggestionRow] = dataclasses.field(default_factory=dict)
    # Ranking features of `rows` by the popularity scale they were built with (the largest
    # popularity among a request's candidates, which differs for a user who recently
    # planned the most popular recipe), the most recently used scales last.
    features: OrderedDict[float, dict[uuid.UUID, RecipeFeatures]] = dataclasses.field(
        default_factory=OrderedDict
    )

    def keep(self, rows: Iterable[SuggestionRow]) -> None:
        for row in rows:
            self.rows[row.id] = row

    def drop_cuisines(self) -> None:
        """Forget the per-cuisine lists (a size bound) and every row only they held."""
        self.by_cuisine.clear()
        self.liked_parts.clear()
        self.rows = {row.id: row for row in self.popular}
        self.features.clear()

    def features_for(
        self, row: SuggestionRow, scale: float, build: Callable[[SuggestionRow], RecipeFeatures]
    ) -> RecipeFeatures:
        """`build(row)`, kept for rows of this pool and the last `MAX_SCALES` scales."""
        if self.rows.get(row.id) is not row:
            return build(row)
        built = self.features.get(scale)
        if built is None:
            built = self.features[scale] = {}
            while len(self.features) > MAX_SCALES:
                self.features.popitem(last=False)
        else:
            self.features.move_to_end(scale)
        features = built.get(row.id)
        if features is None:
            features = built[row.id] = build(row)
        return features


@dataclasses.dataclass(slots=True)
class Candidates:
    recipes: list[SuggestionRow]  # passing the hard filters
    liked: list[SuggestionRow]  # the readable history recipes (no preference filters)
    shared: SharedPool


class CandidatePools:
    """The shared pools of this process, by hard filters (without the excluded ids, which
    are applied per request) and pool size."""

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, depth: int = POPULAR_DEPTH
    ) -> None:
        self._clock = clock
        self.depth = depth
        self._stamp: str | None = None
        self._pools: OrderedDict[tuple[HardFilters, int], SharedPool] = OrderedDict()

    def clear(self) -> None:
        self._stamp = None
        self._pools.clear()

    async def _current_stamp(self, cache: Cache) -> str | None:
        stamp = await cache.get_json(CANDIDATE_POOLS_STAMP_KEY)
        if not isinstance(stamp, str):
            stamp = uuid.uuid4().hex
            await cache.set_json(CANDIDATE_POOLS_STAMP_KEY, stamp, STAMP_TTL_SECONDS)
            # Read back: with the cache unreachable nothing can tell this process of a
            # change, so nothing is kept (None).
            if await cache.get_json(CANDIDATE_POOLS_STAMP_KEY) != stamp:
                return None
        return stamp

    async def shared(
        self,
        session: AsyncSession,
        cache: Cache,
        filters: HardFilters,
        *,
        pool: int,
        cuisines: Iterable[str],
    ) -> tuple[SharedPool, list[SuggestionRow], list[SuggestionRow]]:
        """The pool for `filters`, its `pool` most popular rows, and the `pool` most popular
        of `cuisines` (empty without cuisines), loading what is missing or stale."""
        stamp = await self._current_stamp(cache)
        if stamp is None or stamp != self._stamp:
            self._pools.clear()
            self._stamp = stamp
        key = (filters.shared_part(), pool)
        repo = AIRepository(session)
        now = self._clock()
        shared = self._pools.get(key)
        if shared is None or shared.expires <= now:
            # Without a stamp nothing is kept: read no deeper than this request needs.
            depth = max(pool, self.depth) if stamp is not None else pool
            popular, _ = await repo.public_pool(key[0], popular=depth)
            shared = SharedPool(expires=now + POOL_TTL_SECONDS, popular=popular, depth=depth)
            shared.keep(popular)
        wanted = frozenset(cuisines)
        liked: list[SuggestionRow] = []
        if wanted:
            cached = shared.liked_parts.get(wanted)
            if cached is None:
                cached = [r for r in shared.popular if r.cuisine in wanted][:pool]
                if len(cached) < pool and len(shared.popular) == shared.depth:
                    # The list ended before `pool` of these cuisines, yet more recipes may
                    # follow it: merge the cuisines' own lists instead. Taken before the
                    # load, as another request may drop the pool's lists meanwhile.
                    lists = {c: shared.by_cuisine[c] for c in wanted if c in shared.by_cuisine}
                    missing = sorted(wanted - lists.keys())
                    if missing:
                        _, loaded = await repo.public_pool(
                            key[0], popular=None, per_cuisine=pool, cuisines=missing
                        )
                        lists.update(loaded)
                        if len(shared.by_cuisine) + len(loaded) > MAX_CUISINE_ENTRIES:
                            shared.drop_cuisines()
                        for cuisine, rows in loaded.items():
                            shared.by_cuisine[cuisine] = rows
                            shared.keep(rows)
                    merged = heapq.merge(*(lists[c] for c in sorted(wanted)), key=popularity_order)
                    cached = list(itertools.islice(merged, pool))
                if len(shared.liked_parts) >= MAX_CUISINE_ENTRIES:
                    shared.liked_parts.clear()
                shared.liked_parts[wanted] = cached
            liked = cached
        self._keep(stamp, key, shared)
        return shared, shared.popular[:pool], liked

    def _keep(self, stamp: str | None, key: tuple[HardFilters, int], shared: SharedPool) -> None:
        # Kept only if no other request saw a newer stamp while this one loaded (its rows
        # may predate the change that stamp announces), nor kept a newer pool meanwhile.
        if stamp is None or stamp != self._stamp:
            return
        current = self._pools.get(key)
        if current is not None and current is not shared and current.expires > shared.expires:
            return
        self._pools[key] = shared
        self._pools.move_to_end(key)
        rows = sum(len(kept.rows) for kept in self._pools.values())
        while len(self._pools) > 1 and (len(self._pools) > MAX_FILTER_SETS or rows > MAX_POOL_ROWS):
            _, dropped = self._pools.popitem(last=False)
            rows -= len(dropped.rows)


# This process's pools (module state like the parsed co-occurrence entry: one per process).
CANDIDATE_POOLS: Final = CandidatePools()


def _top(pool: int, *parts: Sequence[SuggestionRow]) -> Iterable[SuggestionRow]:
    """The `pool` first of sorted `parts` merged, as the SQL `ORDER BY ... LIMIT` of their
    union would give."""
    nonempty = [part for part in parts if part]
    if len(nonempty) == 1:
        return nonempty[0][:pool]
    return itertools.islice(heapq.merge(*nonempty, key=popularity_order), pool)


async def suggestion_candidates(
    session: AsyncSession,
    cache: Cache,
    pools: CandidatePools,
    user_id: uuid.UUID,
    filters: HardFilters,
    *,
    pool: int,
    cuisines: Sequence[str] = (),
    include_ids: Sequence[uuid.UUID] = (),
    history_ids: Sequence[uuid.UUID] = (),
) -> Candidates:
    """Recipes passing `filters` from a bounded pool, and the readable recipes among
    `history_ids` (no preference filters).

    Scoring every recipe of a 100,000-recipe catalog per request would take seconds, so the
    pool is: the `pool` most popular readable recipes, the `pool` most popular of `cuisines`
    and of the history's cuisines, and `include_ids`; the same set one query used to select.
    """
    mine = await AIRepository(session).user_candidates(
        user_id,
        filters,
        pool=pool,
        cuisines=cuisines,
        include_ids=include_ids,
        history_ids=history_ids,
    )
    liked_cuisines = {*cuisines, *(row.cuisine for row in mine.history)}
    shared, popular, liked = await pools.shared(
        session, cache, filters, pool=pool, cuisines=liked_cuisines
    )
    picked: dict[uuid.UUID, SuggestionRow] = {}
    # A related recipe that is also in the pool is taken as the pool's row (same recipe),
    # so that its ranking features are shared too.
    for row in mine.related:
        picked[row.id] = shared.rows.get(row.id, row)
    for row in _top(pool, popular, mine.own):
        picked[row.id] = row
    if liked_cuisines:
        for row in _top(pool, liked, mine.own_liked):
            picked[row.id] = row
    # search_text already holds every ingredient name, so the re-check needs no lines.
    # Every pick is checked again, shared or not (defence in depth; also the excluded ids).
    return Candidates(
        recipes=[row for row in picked.values() if filters.allows(row)],
        liked=mine.history,
        shared=shared,
    )
