"""Media jobs: process a confirmed upload; delete temp uploads older than 24 hours."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import structlog

from mealplanner.core.clock import utcnow
from mealplanner.core.jobs import register_job
from mealplanner.core.state import AppState

log = structlog.get_logger("mealplanner.media")

TEMP_PREFIX = "temp/"
TEMP_MAX_AGE = timedelta(hours=24)
CLEAN_TEMP_UPLOADS_JOB = "media.clean_temp_uploads"


async def clean_temp_uploads(state: AppState, payload: dict[str, Any]) -> None:
    assert state.storage is not None
    cutoff = utcnow() - TEMP_MAX_AGE
    removed = 0
    for obj in await state.storage.list(TEMP_PREFIX):
        if obj.modified_at < cutoff:
            await state.storage.delete(obj.key)
            removed += 1
    log.info("temp_uploads_cleaned", removed=removed)


register_job(CLEAN_TEMP_UPLOADS_JOB, clean_temp_uploads, max_tries=3)
