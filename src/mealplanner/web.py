"""Serving the built web app (`web/dist`) at `/` beside the API.

Hashed files under `/assets/` are immutable (a new build gives new names), so they are cached
for a year; `index.html`, the service worker and the other root files are revalidated on every
load so a deploy is picked up at once. Any other GET outside the API (`/recipes/42`, `/plan`)
is a client-side route and gets `index.html` (the SPA fallback). The API, `/docs`, `/health`,
`/ready` and `/metrics` are registered before this router, so they are never shadowed; an
unknown `/api/...` path still gets the API's JSON 404.

The SPA's Content-Security-Policy allows scripts and styles from this origin only (no inline
scripts); the security-headers middleware keeps a CSP a route already set.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import Scope

from mealplanner.core.errors import NotFound

WEB_CSP = (
    "default-src 'self'; "
    "script-src 'self'; "
    "style-src 'self'; "
    "img-src 'self' data: blob:; "
    "connect-src 'self'; "
    "worker-src 'self'; "
    "manifest-src 'self'; "
    "base-uri 'none'; "
    "form-action 'self'; "
    "object-src 'none'; "
    "frame-ancestors 'none'"
)
IMMUTABLE = "public, max-age=31536000, immutable"
NO_CACHE = "no-cache"
RESERVED_PREFIXES = ("api/", "docs", "health", "ready", "metrics", "openapi")

NOT_BUILT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Mealplanner</title></head>
<body style="font-family:sans-serif;max-width:40rem;margin:3rem auto;line-height:1.5">
<h1>Mealplanner</h1>
<p>The API is running (<a href="/docs">/docs</a>), but the web app has not been built.</p>
<p>Build it with Node.js 20 or newer: <code>make web</code>
(or <code>cd web &amp;&amp; npm ci &amp;&amp; npm run build</code>), then reload this page.</p>
</body></html>
"""
NOT_BUILT_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


def default_dist_dir() -> Path:
    configured = os.environ.get("MEALPLANNER_WEB_DIST")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "web" / "dist"


class _WebRoute(APIRoute):
    """Never matches API or platform paths, so those keep their own 404 and 405 answers
    (a catch-all that matched them would turn `GET /api/v1/auth/login` into a 404)."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope.get("path", "").lstrip("/").startswith(RESERVED_PREFIXES):
            return Match.NONE, {}
        return super().matches(scope)


def build_router(dist: Path) -> APIRouter:
    router = APIRouter(include_in_schema=False, route_class=_WebRoute)
    root = dist.resolve()

    def index() -> Response:
        page = root / "index.html"
        if not page.is_file():
            return HTMLResponse(
                NOT_BUILT_PAGE,
                headers={"Cache-Control": NO_CACHE, "Content-Security-Policy": NOT_BUILT_CSP},
            )
        return FileResponse(
            page,
            media_type="text/html; charset=utf-8",
            headers={"Cache-Control": NO_CACHE, "Content-Security-Policy": WEB_CSP},
        )

    @router.api_route("/", methods=["GET", "HEAD"])
    async def web_index() -> Response:
        return index()

    @router.api_route("/{path:path}", methods=["GET", "HEAD"])
    async def web_path(path: str, request: Request) -> Response:
        candidate = (root / path).resolve()
        if candidate.is_relative_to(root) and candidate.is_file():
            cache = IMMUTABLE if path.startswith("assets/") else NO_CACHE
            headers = {"Cache-Control": cache, "Content-Security-Policy": WEB_CSP}
            if path == "sw.js":
                headers["Service-Worker-Allowed"] = "/"
            return FileResponse(candidate, headers=headers)
        if path.startswith("assets/") or "." in path.rsplit("/", 1)[-1]:
            # A missing file is a 404, not the app: a stale hashed asset must not parse as HTML.
            raise NotFound("Not found")
        return index()

    return router


def install_web(app: FastAPI, dist: Path | None = None) -> None:
    """Serve the web app; call after every API router is included."""
    app.include_router(build_router(dist or default_dist_dir()))
