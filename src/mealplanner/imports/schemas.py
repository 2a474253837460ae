from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from mealplanner.core.schemas import CamelModel, InputModel
from mealplanner.recipes.schemas import RecipeRead

ImportStatus = Literal["queued", "running", "done", "failed"]


class ImportAccepted(CamelModel):
    import_id: uuid.UUID
    status: ImportStatus


class ImportCounts(CamelModel):
    found: int
    imported: int
    skipped_duplicates: int
    failed: int


class RecipeError(CamelModel):
    recipe: str
    message: str


class UnlinkedLine(CamelModel):
    recipe: str
    line: str
    confidence: float | None = None


class ImportError_(CamelModel):
    code: str
    message: str


class ImportRead(CamelModel):
    import_id: uuid.UUID
    filename: str
    status: ImportStatus
    counts: ImportCounts
    error: ImportError_ | None = None
    errors: list[RecipeError] = Field(default_factory=list)
    warnings: list[RecipeError] = Field(default_factory=list)
    unlinked_ingredients: list[UnlinkedLine] = Field(default_factory=list)
    created_at: datetime
    finished_at: datetime | None = None


class UrlImportRequest(InputModel):
    url: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class UrlImportResult(CamelModel):
    recipe: RecipeRead
    duplicate: bool = False
    unlinked_ingredients: list[UnlinkedLine] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)


def import_read(row: Any) -> ImportRead:
    report: dict[str, Any] = row.report or {}
    error = (
        ImportError_(code=row.error_code, message=row.error_message or "")
        if row.error_code
        else None
    )
    return ImportRead(
        import_id=row.id,
        filename=row.filename,
        status=row.status,
        counts=ImportCounts(
            found=row.found,
            imported=row.imported,
            skipped_duplicates=row.skipped,
            failed=row.failed,
        ),
        error=error,
        errors=report.get("errors", []),
        warnings=report.get("warnings", []),
        unlinked_ingredients=report.get("unlinked", []),
        created_at=row.created_at,
        finished_at=row.finished_at,
    )
