"""The CLI and one smoke test against a real Uvicorn process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.fixtures.backends import is_postgres
from tests.fixtures.server import free_port, start_server, wait_until_ready


def _env(database_url: str, tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        MEALPLANNER_DATA_DIR=str(tmp_path),
        MEALPLANNER_DATABASE_URL=database_url,
        MEALPLANNER_PASSWORD_HASH_MEMORY_KIB="1024",
        MEALPLANNER_PASSWORD_HASH_TIME_COST="1",
    )
    env.pop("MEALPLANNER_REDIS_URL", None)
    return env


@pytest.fixture
def cli_db(tmp_path: Path, database_url: str) -> str:
    # The CLI migrates SQLite itself; on PostgreSQL reuse the worker's migrated database.
    return database_url if is_postgres() else f"sqlite:///{tmp_path}/cli.db"


def _run_cli(
    args: list[str], env: dict[str, str], stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mealplanner.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_create_admin_reads_password_from_stdin(tmp_path: Path, cli_db: str) -> None:
    env = _env(cli_db, tmp_path)
    email = f"root-{os.getpid()}@example.com"
    created = _run_cli(["create-admin", "--email", email], env, "s3cret-passw0rd\n")
    assert created.returncode == 0, created.stderr
    assert "created" in created.stdout
    assert "s3cret" not in created.stdout + created.stderr
    promoted = _run_cli(["create-admin", "--email", email.upper()], env, "\n")
    assert promoted.returncode == 0, promoted.stderr
    assert "promoted" in promoted.stdout
    too_short = _run_cli(["create-admin", "--email", "x" + email], env, "short\n")
    assert too_short.returncode == 2


def test_password_is_not_a_cli_argument(tmp_path: Path, cli_db: str) -> None:
    result = _run_cli(
        ["create-admin", "--email", "a@example.com", "--password", "x"], _env(cli_db, tmp_path)
    )
    assert result.returncode != 0


def test_uvicorn_smoke(tmp_path: Path, cli_db: str) -> None:
    """`mealplanner serve` starts, migrates the embedded database, and answers real HTTP."""
    port = free_port()
    proc = start_server(_env(cli_db, tmp_path), port)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base, proc, timeout=30)
        assert httpx.get(f"{base}/ready", timeout=5).json()["checks"]["database"] == "ok"
        email = f"smoke-{port}@example.com"
        registered = httpx.post(
            f"{base}/api/v1/auth/register",
            json={"email": email, "password": "smoke-test-pw", "name": "Smoke"},
            timeout=10,
        )
        assert registered.status_code == 201, registered.text
        token = registered.json()["accessToken"]
        me = httpx.get(
            f"{base}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}, timeout=5
        )
        assert me.json()["email"] == email
        assert me.headers["x-request-id"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
