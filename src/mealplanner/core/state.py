"""Typed application state, built once in the lifespan and shared by every request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, Protocol

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession

from mealplanner.core.cache import Cache, MemoryCache, StaticDataCache
from mealplanner.core.circuit import CircuitBreaker
from mealplanner.core.config import Settings
from mealplanner.core.db import Database
from mealplanner.core.jobs import JobQueue
from mealplanner.core.metrics import Metrics
from mealplanner.core.ratelimit import RateLimiter
from mealplanner.core.security import PasswordHashing, TokenCodec
from mealplanner.core.storage import Storage


class MailSender(Protocol):
    """Delivers a finished message (SMTP, or the outbox folder in the embedded default)."""

    async def send(self, message: EmailMessage) -> None: ...


@dataclass
class AppState:
    settings: Settings
    db: Database
    passwords: PasswordHashing
    tokens: TokenCodec
    redis: Redis | None = None
    storage: Storage | None = None
    jobs: JobQueue | None = None
    mailer: MailSender | None = None
    # Platform (core/cache.py, core/metrics.py); app.build_state wires the real ones.
    cache: Cache = field(default_factory=MemoryCache)
    static_cache: StaticDataCache = field(default_factory=StaticDataCache)
    metrics: Metrics = field(default_factory=Metrics)
    redis_breaker: CircuitBreaker | None = None
    rate_limiter: RateLimiter | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    # Run after each request's unit of work commits (e.g. cross-process invalidations that
    # must not go out before the change they announce is visible).
    commit_hooks: list[Callable[[AsyncSession], Awaitable[None]]] = field(default_factory=list)
