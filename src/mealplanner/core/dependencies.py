"""Request-scoped dependencies shared by every domain."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from mealplanner.core.jobs import flush_deferred_jobs
from mealplanner.core.state import AppState


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.services
    return state


StateDep = Annotated[AppState, Depends(get_state)]


async def get_session(state: StateDep) -> AsyncIterator[AsyncSession]:
    """One unit of work per request: commit once at the end, or roll back on error.

    `scope="function"` makes FastAPI run the commit before the response is sent, so a
    failed commit becomes an error response instead of a lie.
    """
    async with state.db.session() as session:
        yield session
    # Background jobs deferred during the request go out only now that the data is committed.
    await flush_deferred_jobs(session, state.jobs)


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
