"""Serving the built web app: SPA fallback, cache headers, CSP, and the API left alone."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from mealplanner.app import create_app
from mealplanner.core.config import Settings
from mealplanner.web import install_web


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text('<!doctype html><script src="/assets/app-1a2b.js">')
    (tmp_path / "assets" / "app-1a2b.js").write_text("console.log(1)")
    (tmp_path / "sw.js").write_text("self.addEventListener('fetch', () => {})")
    return tmp_path


async def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_serves_the_app_with_spa_fallback(
    test_settings: Settings, dist: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEALPLANNER_WEB_DIST", str(dist))
    app = create_app(test_settings)
    async with app.router.lifespan_context(app), await _client(app) as client:
        for path in ("/", "/plan", "/recipes/some-slug"):
            page = await client.get(path)
            assert page.status_code == 200
            assert "app-1a2b.js" in page.text
            assert page.headers["cache-control"] == "no-cache"
            csp = page.headers["content-security-policy"]
            assert "script-src 'self';" in csp
            assert "unsafe-inline" not in csp
        head = await client.head("/plan")
        assert head.status_code == 200
        assert head.headers["cache-control"] == "no-cache"
        asset = await client.get("/assets/app-1a2b.js")
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert (await client.get("/sw.js")).headers["cache-control"] == "no-cache"
        assert (await client.get("/assets/gone-0000.js")).status_code == 404
        assert (await client.get("/../pyproject.toml")).status_code == 404

        # The API, docs and health are untouched; unknown API paths stay JSON 404s.
        assert (await client.get("/health")).status_code == 200
        assert (await client.get("/api/v1/openapi.json")).json()["openapi"]
        missing = await client.get("/api/v1/nope")
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "NOT_FOUND"
        assert "swagger" in (await client.get("/docs")).text.lower()


async def test_explains_how_to_build_when_dist_is_missing(
    test_settings: Settings, tmp_path: Path
) -> None:
    app = FastAPI()
    install_web(app, tmp_path / "missing")
    async with await _client(app) as client:
        page = await client.get("/")
        assert page.status_code == 200
        assert "make web" in page.text
        assert "Node.js 20" in page.text
