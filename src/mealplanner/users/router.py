from __future__ import annotations

import json
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status

from mealplanner.auth import service as auth_service
from mealplanner.auth.dependencies import CurrentAuth, CurrentUser
from mealplanner.core.dependencies import SessionDep, StateDep
from mealplanner.core.openapi import errors
from mealplanner.users import service
from mealplanner.users.models import User
from mealplanner.users.schemas import (
    PasswordChange,
    Preferences,
    PreferencesUpdate,
    UserRead,
    UserUpdate,
)

router = APIRouter(prefix="/users", tags=["users"])

UserIdPath = Annotated[uuid.UUID, Path(alias="userId")]


async def get_target_user(user_id: UserIdPath, actor: CurrentUser, session: SessionDep) -> User:
    """The `{userId}` of the path, after checking the caller may touch it (403 otherwise)."""
    return await service.get_accessible_user(session, actor, user_id)


TargetUser = Annotated[User, Depends(get_target_user)]
OWNED = errors(400, 401, 403, 404)


@router.get("/{userId}", responses=OWNED)
async def get_user(user: TargetUser) -> UserRead:
    return UserRead.model_validate(user)


@router.patch("/{userId}", responses=errors(400, 401, 403, 404, 409))
async def update_user(user: TargetUser, body: UserUpdate, session: SessionDep) -> UserRead:
    return UserRead.model_validate(await service.update_user(session, user, body))


@router.delete("/{userId}", status_code=status.HTTP_204_NO_CONTENT, responses=OWNED)
async def delete_user(user: TargetUser, session: SessionDep) -> Response:
    await service.delete_user(session, user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.patch("/{userId}/preferences", responses=OWNED)
async def update_preferences(
    user: TargetUser, body: PreferencesUpdate, session: SessionDep, state: StateDep
) -> Preferences:
    updated = await service.update_preferences(session, state.cache, user, body)
    return service.read_preferences(updated)


@router.patch("/{userId}/password", status_code=status.HTTP_204_NO_CONTENT, responses=OWNED)
async def change_password(
    user: TargetUser, body: PasswordChange, ctx: CurrentAuth, session: SessionDep, state: StateDep
) -> Response:
    await auth_service.change_password(
        session,
        state,
        actor=ctx,
        user=user,
        current_password=body.current_password,
        new_password=body.new_password,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{userId}/export", responses=OWNED)
async def export_user(user: TargetUser, session: SessionDep) -> Response:
    document = await service.export_user(session, user)
    filename = f"mealplanner-export-{user.id}.json"
    return Response(
        content=json.dumps(document, indent=2, default=str),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
