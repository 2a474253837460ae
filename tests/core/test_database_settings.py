"""Connection settings the service relies on for predictable query plans (PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

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
    from mealplanner.core.db import make_engine

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


async def _backend_pid(engine: object) -> int:
    async with engine.connect() as conn:  # type: ignore[attr-defined]
        return int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def _terminate(state: AppState, pid: int) -> None:
    async with state.db.session() as session:
        await session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


@pytest.mark.skipif(not is_postgres(), reason="PostgreSQL connection pool")
async def test_an_idle_connection_that_died_is_replaced_before_use(state: AppState) -> None:
    from mealplanner.core.db import make_engine

    # 0 s: every checkout counts as idle, so every checkout is tested.
    settings = state.settings.model_copy(update={"database_ping_idle_seconds": 0.0})
    engine = make_engine(state.db.url, settings)
    try:
        first = await _backend_pid(engine)
        await _terminate(state, first)  # a server restart or an idle timeout, say
        # The request does not see the dead connection: the pool opened another.
        second = await _backend_pid(engine)
    finally:
        await engine.dispose()
    assert second != first


@pytest.mark.skipif(not is_postgres(), reason="PostgreSQL connection pool")
async def test_a_connection_in_steady_use_is_not_tested_again(state: AppState) -> None:
    from mealplanner.core.db import make_engine

    settings = state.settings.model_copy(update={"database_ping_idle_seconds": 3600.0})
    engine = make_engine(state.db.url, settings)
    try:
        first = await _backend_pid(engine)
        await _terminate(state, first)
        # Used moments ago, so not tested: the dead connection surfaces as an error (the
        # pool then drops it), which is what the idle test exists to avoid.
        with pytest.raises(Exception, match="connection"):
            await _backend_pid(engine)
        # ... and the next checkout gets a new, working connection.
        third = await _backend_pid(engine)
    finally:
        await engine.dispose()
    assert third != first
