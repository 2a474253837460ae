"""Write-behind of "recipe viewed" events (activity/buffer.py)."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import func, select

from mealplanner.activity.buffer import MAX_BUFFERED, ViewBuffer, view_buffer
from mealplanner.activity.models import Activity
from mealplanner.activity.service import RECIPE_VIEWED
from mealplanner.core.config import Settings
from mealplanner.core.db import Database
from mealplanner.core.state import AppState
from tests.fixtures.users import Account


async def viewed(state: AppState, user_id: uuid.UUID) -> list[uuid.UUID | None]:
    async with state.db.session() as session:
        rows = await session.execute(
            select(Activity.recipe_id)
            .where(Activity.user_id == user_id, Activity.event_type == RECIPE_VIEWED)
            .order_by(Activity.created_at)
        )
        return list(rows.scalars())


async def test_views_reach_the_activity_log_after_a_flush(
    client: httpx.AsyncClient, user: Account, state: AppState
) -> None:
    page = await client.get("/recipes", params={"limit": 2}, headers=user.headers)
    ids = [r["id"] for r in page.json()["data"]]
    for recipe_id in ids + ids[:1]:
        assert (await client.get(f"/recipes/{recipe_id}", headers=user.headers)).status_code == 200
    buffer = view_buffer(state)
    await buffer.flush()
    assert [str(r) for r in await viewed(state, user.id)] == ids + ids[:1]
    assert len(buffer) == 0


async def test_views_of_deleted_users_are_skipped(state: AppState, user: Account) -> None:
    buffer = ViewBuffer(state.db, 60)
    recipe = uuid.uuid4()
    buffer.record(user.id, recipe)
    buffer.record(uuid.uuid4(), recipe)  # a user deleted since the view
    assert await buffer.flush() == 1
    assert await viewed(state, user.id) == [recipe]


async def test_a_failed_flush_keeps_the_views_for_the_next(state: AppState, user: Account) -> None:
    broken = Database(Settings(database_url="sqlite+aiosqlite:////nonexistent/dir/x.db"))
    buffer = ViewBuffer(broken, 60)
    recipe = uuid.uuid4()
    buffer.record(user.id, recipe)
    assert await buffer.flush() == 0
    assert len(buffer) == 1
    await broken.dispose()
    buffer.db = state.db
    assert await buffer.flush() == 1
    assert await viewed(state, user.id) == [recipe]


async def test_closing_writes_what_is_left(state: AppState, user: Account) -> None:
    buffer = ViewBuffer(state.db, 60)
    buffer.start()
    recipe = uuid.uuid4()
    buffer.record(user.id, recipe)
    await buffer.close()
    assert await viewed(state, user.id) == [recipe]


async def test_the_buffer_is_bounded(state: AppState) -> None:
    buffer = ViewBuffer(state.db, 60)
    someone = uuid.uuid4()
    for _ in range(MAX_BUFFERED + 5):
        buffer.record(someone, someone)
    assert len(buffer) == MAX_BUFFERED
    assert buffer.dropped == 5
    async with state.db.session() as session:
        before = (await session.execute(select(func.count()).select_from(Activity))).scalar()
    assert await buffer.flush() == 0  # nobody by that id
    async with state.db.session() as session:
        after = (await session.execute(select(func.count()).select_from(Activity))).scalar()
    assert after == before


async def test_a_retry_after_a_lost_commit_answer_does_not_duplicate(
    state: AppState, user: Account
) -> None:
    buffer = ViewBuffer(state.db, 60)
    recipe = uuid.uuid4()
    buffer.record(user.id, recipe)
    written = list(buffer._pending)
    assert await buffer.flush() == 1
    buffer._pending[:0] = written  # as if the commit's answer had been lost
    await buffer.flush()
    assert len(buffer) == 0
    assert await viewed(state, user.id) == [recipe]
