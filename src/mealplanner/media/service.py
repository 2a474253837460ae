"""Image uploads: signed upload URL -> client uploads to `temp/` -> confirm -> processing job.

The upload row (`media_uploads`) ties the temp key to who asked and for which avatar or
recipe, so a confirm can only attach the caller's own upload to the target it was made for.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

import structlog
from anyio import to_thread
from sqlalchemy.ext.asyncio import AsyncSession

from mealplanner.core.cache import recipe_key
from mealplanner.core.clock import utcnow
from mealplanner.core.errors import Conflict, NotFound, ValidationFailed
from mealplanner.core.jobs import defer_job
from mealplanner.core.state import AppState
from mealplanner.core.storage import Storage
from mealplanner.media import processing
from mealplanner.media.models import (
    TARGET_AVATAR,
    TARGET_RECIPE,
    UPLOAD_DONE,
    UPLOAD_FAILED,
    UPLOAD_PENDING,
    UPLOAD_PROCESSING,
    MediaUpload,
)
from mealplanner.recipes import service as recipe_service
from mealplanner.users import service as user_service
from mealplanner.users.models import User

log = structlog.get_logger("mealplanner.media")

PROCESS_UPLOAD_JOB = "media.process_upload"
ALLOWED_CONTENT_TYPES = {"image/jpeg", "image/png", "image/webp"}
_UNSAFE = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class UploadTicket:
    upload_id: uuid.UUID
    key: str
    url: str
    expires_at: datetime
    headers: dict[str, str]


def safe_stem(filename: str) -> str:
    """`My Photo (1).JPG` -> `my-photo-1`: keys stay URL- and filesystem-safe."""
    stem = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].rsplit(".", 1)[0].lower()
    return _UNSAFE.sub("-", stem).strip("-")[:60] or "image"


def _ext(content_type: str) -> str:
    return {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}[content_type]


async def recipe_image_permission(session: AsyncSession, user: User, recipe_id: uuid.UUID) -> None:
    """Admins, or the owner of a private recipe (404 when unreadable, 403 when read-only)."""
    await recipe_service.get_for_write(session, user, str(recipe_id))


def _storage(state: AppState) -> Storage:
    assert state.storage is not None, "storage is not configured"
    return state.storage


async def create_upload(
    session: AsyncSession,
    state: AppState,
    *,
    user: User,
    target: str,
    target_id: uuid.UUID,
    filename: str,
    content_type: str,
) -> UploadTicket:
    if content_type not in ALLOWED_CONTENT_TYPES:
        raise ValidationFailed(
            details={"contentType": "must be image/jpeg, image/png or image/webp"}
        )
    upload_id = uuid.uuid4()
    key = f"temp/{upload_id}/{safe_stem(filename)}.{_ext(content_type)}"
    presigned = await _storage(state).presign_upload(key, content_type)
    session.add(
        MediaUpload(
            id=upload_id,
            user_id=user.id,
            target=target,
            target_id=target_id,
            key=key,
            filename=filename[:255],
            content_type=content_type,
            status=UPLOAD_PENDING,
            created_at=utcnow(),
        )
    )
    await session.flush()
    return UploadTicket(upload_id, key, presigned.url, presigned.expires_at, presigned.headers)


async def confirm_upload(
    session: AsyncSession,
    state: AppState,
    *,
    user: User,
    target: str,
    target_id: uuid.UUID,
    key: str,
) -> MediaUpload:
    """Checks the upload is the caller's, for this target, and present; queues processing."""
    parts = key.split("/")
    try:
        upload_id = uuid.UUID(parts[1]) if len(parts) == 3 and parts[0] == "temp" else None
    except ValueError:
        upload_id = None
    upload = await session.get(MediaUpload, upload_id) if upload_id else None
    if (
        upload is None
        or upload.key != key
        or upload.user_id != user.id
        or upload.target != target
        or upload.target_id != target_id
    ):
        raise NotFound("Upload not found")
    if upload.status != UPLOAD_PENDING:
        raise Conflict("This upload was already confirmed")
    size = await _storage(state).size(key)
    if size is None:
        raise ValidationFailed("Nothing was uploaded to this key yet", details={"key": "missing"})
    if size > state.settings.upload_max_bytes:
        raise ValidationFailed("The file is larger than 10 MB", details={"key": "too large"})
    upload.status = UPLOAD_PROCESSING
    await session.flush()
    defer_job(session, PROCESS_UPLOAD_JOB, {"uploadId": str(upload.id)}, key=f"upload:{upload.id}")
    return upload


async def get_upload(session: AsyncSession, user: User, upload_id: uuid.UUID) -> MediaUpload:
    upload = await session.get(MediaUpload, upload_id)
    if upload is None or (upload.user_id != user.id and not user.is_admin):
        raise NotFound("Upload not found")
    return upload


async def process_upload(state: AppState, session: AsyncSession, upload_id: uuid.UUID) -> None:
    """The job: validate and render the image, write the variants, point the target at them.

    Idempotent: the variant keys are deterministic, and a finished upload is skipped.
    """
    storage = _storage(state)
    upload = await session.get(MediaUpload, upload_id)
    if upload is None or upload.status in {UPLOAD_DONE, UPLOAD_FAILED}:
        return
    try:
        data = await storage.get(upload.key)
        if len(data) > state.settings.upload_max_bytes:
            raise processing.ImageRejected("too_large")
        if upload.target == TARGET_AVATAR:
            renditions = await to_thread.run_sync(processing.avatar_renditions, data)
            prefix = f"users/{upload.target_id}"
        else:
            stem = safe_stem(upload.filename)
            renditions = await to_thread.run_sync(processing.recipe_renditions, data, stem)
            prefix = f"recipes/{upload.target_id}"
    except processing.ImageRejected as exc:
        upload.status = UPLOAD_FAILED
        upload.error = exc.code
        upload.processed_at = utcnow()
        await storage.delete(upload.key)
        log.warning("upload_rejected", uploadId=str(upload.id), reason=exc.code)
        return
    keys: dict[str, str] = {}
    for rendition in renditions:
        key = f"{prefix}/{rendition.name}"
        await storage.put(key, rendition.data, rendition.content_type)
        keys[rendition.name.split("/", 1)[0].split("_", 1)[0]] = key
    if upload.target == TARGET_AVATAR:
        user = await user_service.get_user(session, upload.target_id)
        user.avatar_key = f"{prefix}/avatar_200x200.webp"
    else:
        recipes = await recipe_service.get_recipes(session, [upload.target_id])
        recipe = recipes.get(upload.target_id)
        if recipe is not None:
            recipe.image_keys = {
                "original": keys["original"],
                "large": keys["large"],
                "medium": keys["medium"],
                "thumbnail": keys["thumbnail"],
            }
            await state.cache.delete(recipe_key(recipe.id))
    upload.status = UPLOAD_DONE
    upload.processed_at = utcnow()
    await session.flush()
    await storage.delete(upload.key)
    log.info("upload_processed", uploadId=str(upload.id), target=upload.target)


async def store_recipe_image(
    storage: Storage, recipe_id: uuid.UUID, data: bytes, stem: str = "image"
) -> dict[str, str] | None:
    """Runs picture bytes through the recipe pipeline (type sniffing, size and bomb limits,
    EXIF stripped, the spec's variants) and stores them; the keys by variant, or None when the
    bytes are not an acceptable JPEG, PNG or WebP picture. Used by imports."""
    if len(data) > processing.MAX_BYTES:
        return None
    try:
        renditions = await to_thread.run_sync(processing.recipe_renditions, data, stem)
    except processing.ImageRejected:
        return None
    keys: dict[str, str] = {}
    for rendition in renditions:
        key = f"recipes/{recipe_id}/{rendition.name}"
        await storage.put(key, rendition.data, rendition.content_type)
        keys[rendition.name.split("/", 1)[0]] = key
    return keys


def image_urls(storage: Storage, keys: dict[str, str]) -> dict[str, str]:
    return {name: storage.public_url(key) for name, key in keys.items()}


__all__ = [
    "PROCESS_UPLOAD_JOB",
    "TARGET_AVATAR",
    "TARGET_RECIPE",
    "UploadTicket",
    "confirm_upload",
    "create_upload",
    "process_upload",
    "recipe_image_permission",
]
