"""Connection settings the service relies on for predictable query plans (PostgreSQL)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from mealplanner.core.config import Settings
from mealplanner.core.db import make_engine
from mealplanner.core.state import AppState
from tests.fixtures.backends import is_postgres


@pytest.mark.skipif(not is_postgres(), reason="PostgreSQL connection setting")
async def test_every_query_gets_a_custom_plan(state: AppState) -> None:
    # Generic plans of prepared statements ignore the parameters; they made searches up to
    # eight times slower (bench/README.md).
    async with state.db.session() as session:
        mode = (await session.execute(text("SHOW plan_cache_mode"))).scalar_one()
    assert mode == "force_custom_plan"


@pytest.mark.skipif(not is_postgres(), reason="PostgreSQL storage setting")
async def test_the_search_vector_stays_in_the_recipe_row(state: AppState) -> None:
    async with state.db.session() as session:
        storage = (
            await session.execute(
                text(
                    "SELECT attstorage::text FROM pg_attribute "
                    "WHERE attrelid = 'recipes'::regclass AND attname = 'search_vector'"
                )
            )
        ).scalar_one()
    assert storage == "m"  # MAIN: kept inline, see migration 20261126_1120


@pytest.mark.skipif(not is_postgres(), reason="PostgreSQL connection setting")
async def test_custom_plans_can_be_left_to_the_server(state: AppState) -> None:
    settings = state.settings.model_copy(update={"database_force_custom_plans": False})
    engine = make_engine(state.db.url, settings)
    try:
        async with engine.connect() as conn:
            mode = (await conn.execute(text("SHOW plan_cache_mode"))).scalar_one()
    finally:
        await engine.dispose()
    assert mode == "auto"  # the server's default, or whatever the role sets


@pytest.mark.skipif(not is_postgres(), reason="PostgreSQL autovacuum setting")
async def test_recipes_are_vacuumed_after_a_small_share_of_changes(state: AppState) -> None:
    async with state.db.session() as session:
        options = (
            await session.execute(text("SELECT reloptions FROM pg_class WHERE relname = 'recipes'"))
        ).scalar_one()
    assert "autovacuum_vacuum_scale_factor=0.02" in options


async def _backend_pid(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def _terminate(state: AppState, pid: int) -> None:
    async with state.db.session() as session:
        await session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


@contextlib.asynccontextmanager
async def _engine(state: AppState, ping_idle_seconds: float) -> AsyncIterator[AsyncEngine]:
    """A pooled engine on the test database with its own idle-test setting."""
    settings = state.settings.model_copy(update={"database_ping_idle_seconds": ping_idle_seconds})
    engine = make_engine(state.db.url, settings)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.mark.skipif(not is_postgres(), reason="PostgreSQL connection pool")
async def test_an_idle_connection_that_died_is_replaced_before_use(state: AppState) -> None:
    # 0 s: every checkout counts as idle, so every checkout is tested.
    async with _engine(state, 0.0) as engine:
        first = await _backend_pid(engine)
        await _terminate(state, first)  # a server restart or an idle timeout, say
        # The request does not see the dead connection: the pool opened another.
        second = await _backend_pid(engine)
    assert second != first


@pytest.mark.skipif(not is_postgres(), reason="PostgreSQL connection pool")
async def test_a_connection_in_steady_use_is_not_tested_again(state: AppState) -> None:
    async with _engine(state, 3600.0) as engine:
        first = await _backend_pid(engine)
        await _terminate(state, first)
        # Used moments ago, so not tested: the dead connection surfaces as an error (the
        # pool then drops it), which is what the idle test exists to avoid.
        with pytest.raises(DBAPIError) as dropped:
            await _backend_pid(engine)
        assert dropped.value.connection_invalidated  # what the API answers with a 503
        # ... and the next checkout gets a new, working connection.
        third = await _backend_pid(engine)
    assert third != first


@pytest.mark.skipif(not is_postgres(), reason="PostgreSQL connection pool")
async def test_a_dropped_connection_is_a_503_and_the_next_request_recovers(
    test_settings: Settings,
) -> None:
    import asyncpg

    from mealplanner import migrate
    from mealplanner.app import create_app
    from tests.fixtures.backends import PG_ADMIN_URL
    from tests.fixtures.users import register

    # A database of its own, so that dropping its connections touches no other test's app.
    name = f"mealplanner_drop_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
        await asyncio.to_thread(migrate.upgrade, url)
        # Connections in steady use are not tested before use: the drop reaches a request.
        settings = test_settings.model_copy(
            update={"database_url": url, "database_ping_idle_seconds": 3600.0}
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://t/api/v1") as c:
                account = await register(c)
                plans = f"/users/{account.id}/meal-plans"
                assert (await c.get(plans, headers=account.headers)).status_code == 200

                # A database restart or failover, as the service sees it.
                await admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
                    name,
                )
                dropped = await c.get(plans, headers=account.headers)
                assert dropped.status_code == 503, dropped.text
                assert dropped.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
                assert dropped.headers["retry-after"] == "1"

                # The pool discarded the dead connections: the retry gets a fresh one.
                again = await c.get(plans, headers=account.headers)
                assert again.status_code == 200, again.text
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
