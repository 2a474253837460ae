"""Rate limiting: GCRA, shared through Redis, in-process when Redis is absent or unreachable.

Algorithm: GCRA (the generic cell rate algorithm, "leaky bucket as a meter"). Per key it stores
one number, the theoretical arrival time (TAT); a limit of N per period admits a burst of N and
then one request every period/N. It is exact (no window-boundary double burst) and O(1) in
memory and time. On Redis it runs as one Lua script (atomic across processes, using the Redis
server's clock so API hosts with skewed clocks agree).

Which limit applies (settings, `"<count>/<second|minute|hour|day>"`):

- anonymous requests: per client IP, `MEALPLANNER_RATE_LIMIT_DEFAULT` (120/minute);
- a valid JWT: per user, `MEALPLANNER_RATE_LIMIT_AUTHENTICATED` (600/minute). The token is
  verified locally (HMAC), no database query; an invalid or expired one counts as anonymous;
- a personal API token: per token hash *and* per IP, both at the authenticated rate (the token
  is not looked up here, so random tokens must not mint fresh buckets);
- login, register and password reset additionally call `enforce_auth_limit(request, email)`:
  `MEALPLANNER_RATE_LIMIT_AUTH` (10/minute) per IP and, separately, per email address, so
  neither one address nor one host can brute-force or spray.

`/health`, `/ready`, `/metrics` and CORS preflights are never limited (load balancers poll them).

Every limited response carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`
(seconds until the quota is full again); a refusal is a 429 with the error envelope and
`Retry-After` (seconds until the next request is admitted).

Redis unreachable: the shared circuit breaker trips and each process falls back to its own
in-process limiter with the same limits. Limits are then per process: N processes admit up to
N times the configured rate until Redis is back. That is deliberate: availability over
precision, and still a hard cap per process.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mealplanner.core.circuit import CircuitBreaker
from mealplanner.core.errors import AppError, RateLimited, error_body
from mealplanner.core.http_security import TrustedProxies

log = structlog.get_logger("mealplanner.ratelimit")

_PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*(?:/|per)\s*(\d*)\s*(second|minute|hour|day)s?\s*$", re.I)
EXEMPT_PATHS = frozenset(
    {"/health", "/ready", "/metrics", "/api/v1/health", "/api/v1/ready", "/favicon.ico"}
)


@dataclass(frozen=True, slots=True)
class Rate:
    limit: int
    period: float  # seconds

    @classmethod
    def parse(cls, text: str) -> Rate:
        """`"120/minute"`, `"10 per second"`, `"1000/hour"`, `"5/15minutes"`."""
        match = _RATE.match(text)
        if not match or int(match.group(1)) < 1:
            raise ValueError(f"invalid rate limit {text!r}; expected e.g. '120/minute'")
        multiple = int(match.group(2) or 1)
        return cls(int(match.group(1)), float(multiple * _PERIODS[match.group(3).lower()]))

    @property
    def interval(self) -> float:
        return self.period / self.limit


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: float  # until the whole quota is available again
    retry_after: float  # until the next request is admitted (0 when allowed)

    def headers(self) -> dict[str, str]:
        headers = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(math.ceil(self.reset_seconds)),
        }
        if not self.allowed:
            headers["Retry-After"] = str(max(1, math.ceil(self.retry_after)))
        return headers


def gcra(tat: float | None, now: float, rate: Rate) -> tuple[Decision, float | None]:
    """One GCRA step: the decision and the new TAT to store (None: leave it)."""
    interval = rate.interval
    tat = max(tat if tat is not None else now, now)
    new_tat = tat + interval
    allow_at = new_tat - rate.period
    if now < allow_at:
        return Decision(False, rate.limit, 0, tat - now, allow_at - now), None
    remaining = int((rate.period - (new_tat - now)) / interval + 1e-9)
    return Decision(True, rate.limit, remaining, new_tat - now, 0.0), new_tat


class MemoryRateLimiter:
    """In-process GCRA; bounded so a flood of distinct IPs cannot exhaust memory."""

    def __init__(
        self, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_keys = max_keys
        self._clock = clock
        self._tats: OrderedDict[str, float] = OrderedDict()

    def hit(self, key: str, rate: Rate) -> Decision:
        now = self._clock()
        decision, new_tat = gcra(self._tats.get(key), now, rate)
        if new_tat is not None:
            self._tats[key] = new_tat
            self._tats.move_to_end(key)
            while len(self._tats) > self.max_keys:
                self._tats.popitem(last=False)
        return decision


# KEYS[1] = bucket; ARGV = period (ms), limit. Returns {allowed, remaining, reset ms, retry ms}.
_GCRA_LUA = """
local period = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local interval = period / limit
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - period
if now < allow_at then
  return {0, 0, math.ceil(tat - now), math.ceil(allow_at - now)}
end
redis.call('SET', KEYS[1], string.format('%.3f', new_tat), 'PX', math.ceil(new_tat - now))
local remaining = math.floor((period - (new_tat - now)) / interval + 1e-9)
return {1, remaining, math.ceil(new_tat - now), 0}
"""


class RateLimiter:
    """The app's limiter: Redis when configured and reachable, else in-process."""

    def __init__(
        self,
        *,
        default: Rate,
        authenticated: Rate,
        auth: Rate,
        proxies: TrustedProxies,
        enabled: bool = True,
        redis: Redis | None = None,
        breaker: CircuitBreaker | None = None,
        timeout_seconds: float = 0.25,
        namespace: str = "ratelimit:",
        metrics: Any = None,
    ) -> None:
        self.default = default
        self.authenticated = authenticated
        self.auth = auth
        self.proxies = proxies
        self.enabled = enabled
        self.redis = redis
        self.breaker = breaker
        self.deadline = timeout_seconds * 2
        self.namespace = namespace
        self.metrics = metrics
        self.memory = MemoryRateLimiter()
        self._script = redis.register_script(_GCRA_LUA) if redis is not None else None

    async def hit(self, key: str, rate: Rate) -> Decision:
        if self._script is not None and (self.breaker is None or self.breaker.allow()):
            try:
                async with asyncio.timeout(self.deadline):
                    result = await self._script(
                        keys=[self.namespace + key],
                        args=[int(rate.period * 1000), rate.limit],
                    )
            except (RedisError, OSError, TimeoutError) as exc:
                if self.breaker is not None:
                    self.breaker.record_failure()
                log.debug("ratelimit_redis_error", error=type(exc).__name__)
            else:
                if self.breaker is not None:
                    self.breaker.record_success()
                allowed, remaining, reset_ms, retry_ms = (int(v) for v in result)
                return Decision(
                    bool(allowed), rate.limit, remaining, reset_ms / 1000, retry_ms / 1000
                )
        return self.memory.hit(key, rate)

    def refused(self, name: str) -> None:
        if self.metrics is not None:
            self.metrics.rate_limited.labels(limit=name).inc()


def _bearer(scope: Scope) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() or None if scheme.lower() == "bearer" else None
    return None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _services(scope: Scope) -> Any:
    return getattr(getattr(scope.get("app"), "state", None), "services", None)


def _too_many(decision: Decision) -> RateLimited:
    return RateLimited(
        details={"retryAfter": max(1, math.ceil(decision.retry_after))},
        headers=decision.headers(),
    )


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        services = _services(scope) if scope["type"] == "http" else None
        limiter: RateLimiter | None = getattr(services, "rate_limiter", None)
        if (
            limiter is None
            or not limiter.enabled
            or scope["method"] == "OPTIONS"
            or scope["path"] in EXEMPT_PATHS
        ):
            await self.app(scope, receive, send)
            return

        decision = await self._check(scope, services, limiter)
        if not decision.allowed:
            await self._refuse(send, decision)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                # A stricter limit deeper in (the auth limits) shows its own numbers instead.
                if not any(k.lower() == b"ratelimit-limit" for k, _ in headers):
                    shown = scope.get("state", {}).get("auth_rate_limit") or decision
                    headers.extend(
                        (k.lower().encode(), v.encode()) for k, v in shown.headers().items()
                    )
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _check(self, scope: Scope, services: Any, limiter: RateLimiter) -> Decision:
        ip = limiter.proxies.client_ip(scope)
        token = _bearer(scope)
        if token is not None:
            if token.count(".") == 2:
                try:
                    claims = services.tokens.decode_access_token(token)
                except AppError:
                    pass  # invalid or expired: the route answers 401; limit it as anonymous
                else:
                    return await self._hit(limiter, f"user:{claims.user_id}", limiter.authenticated)
            else:
                by_ip = await self._hit(limiter, f"token-ip:{ip}", limiter.authenticated)
                if not by_ip.allowed:
                    return by_ip
                by_token = await self._hit(
                    limiter, f"token:{_digest(token)}", limiter.authenticated
                )
                return by_token if by_token.remaining < by_ip.remaining else by_ip
        return await self._hit(limiter, f"ip:{ip}", limiter.default)

    @staticmethod
    async def _hit(limiter: RateLimiter, key: str, rate: Rate) -> Decision:
        decision = await limiter.hit(key, rate)
        if not decision.allowed:
            limiter.refused(key.split(":", 1)[0])
        return decision

    @staticmethod
    async def _refuse(send: Send, decision: Decision) -> None:
        import json

        exc = _too_many(decision)
        body = json.dumps(error_body(exc.code, exc.message, exc.details)).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        headers.extend((k.lower().encode(), v.encode()) for k, v in exc.headers.items())
        await send({"type": "http.response.start", "status": 429, "headers": headers})
        await send({"type": "http.response.body", "body": body})


async def enforce_auth_limit(request: Request, email: str) -> None:
    """The strict limit for login, register and password reset: per IP and per email.

    Raises `RateLimited` (429 with `Retry-After` and `RateLimit-*`) when either is exhausted.
    """
    limiter: RateLimiter | None = getattr(_services(request.scope), "rate_limiter", None)
    if limiter is None or not limiter.enabled:
        return
    ip = limiter.proxies.client_ip(request.scope)
    normalized = email.strip().casefold()
    tightest: Decision | None = None
    for name, key in (("auth-ip", ip), ("auth-email", _digest(normalized))):
        decision = await limiter.hit(f"{name}:{key}", limiter.auth)
        if not decision.allowed:
            limiter.refused(name)
            raise _too_many(decision)
        if tightest is None or decision.remaining < tightest.remaining:
            tightest = decision
    if tightest is not None:
        # Shown on the response instead of the general limit's numbers.
        request.state.auth_rate_limit = tightest
