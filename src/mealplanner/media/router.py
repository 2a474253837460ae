"""Image upload URLs and confirmations; the local backend's upload and file routes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status
from fastapi.responses import FileResponse

from mealplanner.auth.dependencies import CurrentUser
from mealplanner.core.dependencies import SessionDep, StateDep
from mealplanner.core.errors import Forbidden, NotFound, PayloadTooLarge, ValidationFailed
from mealplanner.core.openapi import errors
from mealplanner.core.storage import InvalidKey, LocalStorage, UploadTooLarge, validate_key
from mealplanner.media import service
from mealplanner.media.models import TARGET_AVATAR, TARGET_RECIPE
from mealplanner.media.schemas import (
    ConfirmRequest,
    UploadRead,
    UploadUrlRequest,
    UploadUrlResponse,
)
from mealplanner.users import service as user_service

router = APIRouter(tags=["media"])
#: Mounted at the site root: `/media/{key}` serves processed images of the local backend.
files_router = APIRouter(tags=["media"], include_in_schema=False)

RecipeId = Annotated[uuid.UUID, Path(alias="recipeId")]
UserId = Annotated[uuid.UUID, Path(alias="userId")]
CACHE_IMMUTABLE = "public, max-age=604800, immutable"  # the spec's CDN rule: one week
_MEDIA_TYPES = {"webp": "image/webp", "jpg": "image/jpeg", "png": "image/png"}


def _ticket(ticket: service.UploadTicket) -> UploadUrlResponse:
    return UploadUrlResponse(
        upload_id=ticket.upload_id,
        upload_url=ticket.url,
        key=ticket.key,
        expires_at=ticket.expires_at,
        headers=ticket.headers,
    )


@router.post("/recipes/{recipeId}/image-upload-url", responses=errors(400, 401, 403, 404))
async def recipe_image_upload_url(
    recipe_id: RecipeId,
    body: UploadUrlRequest,
    user: CurrentUser,
    session: SessionDep,
    state: StateDep,
) -> UploadUrlResponse:
    """Admins, or the owner of a private recipe. Upload with `PUT` before `expiresAt`."""
    await service.recipe_image_permission(session, user, recipe_id)
    ticket = await service.create_upload(
        session,
        state,
        user=user,
        target=TARGET_RECIPE,
        target_id=recipe_id,
        filename=body.filename,
        content_type=body.content_type,
    )
    return _ticket(ticket)


@router.post(
    "/recipes/{recipeId}/image-confirm",
    status_code=status.HTTP_202_ACCEPTED,
    responses=errors(400, 401, 403, 404, 409),
)
async def recipe_image_confirm(
    recipe_id: RecipeId,
    body: ConfirmRequest,
    user: CurrentUser,
    session: SessionDep,
    state: StateDep,
) -> UploadRead:
    await service.recipe_image_permission(session, user, recipe_id)
    upload = await service.confirm_upload(
        session, state, user=user, target=TARGET_RECIPE, target_id=recipe_id, key=body.key
    )
    return UploadRead.model_validate(upload)


@router.post("/users/{userId}/avatar-upload-url", responses=errors(400, 401, 403, 404))
async def avatar_upload_url(
    user_id: UserId, body: UploadUrlRequest, user: CurrentUser, session: SessionDep, state: StateDep
) -> UploadUrlResponse:
    target = await user_service.get_accessible_user(session, user, user_id)
    ticket = await service.create_upload(
        session,
        state,
        user=user,
        target=TARGET_AVATAR,
        target_id=target.id,
        filename=body.filename,
        content_type=body.content_type,
    )
    return _ticket(ticket)


@router.post(
    "/users/{userId}/avatar-confirm",
    status_code=status.HTTP_202_ACCEPTED,
    responses=errors(400, 401, 403, 404, 409),
)
async def avatar_confirm(
    user_id: UserId, body: ConfirmRequest, user: CurrentUser, session: SessionDep, state: StateDep
) -> UploadRead:
    target = await user_service.get_accessible_user(session, user, user_id)
    upload = await service.confirm_upload(
        session, state, user=user, target=TARGET_AVATAR, target_id=target.id, key=body.key
    )
    return UploadRead.model_validate(upload)


@router.get("/media/uploads/{uploadId}", responses=errors(401, 404))
async def get_upload(
    upload_id: Annotated[uuid.UUID, Path(alias="uploadId")], user: CurrentUser, session: SessionDep
) -> UploadRead:
    """Processing status: `processing`, then `done` or `failed` (with an `error` code)."""
    return UploadRead.model_validate(await service.get_upload(session, user, upload_id))


@router.put(
    "/uploads/{key:path}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(400, 403, 404, 413),
    include_in_schema=False,
)
async def upload_local(
    key: str,
    request: Request,
    state: StateDep,
    expires: Annotated[int, Query()],
    ct: Annotated[str, Query(max_length=64)],
    sig: Annotated[str, Query(min_length=64, max_length=64)],
) -> Response:
    """The local backend's presigned `PUT`: the signature (key, expiry, type) is the auth."""
    storage = state.storage
    if not isinstance(storage, LocalStorage):
        raise NotFound()
    try:
        validate_key(key)
    except InvalidKey as exc:
        raise NotFound() from exc
    if not key.startswith("temp/") or not storage.verify_upload(key, ct, expires, sig):
        raise Forbidden("Invalid or expired upload URL")
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != ct:
        raise ValidationFailed(details={"Content-Type": f"must be {ct}"})
    try:
        await storage.write_stream(key, request.stream(), max_bytes=state.settings.upload_max_bytes)
    except UploadTooLarge as exc:
        raise PayloadTooLarge("Images are limited to 10 MB") from exc
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@files_router.get("/media/{key:path}")
async def serve_media(key: str, state: StateDep) -> FileResponse:
    """Processed images only: temp uploads are never served (they are unvalidated)."""
    storage = state.storage
    extension = key.rsplit(".", 1)[-1].lower()
    if not isinstance(storage, LocalStorage) or key.startswith("temp/"):
        raise NotFound()
    if extension not in _MEDIA_TYPES:
        raise NotFound()
    try:
        path = storage.path(key)
    except InvalidKey as exc:
        raise NotFound() from exc
    if not path.is_file():
        raise NotFound()
    return FileResponse(
        path,
        media_type=_MEDIA_TYPES[extension],
        headers={"Cache-Control": CACHE_IMMUTABLE, "X-Content-Type-Options": "nosniff"},
    )
