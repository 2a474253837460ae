"""Read replicas against a real streaming replica: routing and read-your-writes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from mealplanner import migrate
from mealplanner.app import create_app
from mealplanner.core.config import Settings
from tests.fixtures.backends import is_postgres
from tests.fixtures.pg_replica import ReplicaPair, set_replay_paused, wait_for_replay
from tests.fixtures.users import make_admin, register
from tests.recipes.conftest import recipe_payload

pytestmark = pytest.mark.skipif(not is_postgres(), reason="read replicas are PostgreSQL-only")
pytest_plugins = ["tests.fixtures.pg_replica"]


@pytest.fixture(scope="module")
def migrated_pair(replica_pair: ReplicaPair) -> ReplicaPair:
    migrate.upgrade(replica_pair.primary_url)
    return replica_pair


@pytest.fixture(scope="module")
async def replica_app(
    migrated_pair: ReplicaPair, test_settings: Settings
) -> AsyncIterator[FastAPI]:
    replica_pair = migrated_pair
    settings = test_settings.model_copy(
        update={
            "database_url": replica_pair.primary_url,
            "database_replica_urls": [replica_pair.replica_url],
            "read_your_writes_seconds": 30.0,
        }
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def rclient(replica_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=replica_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as c:
        yield c


async def test_reads_go_to_the_replica_and_writers_read_their_writes(
    rclient: httpx.AsyncClient, replica_app: FastAPI, replica_pair: ReplicaPair
) -> None:
    admin = await register(rclient, name="Replica Admin")
    await make_admin(replica_app.state.services, admin)
    reader = await register(rclient, name="Replica Reader")
    wait_for_replay(replica_pair)

    set_replay_paused(replica_pair, True)
    try:
        created = await rclient.post(
            "/recipes", json=recipe_payload(name="Replica Probe Stew"), headers=admin.headers
        )
        assert created.status_code == 201, created.text
        recipe_id = created.json()["id"]
        # Another user's read is served by the (paused) replica, which lacks the recipe...
        other = await rclient.get(f"/recipes/{recipe_id}", headers=reader.headers)
        assert other.status_code == 404
        # ...while the writer reads from the primary and sees it at once.
        own = await rclient.get(f"/recipes/{recipe_id}", headers=admin.headers)
        assert own.status_code == 200
    finally:
        set_replay_paused(replica_pair, False)
    wait_for_replay(replica_pair)
    # (The writer's read cached the recipe too; the cache is shared by design.)
    caught_up = await rclient.get(f"/recipes/{recipe_id}", headers=reader.headers)
    assert caught_up.status_code == 200


async def test_revocation_is_never_read_from_a_lagging_replica(
    rclient: httpx.AsyncClient, replica_pair: ReplicaPair
) -> None:
    account = await register(rclient)
    wait_for_replay(replica_pair)
    set_replay_paused(replica_pair, True)
    try:
        assert (await rclient.post("/auth/logout", headers=account.headers)).status_code == 204
        # The replica still has the live session, but authentication reads the primary.
        me = await rclient.get("/auth/me", headers=account.headers)
        assert me.status_code == 401
    finally:
        set_replay_paused(replica_pair, False)
