"""Graceful shutdown: SIGTERM lets the in-flight request finish, closes pools, exits 0."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.fixtures.backends import REDIS_BASE_URL, is_postgres
from tests.fixtures.server import free_port, start_server, wait_until_ready


@pytest.mark.slow
def test_sigterm_drains_in_flight_requests(tmp_path: Path, database_url: str) -> None:
    env = dict(os.environ)
    env.update(
        MEALPLANNER_DATA_DIR=str(tmp_path),
        MEALPLANNER_DATABASE_URL=database_url if is_postgres() else f"sqlite:///{tmp_path}/s.db",
        MEALPLANNER_PASSWORD_HASH_MEMORY_KIB="1024",
        # A deliberately slow hash (~1-2 s) makes registration the slow request to drain.
        MEALPLANNER_PASSWORD_HASH_TIME_COST="4000",
        MEALPLANNER_LOG_FORMAT="json",
    )
    if is_postgres():
        env["MEALPLANNER_REDIS_URL"] = f"{REDIS_BASE_URL}/15"
    else:
        env.pop("MEALPLANNER_REDIS_URL", None)
    port = free_port()
    proc = start_server(env, port)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base, proc, timeout=60)

        outcome: dict[str, object] = {}

        def slow_request() -> None:
            started = time.monotonic()
            try:
                response = httpx.post(
                    f"{base}/api/v1/auth/register",
                    json={
                        "email": f"drain-{port}@example.com",
                        "password": "drain-test-pw",
                        "name": "Drain",
                    },
                    timeout=60,
                )
                outcome["status"] = response.status_code
            except httpx.HTTPError as exc:  # pragma: no cover - the failure we guard against
                outcome["error"] = repr(exc)
            outcome["seconds"] = time.monotonic() - started
            outcome["finished_at"] = time.monotonic()

        worker = threading.Thread(target=slow_request)
        worker.start()
        time.sleep(0.4)  # the request is now hashing the password
        sent_at = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        worker.join(timeout=60)
        assert outcome.get("status") == 201, outcome
        # The request was still running when the signal arrived, and it was answered.
        assert float(outcome["finished_at"]) > sent_at
        assert proc.wait(timeout=40) == 0
        stderr = proc.stderr.read() if proc.stderr else ""
        assert "Application shutdown complete" in stderr
        assert "Traceback" not in stderr
        # And nothing listens any more.
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"{base}/health", timeout=1)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def test_gc_tuning_freezes_start_up_objects_and_collects_less_often() -> None:
    import gc

    from mealplanner.app import GC_GEN0_THRESHOLD, tune_gc

    threshold = gc.get_threshold()
    try:
        tune_gc()
        assert gc.get_threshold()[0] == GC_GEN0_THRESHOLD
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
