"""Authentication dependencies: `CurrentUser`, `AdminUser`, `CurrentAuth`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from mealplanner.auth import service
from mealplanner.auth.identity import identities
from mealplanner.auth.service import AuthContext
from mealplanner.core.db import primary_reads
from mealplanner.core.dependencies import SessionDep, StateDep, request_session
from mealplanner.core.errors import Forbidden, Unauthorized
from mealplanner.core.security import API_TOKEN_PREFIX
from mealplanner.core.state import AppState
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


async def get_reader(
    request: Request,
    state: StateDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """The caller of a read-only route, from a recently checked session when one is known
    (see `auth/identity.py`), else checked like `CurrentUser`.

    The user returned from memory is a transient `User` with only `id` and `role` set: enough
    for the read routes that use this dependency, which must not use any other attribute.
    """
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized()
    token = credentials.credentials
    cache = identities(state)
    if cache is not None and cache.usable and not token.startswith(API_TOKEN_PREFIX):
        claims = state.tokens.decode_access_token(token)  # signature and expiry, every time
        reader = None
        if claims.session_id is not None:
            reader = cache.reader(claims.user_id, claims.session_id)
        if reader is not None:
            request.scope.setdefault("state", {})["user_id"] = str(claims.user_id)
            return reader
    # The route may need no database at all: the check opens its own unit of work.
    generation = cache.generation if cache is not None else 0
    async with request_session(request, state) as session:
        ctx = await get_auth_context(request, session, state, credentials)
    if cache is not None and ctx.session_id is not None:
        cache.remember(ctx.user.id, ctx.session_id, ctx.user.role, generation)
    return ctx.user


ReaderUser = Annotated[User, Depends(get_reader)]
# What a route that authenticates with `read_caller` declares for its OpenAPI operation.
READER_SECURITY: dict[str, Any] = {"security": [{_bearer.scheme_name: []}]}


async def read_caller(request: Request, state: AppState) -> User:
    """`ReaderUser` as a plain call, for the hottest read route: FastAPI's per-request
    dependency solving (bearer scheme, state, reader) was a quarter of a cached recipe view.
    The route declares `READER_SECURITY` so its OpenAPI operation stays the same."""
    return await get_reader(request, state, await _bearer(request))


async def require_admin(user: CurrentUser) -> User:
    if not user.is_admin:
        raise Forbidden("Administrator access required")
    return user


AdminUser = Annotated[User, Depends(require_admin)]
