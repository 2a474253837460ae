"""API conventions that hold for every route: envelopes, request ids, size limit, logs."""

from __future__ import annotations

import io
import json
import logging

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import exc as sa_exc

from tests.fixtures.users import PASSWORD, Account


async def test_unknown_route_uses_error_envelope(client: httpx.AsyncClient) -> None:
    response = await client.get("/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "NOT_FOUND", "message": "Not Found", "details": {}}
    }


async def test_wrong_method_uses_error_envelope(client: httpx.AsyncClient) -> None:
    response = await client.get("/auth/login")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"


@pytest.mark.parametrize("body", [b"{not json", b"", b"[]", b'"string"', b"\xff\xfe"])
async def test_malformed_bodies_are_400(client: httpx.AsyncClient, body: bytes) -> None:
    response = await client.post(
        "/auth/login", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


async def test_body_over_limit_is_413(client: httpx.AsyncClient) -> None:
    big = json.dumps({"email": "a@b.co", "password": "x" * 2_000_000, "name": "x"})
    response = await client.post(
        "/auth/register", content=big, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_chunked_body_over_limit_is_413(client: httpx.AsyncClient) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(40):
            yield b"x" * 65536

    response = await client.post(
        "/auth/register", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413


async def test_request_id_is_generated_and_echoed(client: httpx.AsyncClient) -> None:
    generated = await client.get("/health")
    assert len(generated.headers["x-request-id"]) >= 16
    echoed = await client.get("/health", headers={"X-Request-ID": "abc-123-def-456"})
    assert echoed.headers["x-request-id"] == "abc-123-def-456"
    hostile = await client.get("/health", headers={"X-Request-ID": "bad id\twith spaces"})
    assert hostile.headers["x-request-id"] != "bad id\twith spaces"


async def test_openapi_and_docs(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert "/api/v1/auth/login" in spec["paths"]
    login = spec["paths"]["/api/v1/auth/login"]["post"]
    assert login["operationId"] == "auth_login"
    assert "401" in login["responses"]
    docs = await client.get("http://test/docs")
    assert docs.status_code == 200


async def test_health_and_ready(client: httpx.AsyncClient, app: FastAPI) -> None:
    assert (await client.get("http://test/health")).json()["status"] == "ok"
    ready = await client.get("http://test/ready")
    assert ready.status_code == 200
    checks = ready.json()["checks"]
    assert checks["database"] == "ok"
    if app.state.services.redis is not None:
        assert checks["redis"] == "ok"


async def _get_raising_route(app: FastAPI, path: str) -> httpx.Response:
    """GET a route whose exception must become an error response (not reach the test)."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        return await c.get(path)


async def test_internal_errors_hide_details(app: FastAPI) -> None:
    @app.get("/api/v1/__boom", include_in_schema=False)
    async def boom() -> None:
        raise RuntimeError("SELECT secret FROM users -- stack detail")

    response = await _get_raising_route(app, "/api/v1/__boom")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "INTERNAL_ERROR"
    assert "SELECT" not in response.text
    assert "Traceback" not in response.text


async def test_an_exhausted_connection_pool_is_a_503(app: FastAPI) -> None:
    # What SQLAlchemy raises when no pooled connection frees up within the pool timeout.
    @app.get("/api/v1/__pool_exhausted", include_in_schema=False)
    async def exhausted() -> None:
        raise sa_exc.TimeoutError("QueuePool limit of size 10 overflow 10 reached")

    response = await _get_raising_route(app, "/api/v1/__pool_exhausted")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert response.headers["retry-after"] == "1"
    assert "QueuePool" not in response.text


async def test_other_database_errors_stay_internal_errors(app: FastAPI) -> None:
    # A failing statement is a bug, not an outage: 500, with nothing of the SQL shown.
    @app.get("/api/v1/__bad_sql", include_in_schema=False)
    async def bad_sql() -> None:
        raise sa_exc.ProgrammingError("SELECT nope FROM secret", {}, Exception("no column"))

    response = await _get_raising_route(app, "/api/v1/__bad_sql")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "INTERNAL_ERROR"
    assert "secret" not in response.text


async def test_logs_have_request_fields_and_no_secrets(
    client: httpx.AsyncClient, user: Account
) -> None:
    root = logging.getLogger()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(root.handlers[0].formatter)
    root.addHandler(handler)
    try:
        login = await client.post("/auth/login", json={"email": user.email, "password": PASSWORD})
        tokens = login.json()
        await client.get("/auth/me", headers={"Authorization": f"Bearer {tokens['accessToken']}"})
        await client.post("/auth/refresh", json={"refreshToken": tokens["refreshToken"]})
        # Even a careless log call with a token in its text is scrubbed.
        logging.getLogger("mealplanner.test").info("probe Bearer %s", tokens["accessToken"])
        import structlog

        structlog.get_logger("mealplanner.test").info(
            "probe", password=PASSWORD, authorization=f"Bearer {tokens['accessToken']}"
        )
    finally:
        root.removeHandler(handler)
    output = stream.getvalue()
    for secret in (PASSWORD, tokens["accessToken"], tokens["refreshToken"]):
        assert secret not in output
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("event") == "request"]
    assert len(requests) >= 3
    me_line = next(line for line in requests if line["path"] == "/api/v1/auth/me")
    assert me_line["userId"] == str(user.id)
    assert me_line["status"] == 200
    assert me_line["method"] == "GET"
    assert isinstance(me_line["durationMs"], float)
    assert me_line["requestId"]


async def test_nul_characters_are_refused_everywhere(
    client: httpx.AsyncClient, user: Account
) -> None:
    in_query = await client.get("/recipes/search?q=ab%00cd", headers=user.headers)
    assert in_query.status_code == 400
    assert in_query.json()["error"]["code"] == "VALIDATION_ERROR"
    in_body = await client.patch(
        f"/users/{user.id}", json={"name": "Nul\u0000Name"}, headers=user.headers
    )
    assert in_body.status_code == 400
    me = await client.get("/auth/me", headers=user.headers)
    assert me.json()["name"] == "Test Cook"
