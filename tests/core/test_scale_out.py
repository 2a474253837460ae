"""Two independent server processes on one PostgreSQL and one Redis behave as one service."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mealplanner.core.config import Settings
from mealplanner.core.state import AppState
from tests.fixtures.backends import is_postgres
from tests.fixtures.server import free_port, start_server, wait_until_ready

pytestmark = pytest.mark.skipif(not is_postgres(), reason="needs PostgreSQL and Redis")


def _start(port: int, settings: Settings, tmp_path: Path) -> subprocess.Popen[str]:
    env = dict(os.environ)
    env.update(
        MEALPLANNER_DATA_DIR=str(tmp_path),
        MEALPLANNER_DATABASE_URL=str(settings.database_url),
        MEALPLANNER_REDIS_URL=str(settings.redis_url),
        MEALPLANNER_JWT_SECRET="scale-out-secret-" + "y" * 32,
        MEALPLANNER_PASSWORD_HASH_MEMORY_KIB="1024",
        MEALPLANNER_PASSWORD_HASH_TIME_COST="1",
        MEALPLANNER_RATE_LIMIT_AUTH="5/minute",
        MEALPLANNER_LOG_LEVEL="WARNING",
    )
    return start_server(env, port)


@pytest.fixture
def two_servers(test_settings: Settings, tmp_path: Path) -> Iterator[tuple[str, str]]:
    ports = [free_port(), free_port()]
    procs = [_start(port, test_settings, tmp_path) for port in ports]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for base, proc in zip(bases, procs, strict=True):
            wait_until_ready(base, proc, timeout=30, path="/ready")
        yield bases[0], bases[1]
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)


def test_two_processes_share_state(two_servers: tuple[str, str], state: AppState) -> None:
    """(`state`: the suite's app, which seeds the catalog into the shared database.)"""
    a, b = (f"{base}/api/v1" for base in two_servers)
    email = f"scale-{os.getpid()}-{time.time_ns()}@example.com"
    registered = httpx.post(
        f"{a}/auth/register",
        json={"email": email, "password": "scale-out-pw", "name": "Scale"},
        timeout=10,
    )
    assert registered.status_code == 201, registered.text
    token = registered.json()["accessToken"]
    user_id = registered.json()["user"]["id"]
    headers = {"Authorization": f"Bearer {token}"}

    # A token issued by one process works on the other; a write through A is read through B.
    renamed = httpx.patch(f"{a}/users/{user_id}", json={"name": "Renamed"}, headers=headers)
    assert renamed.status_code == 200
    seen = httpx.get(f"{b}/users/{user_id}", headers=headers)
    assert seen.json()["name"] == "Renamed"

    # Each process keeps recipes, favourites and checked sessions in memory (after two reads
    # surely): a favourite through A shows at once in B's copy of the recipe.
    recipe_id = httpx.get(f"{a}/recipes?limit=1", headers=headers).json()["data"][0]["id"]
    for base in (a, b, a, b):
        seen = httpx.get(f"{base}/recipes/{recipe_id}", headers=headers).json()
        assert (seen["isFavorite"], seen["favoriteCount"]) == (False, 0)
    assert httpx.post(f"{a}/recipes/{recipe_id}/favorite", headers=headers).status_code == 200
    seen = httpx.get(f"{b}/recipes/{recipe_id}", headers=headers).json()
    assert (seen["isFavorite"], seen["favoriteCount"]) == (True, 1)

    # Logging out through B kills the token on A at once, on the routes that remember a
    # checked session too.
    other = httpx.post(f"{b}/auth/login", json={"email": email, "password": "scale-out-pw"})
    other_headers = {"Authorization": f"Bearer {other.json()['accessToken']}"}
    for _ in range(2):
        ok = httpx.get(f"{a}/recipes/{recipe_id}", headers=other_headers)
        assert ok.status_code == 200
    assert httpx.post(f"{b}/auth/logout", headers=other_headers).status_code == 204
    assert httpx.get(f"{a}/auth/me", headers=other_headers).status_code == 401
    assert httpx.get(f"{a}/recipes/{recipe_id}", headers=other_headers).status_code == 401

    # The login limit (5/minute here) is one shared budget across both processes: the
    # register and login above already used two of it.
    statuses = [
        httpx.post(
            f"{(a, b)[i % 2]}/auth/login", json={"email": email, "password": "wrong-password"}
        ).status_code
        for i in range(6)
    ]
    assert 429 in statuses
    first_limited = statuses.index(429)
    assert first_limited <= 4, statuses
    assert all(s == 429 for s in statuses[first_limited:]), statuses
