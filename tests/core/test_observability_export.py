"""OpenTelemetry (OTLP/HTTP) and Sentry really export, to local collector stand-ins.

Each runs in a subprocess: both libraries install process-wide globals (tracer provider,
Sentry hub) that must not leak into the rest of the suite.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class _Collector(BaseHTTPRequestHandler):
    received: list[tuple[str, bytes]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", "0"))
        body = self.rfile.read(length)
        type(self).received.append((self.path, body))
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def collector() -> Iterator[tuple[str, list[tuple[str, bytes]]]]:
    received: list[tuple[str, bytes]] = []
    handler = type("Handler", (_Collector,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()


def _run(script: str, env: dict[str, str], tmp_path: object) -> None:
    # env=test: no in-process scheduler or background jobs in the subprocess.
    full_env = {
        **os.environ,
        **env,
        "MEALPLANNER_DATA_DIR": str(tmp_path),
        "MEALPLANNER_ENV": "test",
        "MEALPLANNER_SCHEDULER_ENABLED": "false",
    }
    full_env.pop("MEALPLANNER_REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_traces_are_exported_over_otlp(
    collector: tuple[str, list[tuple[str, bytes]]], tmp_path: object
) -> None:
    endpoint, received = collector
    _run(
        """
        import asyncio, httpx
        from opentelemetry import trace
        from mealplanner import migrate
        from mealplanner.app import create_app
        from mealplanner.core.config import Settings

        settings = Settings(otlp_endpoint=ENDPOINT)
        migrate.upgrade(settings.effective_database_url)

        async def main():
            app = create_app(settings)
            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
                    r = await c.post("/api/v1/auth/login",
                                     json={"email": "nobody@example.com", "password": "x"})
                    assert r.status_code == 401
                    assert len(r.headers["traceparent"].split("-")[1]) == 32
            assert trace.get_tracer_provider().force_flush()

        asyncio.run(main())
        """.replace("ENDPOINT", repr(endpoint)),
        {},
        tmp_path,
    )
    traces = [body for path, body in received if path == "/v1/traces"]
    assert traces, received
    payload = b"".join(traces)
    assert b"mealplanner" in payload  # service.name resource attribute
    assert b"/api/v1/auth/login" in payload  # the request span's route
    assert b"SELECT" in payload  # an SQL span from the SQLAlchemy instrumentation


def test_errors_are_sent_to_sentry_without_credentials(
    collector: tuple[str, list[tuple[str, bytes]]], tmp_path: object
) -> None:
    endpoint, received = collector
    dsn = endpoint.replace("http://", "http://publickey@") + "/42"
    _run(
        """
        import asyncio, httpx, sentry_sdk
        from mealplanner import migrate
        from mealplanner.app import create_app
        from mealplanner.core.config import Settings

        settings = Settings(sentry_dsn=DSN)
        migrate.upgrade(settings.effective_database_url)

        async def main():
            app = create_app(settings)

            @app.get("/api/v1/__explode")
            async def explode():
                raise RuntimeError("sentry probe failure")

            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
                async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
                    r = await c.get("/api/v1/__explode",
                                    headers={"Authorization": "Bearer secret-token-value-123"})
                    assert r.status_code == 500
            sentry_sdk.flush(timeout=10)

        asyncio.run(main())
        """.replace("DSN", repr(dsn)),
        {},
        tmp_path,
    )
    envelopes = [body for path, body in received if path.startswith("/api/42/")]
    assert envelopes, received
    payload = b"".join(gzip.decompress(b) if b[:2] == b"\x1f\x8b" else b for b in envelopes)
    assert b"sentry probe failure" in payload
    leaked = payload.find(b"secret-token-value-123")
    assert leaked == -1, payload[max(0, leaked - 300) : leaked + 50]
