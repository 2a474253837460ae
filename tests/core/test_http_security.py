"""Security headers, HSTS behind HTTPS, gzip, and the CORS allow-list."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from mealplanner.app import create_app
from mealplanner.core.config import Settings
from mealplanner.core.http_security import API_CSP
from tests.fixtures.users import Account


async def test_security_headers_on_every_response(client: httpx.AsyncClient) -> None:
    for response in (
        await client.get("http://test/health"),
        await client.get("/auth/me"),  # 401
        await client.get("/no-such-route"),  # 404
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["content-security-policy"] == API_CSP
        assert "strict-transport-security" not in response.headers  # plain HTTP


async def test_docs_get_a_csp_that_lets_swagger_load(client: httpx.AsyncClient) -> None:
    docs = await client.get("http://test/docs")
    assert docs.status_code == 200
    csp = docs.headers["content-security-policy"]
    assert "https://cdn.jsdelivr.net" in csp
    assert "frame-ancestors 'none'" in csp
    # Every asset the page references comes from a source the policy allows.
    assert "cdn.jsdelivr.net" in docs.text


async def test_hsts_over_https_and_from_trusted_proxies(test_settings: Settings) -> None:
    app = create_app(test_settings.model_copy(update={"trusted_proxies": ["10.0.0.0/8"]}))
    async with app.router.lifespan_context(app):
        https = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://t")
        async with https:
            assert "max-age=" in (await https.get("/health")).headers["strict-transport-security"]

        def via(peer: str) -> httpx.AsyncClient:
            transport = httpx.ASGITransport(app=app, client=(peer, 1234))
            return httpx.AsyncClient(transport=transport, base_url="http://t")

        forwarded = {"X-Forwarded-Proto": "https"}
        async with via("10.2.3.4") as proxy:
            response = await proxy.get("/health", headers=forwarded)
            assert "strict-transport-security" in response.headers
        async with via("203.0.113.5") as stranger:
            response = await stranger.get("/health", headers=forwarded)
            assert "strict-transport-security" not in response.headers


async def test_large_responses_are_gzipped(client: httpx.AsyncClient) -> None:
    spec = await client.get("/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert spec.headers["content-encoding"] == "gzip"
    assert spec.json()["openapi"]  # httpx decodes it transparently
    # What travelled (content-length) is much smaller than what it decoded to.
    assert int(spec.headers["content-length"]) * 2 < len(spec.content)
    small = await client.get("http://test/health", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers
    plain = await client.get("/openapi.json", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers


@pytest.fixture
async def cors_app(test_settings: Settings) -> FastAPI:
    app = create_app(
        test_settings.model_copy(update={"cors_origins": ["https://meals.example.com"]})
    )
    async with app.router.lifespan_context(app):
        yield app  # type: ignore[misc]


async def test_cors_allow_list(cors_app: FastAPI, user: Account) -> None:
    transport = httpx.ASGITransport(app=cors_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t/api/v1") as c:
        allowed = await c.get(
            "/auth/me", headers={"Origin": "https://meals.example.com", **user.headers}
        )
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://meals.example.com"
        assert "ratelimit-remaining" in allowed.headers["access-control-expose-headers"].lower()
        other = await c.get("/auth/me", headers={"Origin": "https://evil.example", **user.headers})
        assert other.status_code == 200
        assert "access-control-allow-origin" not in other.headers
        preflight = await c.options(
            "/auth/me",
            headers={
                "Origin": "https://meals.example.com",
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "Authorization",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://meals.example.com"
        denied = await c.options(
            "/auth/me",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
        )
        assert denied.status_code == 400
        assert "access-control-allow-origin" not in denied.headers
