"""Migrations: one head, up/down round trip, and no drift from the models on either database."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from mealplanner import migrate
from mealplanner.core.db import make_null_pool_engine
from mealplanner.migrations.unmanaged import UNMANAGED_INDEXES, include_name
from mealplanner.models import Base
from tests.conftest import _create_pg_database
from tests.fixtures.backends import is_postgres


def _diff(connection: Connection) -> list[object]:
    # Hand-made search objects (tsvector, trigram indexes, FTS5 tables) are skipped exactly
    # as autogenerate skips them; the search tests exercise those.
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_name": include_name}
    )
    diffs = compare_metadata(context, Base.metadata)
    # Expression indexes such as lower(email) are not reflected by every dialect.
    return [
        d
        for d in diffs
        if not (
            isinstance(d, tuple)
            and d[0] in {"add_index", "remove_index"}
            and getattr(d[1], "name", None) in UNMANAGED_INDEXES
        )
    ]


def _fresh_url(tmp_path: object, name: str) -> str:
    if is_postgres():
        return _create_pg_database(name)
    return f"sqlite:///{tmp_path}/{name}.db"


def test_single_head() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite:///unused.db"))
    assert len(script.get_heads()) == 1


def test_migrations_match_models_and_round_trip(tmp_path: object, worker_id: str) -> None:
    url = _fresh_url(tmp_path, f"mealplanner_drift_{worker_id}")
    migrate.upgrade(url)

    async def diff() -> list[object]:
        engine = make_null_pool_engine(migrate.normalize_database_url(url))
        async with engine.connect() as conn:
            result = await conn.run_sync(_diff)
        await engine.dispose()
        return result

    assert asyncio.run(diff()) == []
    migrate.downgrade(url, "base")
    migrate.upgrade(url)
    assert asyncio.run(diff()) == []
