"""Write-behind for "recipe viewed" events.

A recipe view is the most frequent request and, with the recipe and the caller's favourites
in the cache, its event insert was the only database write left on it. Views are buffered in
the process and inserted in one statement per `activity_flush_seconds` (and at shutdown).

What this trades: a view reaches the activity log (suggestions, analytics) up to a second
later, and a crash loses at most that second of views. Only views are buffered; every other
event is written in its request's own transaction.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as lite_insert

from mealplanner.activity.models import Activity
from mealplanner.activity.service import RECIPE_VIEWED
from mealplanner.core.clock import utcnow
from mealplanner.core.db import Database
from mealplanner.core.ids import uuid7
from mealplanner.core.periodic import Periodic
from mealplanner.core.state import AppState
from mealplanner.users.models import User

log = structlog.get_logger("mealplanner.activity")

# Beyond this many unwritten views (the database down for a long time) the oldest are dropped:
# the buffer must not grow without bound.
MAX_BUFFERED = 50_000
_STATE_KEY = "activity.views"
# Bound on the ids in one `IN (...)` (SQLite allows 32,766 parameters per statement).
USERS_PER_QUERY = 500


class ViewBuffer:
    def __init__(self, db: Database, interval_seconds: float) -> None:
        self.db = db
        self._pending: list[dict[str, Any]] = []
        self._loop = Periodic("view-events-flush", interval_seconds, self.flush)
        self._lock = asyncio.Lock()
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._pending)

    def record(self, user_id: uuid.UUID, recipe_id: uuid.UUID, at: datetime | None = None) -> None:
        self._pending.append(
            {
                "id": uuid7(),
                "user_id": user_id,
                "event_type": RECIPE_VIEWED,
                "recipe_id": recipe_id,
                "details": {},
                "created_at": at or utcnow(),
            }
        )
        if len(self._pending) > MAX_BUFFERED:
            excess = len(self._pending) - MAX_BUFFERED
            del self._pending[:excess]
            if not self.dropped:
                log.warning("view_events_dropped", reason="buffer full")
            self.dropped += excess

    async def flush(self) -> int:
        """Insert what is buffered; on failure keep it for the next attempt."""
        async with self._lock:
            rows, self._pending = self._pending, []
            if not rows:
                return 0
            try:
                async with self.db.session() as session:
                    # The user may have been deleted since the view (events cascade with them).
                    users = list({r["user_id"] for r in rows})
                    alive: set[uuid.UUID] = set()
                    for start in range(0, len(users), USERS_PER_QUERY):
                        chunk = users[start : start + USERS_PER_QUERY]
                        found = await session.execute(select(User.id).where(User.id.in_(chunk)))
                        alive.update(found.scalars())
                    rows_alive = [r for r in rows if r["user_id"] in alive]
                    if rows_alive:
                        # A retry after a commit whose answer was lost must not fail on the
                        # rows it already wrote (their ids are fixed when recorded).
                        await session.execute(self._insert().on_conflict_do_nothing(), rows_alive)
            except Exception as exc:
                self._pending[:0] = rows
                log.warning("view_events_flush_failed", error=type(exc).__name__, held=len(rows))
                return 0
            return len(rows_alive)

    def _insert(self) -> Any:
        dialect_insert = pg_insert if self.db.engine.dialect.name == "postgresql" else lite_insert
        return dialect_insert(Activity)

    def start(self) -> None:
        self._loop.start()

    async def close(self) -> None:
        """Stop the loop without interrupting a flush (a cancelled insert could lose its
        rows), then write what is left."""
        await self._loop.close()


def install(state: AppState) -> ViewBuffer:
    buffer = ViewBuffer(state.db, state.settings.activity_flush_seconds)
    state.extras[_STATE_KEY] = buffer
    return buffer


def view_buffer(state: AppState) -> ViewBuffer:
    """The app's buffer (installed and started with the app; started here otherwise)."""
    buffer: ViewBuffer | None = state.extras.get(_STATE_KEY)
    if buffer is None:
        buffer = install(state)
    buffer.start()
    return buffer
