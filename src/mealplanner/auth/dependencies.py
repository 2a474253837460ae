"""Authentication dependencies: `CurrentUser`, `AdminUser`, `CurrentAuth`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from mealplanner.auth import service
from mealplanner.auth.service import AuthContext
from mealplanner.core.db import primary_reads
from mealplanner.core.dependencies import SessionDep, StateDep
from mealplanner.core.errors import Forbidden, Unauthorized
from mealplanner.users.models import User

_bearer = HTTPBearer(auto_error=False, description="JWT access token or personal API token")


async def get_auth_context(
    request: Request,
    session: SessionDep,
    state: StateDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> AuthContext:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized()
    # Revocations and disabled accounts must take effect at once: never read them from a
    # lagging replica.
    with primary_reads(session):
        ctx = await service.authenticate(session, state, credentials.credentials)
    # Read by the access-log middleware.
    request.scope.setdefault("state", {})["user_id"] = str(ctx.user.id)
    return ctx


CurrentAuth = Annotated[AuthContext, Depends(get_auth_context)]


async def get_current_user(ctx: CurrentAuth) -> User:
    return ctx.user


CurrentUser = Annotated[User, Depends(get_current_user)]


async def require_admin(user: CurrentUser) -> User:
    if not user.is_admin:
        raise Forbidden("Administrator access required")
    return user


AdminUser = Annotated[User, Depends(require_admin)]
