"""Imports: queue an uploaded file, run it (job or CLI), import one URL, export a zip."""

from __future__ import annotations

import asyncio
import contextlib
import re
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import structlog
from anyio import to_thread
from sqlalchemy.ext.asyncio import AsyncSession

from mealplanner.core.clock import utcnow
from mealplanner.core.ids import uuid7
from mealplanner.core.jobs import defer_job
from mealplanner.core.state import AppState
from mealplanner.core.storage import Storage
from mealplanner.imports import ssrf
from mealplanner.imports.archive import DEFAULT_LIMITS, ArchiveLimits
from mealplanner.imports.config import import_settings
from mealplanner.imports.exceptions import (
    ImportFileError,
    ImportNotFound,
    RecipeSkipped,
    UploadRefused,
    UrlImportFailed,
)
from mealplanner.imports.formats import BadRecipe, Item, RecipeDraft
from mealplanner.imports.formats.schemaorg import drafts_from_bytes
from mealplanner.imports.mapping import to_recipe_create
from mealplanner.imports.models import (
    STATUS_DONE,
    STATUS_FAILED,
    STATUS_QUEUED,
    STATUS_RUNNING,
    RecipeImport,
)
from mealplanner.imports.reader import read_upload
from mealplanner.imports.repository import ImportRepository
from mealplanner.media import service as media_service
from mealplanner.recipes import service as recipe_service
from mealplanner.recipes.models import VISIBILITY_PRIVATE, Recipe
from mealplanner.users.models import User

log = structlog.get_logger("mealplanner.imports")

RUN_IMPORT_JOB = "imports.run"
BATCH = 10
REPORT_CAP = 500
UNEXPECTED = "Unexpected error importing this recipe"
Progress = Callable[[int, int], None]
# SQLite has one writer: imports in one process take turns instead of failing on "locked".
_SQLITE_WRITER = asyncio.Lock()


def _safe_filename(name: str) -> str:
    base = Path(name.replace("\\", "/")).name
    return re.sub(r"[^A-Za-z0-9._ -]+", "_", base)[:200] or "upload"


# -- queueing ---------------------------------------------------------------------------------


async def create_file_import(
    session: AsyncSession,
    storage: Storage | None,
    owner: User,
    filename: str,
    data: bytes,
    limits: ArchiveLimits = DEFAULT_LIMITS,
) -> RecipeImport:
    """Keeps the upload in object storage and queues the import job after commit."""
    if storage is None:
        raise UploadRefused("File imports need object storage")
    if not data:
        raise UploadRefused("The uploaded file is empty")
    if len(data) > limits.max_upload_bytes:
        raise UploadRefused("The file is over the upload size limit")
    row = RecipeImport(
        id=uuid7(), owner_id=owner.id, filename=_safe_filename(filename), status=STATUS_QUEUED
    )
    row.upload_key = f"imports/{row.id}/upload"
    await storage.put(row.upload_key, data, "application/octet-stream")
    await ImportRepository(session).add(row)
    defer_job(session, RUN_IMPORT_JOB, {"importId": str(row.id)}, key=f"import:{row.id}")
    return row


async def get_import(session: AsyncSession, owner: User, import_id: uuid.UUID) -> RecipeImport:
    row = await ImportRepository(session).get_owned(owner.id, import_id)
    if row is None:
        raise ImportNotFound()
    return row


# -- running ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Tally:
    found: int = 0
    imported: int = 0
    skipped: int = 0
    failed: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    unlinked: list[dict[str, Any]] = field(default_factory=list)

    def note(self, bucket: list[dict[str, Any]], entry: dict[str, Any]) -> None:
        if len(bucket) < REPORT_CAP:
            bucket.append(entry)

    def apply(self, row: RecipeImport) -> None:
        row.found, row.imported, row.skipped, row.failed = (
            self.found,
            self.imported,
            self.skipped,
            self.failed,
        )
        row.report = {"errors": self.errors, "warnings": self.warnings, "unlinked": self.unlinked}


async def run_import(
    state: AppState,
    import_id: uuid.UUID,
    *,
    path: Path | None = None,
    progress: Progress | None = None,
    limits: ArchiveLimits = DEFAULT_LIMITS,
    temp_root: Path | None = None,
) -> RecipeImport:
    """Runs one import to the end; safe to run twice (duplicates are skipped).

    The file is read from `path` (CLI) or from object storage (job). Archives are extracted
    into a temporary folder that is always removed. Progress is committed every `BATCH`
    recipes so `GET .../imports/{id}` shows it moving.
    """
    async with state.db.session() as session:
        row = await session.get(RecipeImport, import_id)
        if row is None:
            raise ImportNotFound()
        if row.status in {STATUS_DONE, STATUS_FAILED}:
            return row
        row.status = STATUS_RUNNING
        owner_id, filename, upload_key = row.owner_id, row.filename, row.upload_key
    tally = _Tally()
    error: ImportFileError | None = None
    try:
        with tempfile.TemporaryDirectory(prefix="mealplanner-import-", dir=temp_root) as tmp:
            workdir = Path(tmp)
            source = path
            if source is None:
                if state.storage is None or upload_key is None:
                    raise ImportFileError(
                        "UPLOAD_MISSING", "The uploaded file is no longer available"
                    )
                source = workdir / "upload"
                source.write_bytes(await state.storage.get(upload_key))
            items = read_upload(source, filename, workdir, limits)
            turn = _SQLITE_WRITER if state.db.dialect == "sqlite" else contextlib.nullcontext()
            async with turn:
                await _consume(state, import_id, owner_id, items, tally, progress)
    except ImportFileError as exc:
        error = exc
    except Exception:
        log.exception("import_crashed", importId=str(import_id))
        error = ImportFileError("INTERNAL_ERROR", "The import stopped on an unexpected error")
    finally:
        if upload_key and state.storage is not None and path is None:
            try:
                await state.storage.delete(upload_key)
            except Exception:
                log.warning("import_upload_not_deleted", importId=str(import_id))
    async with state.db.session() as session:
        row = await session.get(RecipeImport, import_id)
        assert row is not None
        tally.apply(row)
        row.status = STATUS_FAILED if error is not None else STATUS_DONE
        if error is not None:
            row.error_code, row.error_message = error.code, error.message[:300]
        row.upload_key = None
        row.finished_at = utcnow()
    log.info(
        "import_finished",
        importId=str(import_id),
        status=row.status,
        found=tally.found,
        imported=tally.imported,
        skipped=tally.skipped,
        failed=tally.failed,
    )
    return row


async def _consume(
    state: AppState,
    import_id: uuid.UUID,
    owner_id: uuid.UUID,
    items: Iterator[Item],
    tally: _Tally,
    progress: Progress | None,
) -> None:
    done = False
    while not done:
        async with state.db.session() as session:
            owner = await session.get(User, owner_id)
            if owner is None:
                raise ImportFileError("OWNER_GONE", "The account no longer exists")
            for _ in range(BATCH):
                # Reading and parsing touch the disk: keep them off the event loop.
                item = await to_thread.run_sync(next, items, None)
                if item is None:
                    done = True
                    break
                tally.found += 1
                await _import_item(session, state, owner, item, tally)
                if progress:
                    progress(tally.found, tally.imported)
            row = await session.get(RecipeImport, import_id)
            if row is not None:
                tally.apply(row)


async def _import_item(
    session: AsyncSession, state: AppState, owner: User, item: Item, tally: _Tally
) -> None:
    if isinstance(item, BadRecipe):
        tally.failed += 1
        tally.note(tally.errors, {"recipe": item.label[:200], "message": item.message})
        return
    label = (item.name or "unnamed recipe")[:200]
    try:
        recipe, duplicate, warnings = await import_draft(session, state, owner, item)
    except RecipeSkipped as exc:
        tally.failed += 1
        tally.note(tally.errors, {"recipe": label, "message": exc.message})
        return
    except Exception:
        log.exception("import_recipe_failed", recipe=label)
        tally.failed += 1
        tally.note(
            tally.errors, {"recipe": label, "message": "Unexpected error importing this recipe"}
        )
        return
    if duplicate:
        tally.skipped += 1
        return
    tally.imported += 1
    for warning in warnings:
        tally.note(tally.warnings, {"recipe": label, "message": warning})
    for line in unlinked_lines(recipe):
        tally.note(tally.unlinked, {"recipe": label, **line})


async def import_draft(
    session: AsyncSession, state: AppState, owner: User, draft: RecipeDraft
) -> tuple[Recipe, bool, list[str]]:
    """Creates the owner's private recipe from a draft, or returns the existing duplicate.

    Runs in a savepoint: a recipe that fails leaves nothing behind and the batch goes on.
    """
    mapped = to_recipe_create(draft)
    repo = ImportRepository(session)
    existing = await repo.existing_recipe_id(owner.id, mapped.source_id)
    if existing is not None:
        recipe = await recipe_service.get_readable(session, owner, str(existing))
        return recipe, True, []
    warnings = list(mapped.warnings)
    async with session.begin_nested():
        recipe = await recipe_service.create_recipe(
            session,
            state.cache,
            mapped.data,
            owner=owner,
            visibility=VISIBILITY_PRIVATE,
            source_id=mapped.source_id,
        )
        keys: dict[str, Any] = {}
        if draft.image is not None and state.storage is not None:
            stored = await media_service.store_recipe_image(
                state.storage, recipe.id, draft.image, media_service.safe_stem(recipe.slug)
            )
            if stored is None:
                warnings.append("The recipe's image is not a JPEG, PNG or WebP picture; skipped")
            else:
                keys.update(stored)
        if mapped.image_url and "original" not in keys:
            # Remote images are never fetched by a file import; the address is kept.
            keys["sourceUrl"] = mapped.image_url[:2000]
        if keys:
            recipe.image_keys = keys
            await session.flush()
    return recipe, False, warnings


def unlinked_lines(recipe: Recipe) -> list[dict[str, Any]]:
    return [
        {"line": (i.raw_text or i.name)[:300], "confidence": i.link_confidence}
        for i in recipe.ingredients
        if i.food_id is None
    ]


# -- URL import -------------------------------------------------------------------------------


@dataclass(slots=True)
class UrlImport:
    recipe: Recipe
    duplicate: bool
    warnings: list[str]


async def import_url(session: AsyncSession, state: AppState, owner: User, url: str) -> UrlImport:
    """Fetches a page through the SSRF guard and imports its first schema.org recipe.

    Refused, unreachable and recipe-less addresses all raise the same `UrlImportFailed`.
    """
    guard = ssrf.UrlGuard.from_allowlist(import_settings(state).url_allowlist)
    try:
        fetched = await ssrf.fetch(url, guard)
        is_html = "json" not in fetched.content_type
        drafts = drafts_from_bytes(fetched.body, "The page", is_html=is_html)
    except (ssrf.FetchRefused, ImportFileError) as exc:
        log.info("url_import_refused", reason=str(exc))
        raise UrlImportFailed() from exc
    draft = drafts[0]
    draft.source_url = draft.source_url or fetched.url
    draft.source_id = draft.source_id or f"url:{fetched.url}"
    try:
        recipe, duplicate, warnings = await import_draft(session, state, owner, draft)
    except RecipeSkipped as exc:
        log.info("url_import_unusable", reason=exc.message)
        raise UrlImportFailed() from exc
    return UrlImport(recipe=recipe, duplicate=duplicate, warnings=warnings)


# -- CLI ----------------------------------------------------------------------------------------


async def resolve_owner(state: AppState, email: str | None) -> User:
    """`--owner EMAIL`, else the first administrator: imports are never public by default."""
    from sqlalchemy import func, select

    from mealplanner.users.models import ROLE_ADMIN

    async with state.db.session() as session:
        if email:
            stmt = select(User).where(func.lower(User.email) == email.strip().lower())
        else:
            stmt = select(User).where(User.role == ROLE_ADMIN).order_by(User.created_at).limit(1)
        owner = (await session.execute(stmt)).scalars().first()
    if owner is None:
        raise ImportNotFound(
            f"No user with email {email}" if email else "No admin yet: pass --owner EMAIL"
        )
    return owner


async def import_local_file(
    state: AppState, owner: User, path: Path, progress: Progress | None = None
) -> RecipeImport:
    async with state.db.session() as session:
        row = RecipeImport(id=uuid7(), owner_id=owner.id, filename=_safe_filename(path.name))
        session.add(row)
    return await run_import(state, row.id, path=path, progress=progress)
