"""Request-scoped dependencies shared by every domain."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from mealplanner.core.cache import deletes_repeated_after_commit
from mealplanner.core.errors import AppError
from mealplanner.core.jobs import flush_deferred_jobs
from mealplanner.core.security import API_TOKEN_PREFIX, hash_token
from mealplanner.core.state import AppState


# Dependencies are `async def`: FastAPI runs plain `def` ones in a thread pool, a thread hop
# per request for no blocking work.
async def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.services
    return state


StateDep = Annotated[AppState, Depends(get_state)]


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def read_your_writes_key(identity: str) -> str:
    return f"ryw:{identity}"


def _caller_identity(request: Request, state: AppState) -> str | None:
    """Who is calling, from the bearer credential alone (no database round trip)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    if token.startswith(API_TOKEN_PREFIX):
        return "t:" + hash_token(token)[:32]
    try:
        return f"u:{state.tokens.decode_access_token(token).user_id}"
    except AppError:
        return None


@asynccontextmanager
async def request_session(request: Request, state: AppState) -> AsyncIterator[AsyncSession]:
    """One unit of work for `request`: commit once at the end, or roll back on error.

    With read replicas, safe requests read from a replica, except for a caller who wrote
    within the last `read_your_writes_seconds` (tracked in the shared cache), who reads from
    the primary and so always sees their own changes.
    """
    safe = request.method in SAFE_METHODS
    identity = _caller_identity(request, state) if state.db.has_replicas else None
    read_only = safe and state.db.has_replicas
    if read_only and identity is not None:
        read_only = await state.cache.get_json(read_your_writes_key(identity)) is None
    async with (
        deletes_repeated_after_commit(),
        state.db.session(read_only=read_only) as session,
    ):
        yield session
    if not safe and identity is not None:
        ttl = max(1, math.ceil(state.settings.read_your_writes_seconds))
        await state.cache.set_json(read_your_writes_key(identity), 1, ttl)
    for hook in state.commit_hooks:
        await hook(session)
    # Background jobs deferred during the request go out only now that the data is committed.
    await flush_deferred_jobs(session, state.jobs)


async def get_session(request: Request, state: StateDep) -> AsyncIterator[AsyncSession]:
    """The request's unit of work (`request_session`).

    `scope="function"` makes FastAPI run the commit before the response is sent, so a
    failed commit becomes an error response instead of a lie. Hot read routes that usually
    need no database at all open `request_session` themselves, only when they do.
    """
    async with request_session(request, state) as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
