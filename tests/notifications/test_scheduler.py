"""The scheduler: right local time per user, once per ISO week, even with two workers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import func, select, update

from mealplanner.app import build_state
from mealplanner.background import stop_background
from mealplanner.core.state import AppState
from mealplanner.notifications import scheduler
from mealplanner.notifications.models import NotificationDelivery, SchedulerRun
from mealplanner.users.models import User
from tests.fixtures.jobs import run_jobs
from tests.fixtures.users import Account, register
from tests.notifications.conftest import Inbox

# Saturday 2026-11-28 20:30 UTC = Sunday 09:30 in Auckland (UTC+13), 15:30 in New York.
SAT_2030_UTC = datetime(2026, 11, 28, 20, 30, tzinfo=UTC)


async def _user_in(client: httpx.AsyncClient, tz: str) -> Account:
    account = await register(client)
    response = await client.patch(
        f"/users/{account.id}/preferences", json={"timezone": tz}, headers=account.headers
    )
    assert response.status_code == 200, response.text
    return account


async def _deliveries(state: AppState, user_id: object) -> list[tuple[str, str, str]]:
    async with state.db.session() as session:
        rows = await session.execute(
            select(
                NotificationDelivery.kind,
                NotificationDelivery.period_key,
                NotificationDelivery.status,
            )
            .where(NotificationDelivery.user_id == user_id)
            .order_by(NotificationDelivery.kind)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


async def test_reminder_fires_on_sunday_0900_in_the_users_timezone(
    client: httpx.AsyncClient, state: AppState, inbox: Inbox
) -> None:
    auckland = await _user_in(client, "Pacific/Auckland")
    new_york = await _user_in(client, "America/New_York")
    await run_jobs(state)
    inbox.messages.clear()

    result = await scheduler.tick(state, now=SAT_2030_UTC)
    await run_jobs(state)

    assert result.queued == {"meal_plan_reminder": 1}
    assert await _deliveries(state, auckland.id) == [("meal_plan_reminder", "2026-W48", "sent")]
    assert await _deliveries(state, new_york.id) == []
    [message] = inbox.to(auckland.email)
    assert message["Subject"] == "Time to plan next week's meals"
    assert "week=2026-11-30" in message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]

    # An hour earlier it was 08:30 in Auckland: nothing due.
    early = await scheduler.tick(state, now=SAT_2030_UTC.replace(hour=19))
    assert early.queued == {}


async def test_weekly_summary_saturday_1800_local(
    client: httpx.AsyncClient, state: AppState, inbox: Inbox
) -> None:
    new_york = await _user_in(client, "America/New_York")
    await run_jobs(state)
    inbox.messages.clear()
    # 17:59 in New York (UTC-5): not yet; 18:05: due.
    assert (
        await scheduler.tick(state, now=datetime(2026, 11, 28, 22, 59, tzinfo=UTC))
    ).queued == {}
    result = await scheduler.tick(state, now=datetime(2026, 11, 28, 23, 5, tzinfo=UTC))
    assert result.queued == {"weekly_summary": 1}
    await run_jobs(state)
    [message] = inbox.to(new_york.email)
    assert message["Subject"] == "Your week in meals"
    assert "No meals planned this week" in message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]


@pytest.fixture
async def second_worker(state: AppState) -> AsyncIterator[AppState]:
    """Another process's view: its own engine, connection pool, job queue and mailer."""
    other = build_state(state.settings)
    other.mailer = state.mailer
    yield other
    await stop_background(other)
    if other.redis is not None:
        await other.redis.aclose()
    await other.db.dispose()


async def test_two_workers_ticking_together_send_once(
    client: httpx.AsyncClient, state: AppState, second_worker: AppState, inbox: Inbox
) -> None:
    accounts = [await _user_in(client, "Pacific/Auckland") for _ in range(3)]
    await run_jobs(state)
    inbox.messages.clear()
    second_worker.mailer = state.mailer  # the inbox fixture swapped in the SMTP mailer

    first, second = await asyncio.gather(
        scheduler.tick(state, now=SAT_2030_UTC), scheduler.tick(second_worker, now=SAT_2030_UTC)
    )
    # Later the same Sunday, a third tick finds the week already claimed.
    third = await scheduler.tick(second_worker, now=SAT_2030_UTC.replace(hour=23))
    await run_jobs(state)
    await run_jobs(second_worker)

    assert (
        first.queued.get("meal_plan_reminder", 0) + second.queued.get("meal_plan_reminder", 0) == 3
    )
    assert third.queued == {}
    for account in accounts:
        assert len(inbox.to(account.email)) == 1
        assert len(await _deliveries(state, account.id)) == 1


async def test_opted_out_and_disabled_users_are_skipped(
    client: httpx.AsyncClient, state: AppState
) -> None:
    opted_out = await _user_in(client, "Pacific/Auckland")
    await client.patch(
        f"/users/{opted_out.id}/preferences",
        json={"notifications": {"mealPlanReminder": False}},
        headers=opted_out.headers,
    )
    disabled = await _user_in(client, "Pacific/Auckland")
    async with state.db.session() as session:
        await session.execute(update(User).where(User.id == disabled.id).values(disabled=True))
    result = await scheduler.tick(state, now=SAT_2030_UTC)
    assert result.queued == {}
    async with state.db.session() as session:
        count = await session.scalar(select(func.count()).select_from(NotificationDelivery))
    assert count == 0


async def test_last_run_is_recorded(state: AppState, client: httpx.AsyncClient) -> None:
    now = datetime(2027, 1, 5, 4, 0, tzinfo=UTC)  # an hour no other test ticks in
    await scheduler.tick(state, now=now)
    async with state.db.session() as session:
        run = await session.get(SchedulerRun, scheduler.SCHEDULER_RUN)
    assert run is not None
    assert run.last_run_at == now
    assert "media.clean_temp_uploads" in run.details["maintenance"]
