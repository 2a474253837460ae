"""Recomputes recipes' `popularity` in the background.

A planned meal or a favourite bumps the recipe's counters in its own request and queues the
recipe (`recipe_popularity_queue`); this loop sets `popularity = favorite_count +
times_planned` for queued recipes every `popularity_refresh_seconds`, in batches. Only the
"popular first" orders (browse, search ties, suggestion pools, cache warming) wait for it;
`favoriteCount` and `timesPlanned` are current at once.

Why: `popularity` is indexed, so updating it in the request made every counter update insert
into all of the recipes table's indexes (7 of them GIN), and a GIN pending-list flush then
stalled a user's write for up to half a second. Every API process runs the loop; on
PostgreSQL they skip each other's locked queue rows.
"""

from __future__ import annotations

import structlog

from mealplanner.core.db import Database
from mealplanner.core.periodic import Periodic
from mealplanner.core.state import AppState
from mealplanner.recipes.repository import RecipeRepository

log = structlog.get_logger("mealplanner.recipes")

BATCH = 500
# Bound one round's work, so a long backlog cannot hold the loop (it continues next round).
MAX_BATCHES_PER_ROUND = 20
_STATE_KEY = "recipes.popularity"


async def refresh_popularity(db: Database) -> int:
    """Recompute popularity of queued recipes; how many changed. Failures are logged and
    leave the queue as it was (the next round retries)."""
    changed = 0
    try:
        for _ in range(MAX_BATCHES_PER_ROUND):
            # The ids and their update in one transaction: on PostgreSQL the selected queue
            # rows stay locked (and skipped by other processes) until the commit.
            async with db.session() as session:
                repo = RecipeRepository(session)
                ids = await repo.queued_for_popularity(BATCH)
                if not ids:
                    break
                changed += await repo.refresh_popularity(ids)
            if len(ids) < BATCH:
                break
    except Exception as exc:
        log.warning("popularity_refresh_failed", error=type(exc).__name__)
    return changed


def popularity_refresher(state: AppState) -> Periodic:
    """The app's refresher, started (one per process)."""
    loop: Periodic | None = state.extras.get(_STATE_KEY)
    if loop is None:
        db = state.db

        async def refresh() -> None:
            await refresh_popularity(db)

        loop = Periodic("popularity-refresh", state.settings.popularity_refresh_seconds, refresh)
        state.extras[_STATE_KEY] = loop
    loop.start()
    return loop
