from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from mealplanner import migrate
from mealplanner.activity.buffer import view_buffer
from mealplanner.app import create_app
from mealplanner.core.config import Settings
from mealplanner.core.state import AppState
from mealplanner.models import Base
from mealplanner.recipes.seed import seed_catalog
from tests.fixtures.backends import (
    BACKEND,
    PG_ADMIN_URL,
    REDIS_BASE_URL,
    REQUIRE_SERVICES,
    is_postgres,
    reachable,
    worker_index,
)

pytest_plugins = ["tests.fixtures.users"]


def pytest_report_header() -> str:
    return f"mealplanner test backend: {BACKEND}"


def _ensure_services() -> None:
    if not is_postgres():
        return
    missing = [
        name
        for name, port in (("PostgreSQL", 5432), ("Redis", 6379))
        if not reachable("127.0.0.1", port)
    ]
    if missing:
        message = f"{', '.join(missing)} not reachable on 127.0.0.1"
        if REQUIRE_SERVICES:
            pytest.exit(message + " (MEALPLANNER_TEST_REQUIRE_SERVICES=1)", returncode=3)
        pytest.skip(message, allow_module_level=True)


def _create_pg_database(name: str) -> str:
    import asyncpg

    async def create() -> None:
        conn = await asyncpg.connect(PG_ADMIN_URL)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(create())
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}"


def _drop_pg_database(name: str) -> None:
    import asyncpg

    async def drop() -> None:
        conn = await asyncpg.connect(PG_ADMIN_URL)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(drop())


@pytest.fixture(scope="session")
def database_url(
    worker_id: str, testrun_uid: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated database for this xdist worker (migrations, never create_all).

    PostgreSQL databases are named per test run, so two runs on one server never share one.
    """
    _ensure_services()
    name = f"mealplanner_test_{testrun_uid[:8]}_{worker_id}"
    if is_postgres():
        url = _create_pg_database(name)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    migrate.upgrade(url)
    yield url
    if is_postgres():
        _drop_pg_database(name)


@pytest.fixture(scope="session")
def test_settings(
    database_url: str, worker_id: str, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    data_dir: Path = tmp_path_factory.mktemp("data")
    return Settings(
        env="test",
        # The suite builds several apps in one process: no freezing of their objects.
        gc_tuning=False,
        data_dir=data_dir,
        database_url=database_url,
        redis_url=f"{REDIS_BASE_URL}/{1 + worker_index(worker_id) % 15}" if is_postgres() else None,
        jwt_secret="test-secret-" + "x" * 40,  # type: ignore[arg-type]
        # Cheap argon2 parameters keep the suite fast; production defaults are tested apart.
        password_hash_memory_kib=1024,
        password_hash_time_cost=1,
        log_format="json",
        # Only the rate-limit tests (which build their own app) ever reach a limit.
        rate_limit_default="1000000/minute",
        rate_limit_authenticated="1000000/minute",
        rate_limit_auth="1000000/minute",
    )


@pytest.fixture(scope="session")
async def app(test_settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(test_settings)
    async with application.router.lifespan_context(application):
        services: AppState = application.state.services
        # The shipped catalog is loaded once per worker database and kept between tests.
        await seed_catalog(services.db, services.cache)
        yield application


@pytest.fixture(scope="session")
def state(app: FastAPI) -> AppState:
    services: AppState = app.state.services
    return services


@pytest.fixture(autouse=True)
async def _clean_database(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Each test starts from empty tables and an empty cache."""
    if "app" not in request.fixturenames:
        yield
        return
    services: AppState = request.getfixturevalue("state")
    yield
    await view_buffer(services).flush()
    await reset_database(services)
    # Process-local copies: remembered sessions and hot cache keys.
    services.static_cache.invalidate_local()
    if services.redis is not None:
        await services.redis.flushdb()
    clear = getattr(services.cache, "clear", None)
    if clear is not None:
        await clear()


_KEPT_TABLES = {"recipes", "recipe_ingredients"}


async def reset_database(services: AppState) -> None:
    """Empties every table but keeps the shipped catalog (seeded once per worker)."""
    async with services.db.engine.begin() as conn:
        await conn.execute(
            text("DELETE FROM recipes WHERE source_id IS NULL OR source_id NOT LIKE 'catalog:%'")
        )
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in _KEPT_TABLES:
                await conn.execute(text(f"DELETE FROM {table.name}"))
        await conn.execute(
            text(
                "UPDATE recipes SET favorite_count = 0, times_planned = 0, popularity = 0 "
                "WHERE favorite_count <> 0 OR times_planned <> 0 OR popularity <> 0"
            )
        )


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as c:
        yield c


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
