"""Wires the platform services (metrics, Redis circuit breaker, caches) onto `AppState`.

Kept out of `app.py` so the composition root stays a short list of calls.
"""

from __future__ import annotations

from mealplanner.core.cache import (
    SEARCH_PREFIX,
    CacheStats,
    LocalCopies,
    MemoryCache,
    RedisCache,
    StaticDataCache,
)
from mealplanner.core.circuit import CircuitBreaker
from mealplanner.core.http_security import TrustedProxies
from mealplanner.core.metrics import Metrics
from mealplanner.core.ratelimit import Rate, RateLimiter
from mealplanner.core.state import AppState
from mealplanner.core.tracing import instrument_engine

# The keys every cached recipe view reads (`recipe:{id}`, `favorites:{userId}`), the list and
# search pages, and whether the caller owns private recipes (read by every page request).
LOCAL_COPY_PREFIXES = ("recipe:", "favorites:", SEARCH_PREFIX, "recipes:owns-private:")


def install_platform(state: AppState) -> None:
    """Build metrics and caches for `state` (no I/O: nothing connects here)."""
    settings = state.settings
    metrics = Metrics()
    state.metrics = metrics
    metrics.instrument_engine(state.db.engine)
    instrument_engine(state.db.engine, settings)
    state.static_cache = StaticDataCache()
    breaker = None
    if state.redis is not None:
        # One breaker for every Redis user: when it is down, all of them skip it at once.
        breaker = CircuitBreaker(
            "redis",
            failure_threshold=settings.redis_breaker_failures,
            reset_seconds=settings.redis_breaker_reset_seconds,
        )
        breaker.add_listener(metrics.track_circuit)
        state.redis_breaker = breaker
        # Every process with Redis announces its deletes, listening or not (the job worker,
        # CLI commands); only listening processes use local copies (`current`).
        state.static_cache.attach(state.redis)
        cache = RedisCache(
            state.redis,
            breaker=breaker,
            timeout_seconds=settings.redis_timeout_seconds,
            stats=CacheStats(metrics, "redis"),
        )
        if settings.cache_local_seconds > 0:
            cache.local = LocalCopies(
                state.static_cache,
                LOCAL_COPY_PREFIXES,
                ttl_seconds=settings.cache_local_seconds,
                max_entries=settings.cache_local_max_entries,
                breaker=breaker,
            )
        state.cache = cache
    else:
        state.cache = MemoryCache(
            settings.cache_memory_max_entries, stats=CacheStats(metrics, "memory")
        )
    state.cache.share_loads = not settings.is_sqlite
    state.rate_limiter = RateLimiter(
        default=Rate.parse(settings.rate_limit_default),
        authenticated=Rate.parse(settings.rate_limit_authenticated),
        auth=Rate.parse(settings.rate_limit_auth),
        proxies=TrustedProxies(settings.trusted_proxies),
        enabled=settings.rate_limit_enabled,
        redis=state.redis,
        breaker=breaker,
        timeout_seconds=settings.redis_timeout_seconds,
        metrics=metrics,
    )


async def start_platform(state: AppState) -> None:
    """Start the background parts (the L1 invalidation listener)."""
    if state.redis is not None:
        state.static_cache.start(state.redis)


async def stop_platform(state: AppState) -> None:
    await state.static_cache.close()
    await state.cache.close()
