"""The composition root: `create_app(settings)` wires every domain; nothing connects at import."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from redis.asyncio import Redis

from mealplanner import __version__
from mealplanner.activity import buffer as activity_buffer
from mealplanner.activity import service as activity_service
from mealplanner.admin.router import router as admin_router
from mealplanner.ai import summary as ai_summary
from mealplanner.ai.router import router as ai_router
from mealplanner.auth import identity
from mealplanner.auth import service as auth_service
from mealplanner.auth.password_reset.router import router as password_reset_router
from mealplanner.auth.router import router as auth_router
from mealplanner.background import install_background, start_background, stop_background
from mealplanner.core.compression import GZIP_LEVEL, GZIP_MINIMUM_SIZE
from mealplanner.core.config import Settings, get_settings
from mealplanner.core.db import Database
from mealplanner.core.errors import install_error_handlers
from mealplanner.core.http_security import SecurityHeadersMiddleware, TrustedProxies
from mealplanner.core.logging import configure_logging
from mealplanner.core.metrics import MetricsMiddleware
from mealplanner.core.metrics import router as metrics_router
from mealplanner.core.middleware import (
    BodySizeLimitMiddleware,
    NulByteGuardMiddleware,
    RequestContextMiddleware,
)
from mealplanner.core.openapi import operation_id
from mealplanner.core.platform import install_platform, start_platform, stop_platform
from mealplanner.core.ratelimit import RateLimitMiddleware
from mealplanner.core.security import PasswordHashing, TokenCodec
from mealplanner.core.state import AppState
from mealplanner.core.tracing import TraceContextMiddleware, configure_sentry, configure_tracing
from mealplanner.foods.matching import match_food
from mealplanner.health import router as health_router
from mealplanner.imports.archive import DEFAULT_LIMITS as IMPORT_LIMITS
from mealplanner.imports.router import router as imports_router
from mealplanner.mealplans import service as mealplan_service
from mealplanner.mealplans.router import router as mealplans_router
from mealplanner.media.router import files_router as media_files_router
from mealplanner.media.router import router as media_router
from mealplanner.meta.router import router as meta_router
from mealplanner.notifications.router import router as notifications_router
from mealplanner.notifications.service import register_weekly_summary_provider
from mealplanner.recipes import service as recipe_service
from mealplanner.recipes.popularity import popularity_refresher
from mealplanner.recipes.router import router as recipes_router
from mealplanner.shopping import service as shopping_service
from mealplanner.shopping.router import router as shopping_router
from mealplanner.users.export import register_export_section
from mealplanner.users.router import router as users_router
from mealplanner.web import install_web

API_PREFIX = "/api/v1"
log = structlog.get_logger("mealplanner.app")


def build_state(settings: Settings) -> AppState:
    redis = (
        Redis.from_url(
            settings.redis_url,
            socket_timeout=settings.redis_timeout_seconds,
            socket_connect_timeout=settings.redis_timeout_seconds,
            decode_responses=False,
        )
        if settings.redis_url
        else None
    )
    state = AppState(
        settings=settings,
        db=Database(settings),
        passwords=PasswordHashing(settings),
        tokens=TokenCodec(settings.resolve_jwt_secret(), settings),
        redis=redis,
    )
    install_platform(state)
    identity.install(state)
    activity_buffer.install(state)
    install_background(state)
    return state


WARMING_GRACE_SECONDS = 10.0


def tune_gc() -> None:
    """Less garbage-collector work per request.

    What was imported and built at start (modules, the ORM's mappers, compiled queries, the
    food tables) lives as long as the process; `gc.freeze()` takes it out of every later
    collection. A larger young generation makes collections rarer: requests allocate many
    short-lived objects, and CPython's default (700) collected during nearly every suggestion.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_GEN0_THRESHOLD, 10, 10)


GC_GEN0_THRESHOLD = 10_000


def load_static_tables() -> None:
    """Parse the shipped food table and its name index now, before `gc.freeze()`.

    Loaded lazily, they cost the first shopping list, recipe save or substitution in each
    worker about 0.3 s, and they would stay in every later garbage collection.
    """
    match_food("egg")  # loads the food table and builds the alias index


async def _warm_cache(state: AppState) -> None:
    """Popular recipes and the typo vocabulary into the cache right after start, without
    delaying readiness."""
    try:
        warmed = await recipe_service.warm_popular(state.db, state.cache)
        words = await recipe_service.warm_name_words(state.db, state.cache)
        log.info("cache_warmed", recipes=warmed, name_words=words)
    except Exception as exc:  # best effort: a cold cache is not an outage
        log.warning("cache_warming_failed", error=type(exc).__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings)
    configure_sentry(settings)
    # Fail fast (before serving) on a production deployment without a JWT secret.
    settings.resolve_jwt_secret()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = build_state(settings)
        app.state.services = state
        await start_platform(state)
        await start_background(state)
        views = activity_buffer.view_buffer(state)
        popularity = popularity_refresher(state)
        warming = asyncio.create_task(_warm_cache(state))
        if settings.gc_tuning:
            load_static_tables()
            tune_gc()
        try:
            yield
        finally:
            # Let warming finish rather than cancel it mid-transaction: a cancelled query can
            # leave its connection checked out with the transaction open, which on SQLite keeps
            # the write lock (other apps on the same file then fail with "database is locked").
            await asyncio.wait({warming}, timeout=WARMING_GRACE_SECONDS)
            warming.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await warming
            await views.close()  # after uvicorn drained the requests that add to it
            await popularity.close()
            await stop_background(state)
            await stop_platform(state)
            if state.redis is not None:
                await state.redis.aclose()
            await state.db.dispose()

    app = FastAPI(
        title="Mealplanner API",
        version=__version__,
        description="Recipes, weekly meal plans, shopping lists and nutrition insight.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
    )
    install_error_handlers(app)

    register_export_section("account", auth_service.export_sessions)
    register_export_section("recipes", recipe_service.export_recipes)
    register_export_section("activity", activity_service.export_activity)
    register_export_section("shoppingLists", shopping_service.export_lists)
    register_export_section("mealPlans", mealplan_service.export_plans)
    register_weekly_summary_provider(ai_summary.weekly_summary)

    app.include_router(health_router)
    app.include_router(metrics_router)
    app.include_router(health_router, prefix=API_PREFIX, include_in_schema=False)
    # Routes are matched in order: the recipe reads, the most frequent requests, come first.
    for router in (
        recipes_router,
        auth_router,
        password_reset_router,
        users_router,
        imports_router,
        mealplans_router,
        meta_router,
        notifications_router,
        shopping_router,
        admin_router,
        media_router,
        ai_router,
    ):
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(media_files_router)

    # Last: the web app's catch-all (SPA fallback) must not shadow any API route.
    install_web(app)

    # Added last = outermost. Order, outside in: request id + access log, trace id, metrics,
    # security headers, CORS (so 429s carry CORS headers), rate limit, body cap, NUL guard,
    # gzip, the routes.
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_SIZE, compresslevel=GZIP_LEVEL)
    app.add_middleware(NulByteGuardMiddleware, binary_body_paths=(f"{API_PREFIX}/uploads/",))
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        # Direct image uploads (local storage) stream up to UPLOAD_MAX_BYTES.
        path_limits={
            f"{API_PREFIX}/uploads/": settings.upload_max_bytes,
            rf"^{API_PREFIX}/users/[^/]+/imports$": IMPORT_LIMITS.max_upload_bytes,
        },
    )
    app.add_middleware(RateLimitMiddleware)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID", "X-CSRF-Token"],
            expose_headers=[
                "X-Request-ID",
                "Retry-After",
                "traceparent",
                "RateLimit-Limit",
                "RateLimit-Remaining",
                "RateLimit-Reset",
            ],
        )
    app.add_middleware(SecurityHeadersMiddleware, proxies=TrustedProxies(settings.trusted_proxies))
    app.add_middleware(MetricsMiddleware)
    app.add_middleware(TraceContextMiddleware)
    app.add_middleware(RequestContextMiddleware)
    configure_tracing(app, settings)
    return app
