"""The import job: runs one queued file import (idempotent: duplicates are skipped)."""

from __future__ import annotations

import uuid
from typing import Any

from mealplanner.core.jobs import PermanentJobError, register_job
from mealplanner.core.state import AppState
from mealplanner.imports import service
from mealplanner.imports.exceptions import ImportNotFound


async def run_import_job(state: AppState, payload: dict[str, Any]) -> None:
    try:
        await service.run_import(state, uuid.UUID(str(payload["importId"])))
    except (ImportNotFound, KeyError, ValueError) as exc:
        raise PermanentJobError("unknown import") from exc


# One try: `run_import` records failures on the import itself; a retry could not do better.
register_job(service.RUN_IMPORT_JOB, run_import_job, max_tries=1, timeout=1800)
