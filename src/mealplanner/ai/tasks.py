"""The daily `recommendations.refresh` job: recompute what suggestions learn from.

The scheduler queues it once a day. It rebuilds the item-to-item co-occurrence counts from
every user's activity and drops cached suggestions, so the next request ranks with fresh data
instead of waiting for the 30-minute cache entries to expire.
"""

from __future__ import annotations

import uuid
from typing import Any

from mealplanner.ai import service
from mealplanner.core.jobs import register_job
from mealplanner.core.state import AppState
from mealplanner.notifications.scheduler import REFRESH_RECOMMENDATIONS_JOB

SUGGESTIONS_PREFIX = "suggestions:"


async def refresh_recommendations(state: AppState, payload: dict[str, Any]) -> None:
    await state.cache.delete(service.CO_OCCURRENCE_KEY, service.CO_OCCURRENCE_STAMP_KEY)
    async with state.db.session(read_only=True) as session:
        # Any user id works: the shared entry is computed before the caller's own pairs go.
        await service.co_occurrence(session, state.cache, uuid.UUID(int=0))
    await state.cache.delete_prefix(SUGGESTIONS_PREFIX)


register_job(REFRESH_RECOMMENDATIONS_JOB, refresh_recommendations, max_tries=3, timeout=900)
