from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Path, Response, UploadFile, status

from mealplanner.core.dependencies import SessionDep, StateDep
from mealplanner.core.openapi import errors
from mealplanner.imports import service
from mealplanner.imports.archive import DEFAULT_LIMITS
from mealplanner.imports.exceptions import UploadRefused
from mealplanner.imports.export import export_zip
from mealplanner.imports.schemas import (
    ImportAccepted,
    ImportRead,
    UnlinkedLine,
    UrlImportRequest,
    UrlImportResult,
    import_read,
)
from mealplanner.recipes.schemas import RecipeRead
from mealplanner.users.router import TargetUser

router = APIRouter(tags=["imports"])

ImportIdPath = Annotated[uuid.UUID, Path(alias="importId")]


@router.post(
    "/users/{userId}/imports",
    status_code=status.HTTP_202_ACCEPTED,
    responses=errors(400, 401, 403, 404, 413),
)
async def create_import(
    owner: TargetUser,
    session: SessionDep,
    state: StateDep,
    file: Annotated[UploadFile, File(description="An export file or archive to import")],
) -> ImportAccepted:
    """Queues an import of the uploaded file; poll `GET .../imports/{importId}` for progress."""
    limit = DEFAULT_LIMITS.max_upload_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise UploadRefused("The file is over the upload size limit")
    row = await service.create_file_import(
        session, state.storage, owner, file.filename or "upload", data
    )
    return ImportAccepted(import_id=row.id, status="queued")


@router.get("/users/{userId}/imports/{importId}", responses=errors(401, 403, 404))
async def get_import(owner: TargetUser, import_id: ImportIdPath, session: SessionDep) -> ImportRead:
    return import_read(await service.get_import(session, owner, import_id))


@router.post(
    "/users/{userId}/recipes/import-url",
    status_code=status.HTTP_201_CREATED,
    responses=errors(400, 401, 403, 404),
)
async def import_url(
    body: UrlImportRequest,
    owner: TargetUser,
    session: SessionDep,
    state: StateDep,
    response: Response,
) -> UrlImportResult:
    """Imports the schema.org recipe of a web page (200 when it was already imported)."""
    result = await service.import_url(session, state, owner, body.url)
    if result.duplicate:
        response.status_code = status.HTTP_200_OK
    return UrlImportResult(
        recipe=RecipeRead.model_validate(result.recipe),
        duplicate=result.duplicate,
        unlinked_ingredients=[
            UnlinkedLine(recipe=result.recipe.name, **line)
            for line in service.unlinked_lines(result.recipe)
        ],
        warnings=result.warnings,
    )


@router.get(
    "/users/{userId}/recipes/export",
    responses={**errors(401, 403, 404), 200: {"content": {"application/zip": {}}}},
    response_class=Response,
)
async def export_recipes(owner: TargetUser, session: SessionDep, state: StateDep) -> Response:
    """The user's own recipes as schema.org JSON-LD (+ images) in a zip."""
    data = await export_zip(session, state.storage, owner)
    return Response(
        content=data,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="mealplanner-recipes-{owner.id}.zip"'
        },
    )
