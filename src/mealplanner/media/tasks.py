"""Media jobs: process a confirmed upload; delete temp uploads older than 24 hours."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import structlog

from mealplanner.core.clock import utcnow
from mealplanner.core.jobs import PermanentJobError, register_job, unit_of_work
from mealplanner.core.state import AppState
from mealplanner.core.storage import DELETE_PREFIX_JOB, OWNED_PREFIXES
from mealplanner.media import service

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


async def delete_prefix(state: AppState, payload: dict[str, Any]) -> None:
    """Deletes a deleted user's or recipe's files (idempotent: a retry finds fewer)."""
    assert state.storage is not None
    prefix = str(payload["prefix"])
    # Only whole owner folders, never the storage root or someone else's files.
    if not prefix.startswith(OWNED_PREFIXES) or prefix.count("/") != 2 or ".." in prefix:
        raise PermanentJobError(f"refusing to delete prefix {prefix!r}")
    objects = await state.storage.list(prefix)
    for obj in objects:
        await state.storage.delete(obj.key)
    log.info("stored_files_deleted", prefix=prefix, count=len(objects))


async def process_upload(state: AppState, payload: dict[str, Any]) -> None:
    async with unit_of_work(state) as session:
        await service.process_upload(state, session, uuid.UUID(payload["uploadId"]))


register_job(service.PROCESS_UPLOAD_JOB, process_upload, max_tries=4, base_delay=5, timeout=120)
register_job(CLEAN_TEMP_UPLOADS_JOB, clean_temp_uploads, max_tries=3)
register_job(DELETE_PREFIX_JOB, delete_prefix, max_tries=5)
