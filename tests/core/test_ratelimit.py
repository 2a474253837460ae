"""Rate limits: per IP, per user, the strict auth limits, headers, proxies, Redis sharing and
the in-process fallback. Each test builds its own app with small limits (the suite's settings
keep them out of reach) and uses fresh client IPs and emails, so tests never share buckets."""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from mealplanner.app import create_app
from mealplanner.core.config import Settings
from mealplanner.core.http_security import TrustedProxies
from mealplanner.core.ratelimit import MemoryRateLimiter, Rate
from mealplanner.core.state import AppState
from tests.fixtures.backends import DEAD_REDIS, is_postgres
from tests.fixtures.users import register

_ips = itertools.count(1)
_run = os.getpid() % 200


def fresh_ip() -> str:
    n = next(_ips)
    return f"198.{_run}.{n // 250}.{n % 250 + 1}"


@asynccontextmanager
async def limited_app(test_settings: Settings, **overrides: Any) -> AsyncIterator[FastAPI]:
    settings = test_settings.model_copy(
        update={
            "rate_limit_default": "1000/minute",
            "rate_limit_authenticated": "1000/minute",
            "rate_limit_auth": "10/minute",
            **overrides,
        }
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


def client_for(app: FastAPI, ip: str | None = None) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(ip or fresh_ip(), 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://test/api/v1")


def fresh_email() -> str:
    return f"rl-{uuid.uuid4().hex[:10]}@example.com"


def assert_refused(response: httpx.Response, limit: int) -> None:
    assert response.status_code == 429, response.text
    assert response.json()["error"]["code"] == "RATE_LIMITED"
    assert int(response.headers["retry-after"]) >= 1
    assert response.headers["ratelimit-limit"] == str(limit)
    assert response.headers["ratelimit-remaining"] == "0"
    assert int(response.headers["ratelimit-reset"]) >= 1


# -- units -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "limit", "period"),
    [
        ("120/minute", 120, 60),
        ("10 per second", 10, 1),
        ("1000/hour", 1000, 3600),
        ("5/15minutes", 5, 900),
        ("3/days", 3, 86400),
    ],
)
def test_rate_parse(text: str, limit: int, period: float) -> None:
    rate = Rate.parse(text)
    assert rate.limit == limit
    assert rate.period == period


@pytest.mark.parametrize("text", ["", "abc", "0/minute", "10/fortnight", "-1/second"])
def test_rate_parse_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="invalid rate limit"):
        Rate.parse(text)


def test_gcra_burst_then_steady_rate() -> None:
    now = [100.0]
    limiter = MemoryRateLimiter(clock=lambda: now[0])
    rate = Rate(5, 10.0)  # a burst of 5, then one every 2 s
    remaining = [limiter.hit("k", rate).remaining for _ in range(5)]
    assert remaining == [4, 3, 2, 1, 0]
    refused = limiter.hit("k", rate)
    assert not refused.allowed
    assert refused.retry_after == pytest.approx(2.0)
    assert refused.headers()["Retry-After"] == "2"
    now[0] += 2.0
    assert limiter.hit("k", rate).allowed
    assert not limiter.hit("k", rate).allowed
    assert limiter.hit("other", rate).remaining == 4


def test_client_ip_honours_forwarded_for_only_from_trusted_peers() -> None:
    proxies = TrustedProxies(["10.0.0.0/8", "::1/128"])

    def scope(peer: str, xff: str | None = None, proto: str | None = None) -> dict[str, Any]:
        headers = []
        if xff is not None:
            headers.append((b"x-forwarded-for", xff.encode()))
        if proto is not None:
            headers.append((b"x-forwarded-proto", proto.encode()))
        return {"type": "http", "client": (peer, 1), "headers": headers, "scheme": "http"}

    assert proxies.client_ip(scope("203.0.113.9", "1.2.3.4")) == "203.0.113.9"
    assert proxies.client_ip(scope("10.0.0.5", "198.51.100.7")) == "198.51.100.7"
    # A client-written entry left of the real one is ignored; our own proxies are skipped.
    assert proxies.client_ip(scope("10.0.0.5", "6.6.6.6, 198.51.100.7, 10.1.1.1")) == (
        "198.51.100.7"
    )
    assert proxies.client_ip(scope("10.0.0.5")) == "10.0.0.5"
    assert proxies.client_ip(scope("10.0.0.5", "garbage")) == "10.0.0.5"
    assert proxies.client_ip(scope("::1", "2001:db8::7")) == "2001:db8::7"
    assert proxies.scheme(scope("10.0.0.5", proto="https")) == "https"
    assert proxies.scheme(scope("203.0.113.9", proto="https")) == "http"
    assert TrustedProxies().client_ip(scope("10.0.0.5", "1.2.3.4")) == "10.0.0.5"


# -- through the API -----------------------------------------------------------------------------


async def test_eleventh_login_from_one_ip_is_refused(test_settings: Settings) -> None:
    async with limited_app(test_settings) as app, client_for(app) as c:
        for i in range(10):
            response = await c.post(
                "/auth/login", json={"email": fresh_email(), "password": "wrong-password"}
            )
            assert response.status_code == 401
            assert response.headers["ratelimit-limit"] == "10"
            assert response.headers["ratelimit-remaining"] == str(9 - i)
        refused = await c.post(
            "/auth/login", json={"email": fresh_email(), "password": "wrong-password"}
        )
        assert_refused(refused, 10)
        # Registration shares the per-IP auth budget.
        assert_refused(
            await c.post(
                "/auth/register",
                json={"email": fresh_email(), "password": "long-enough-pw", "name": "X"},
            ),
            10,
        )
        # Other routes from the same IP are not affected by the auth limit.
        assert (await c.get("http://test/health")).status_code == 200
        assert (await c.get("/auth/me")).status_code == 401
        services: AppState = app.state.services
        refusals = services.metrics.registry.get_sample_value(
            "mealplanner_rate_limited_total", {"limit": "auth-ip"}
        )
        assert refusals == 2


async def test_per_email_limit_applies_across_ips(test_settings: Settings) -> None:
    async with limited_app(test_settings) as app:
        target = fresh_email()
        for _ in range(10):
            async with client_for(app) as c:
                response = await c.post("/auth/login", json={"email": target, "password": "guess"})
                assert response.status_code == 401
        async with client_for(app) as c:
            # Same address, new IP, any letter case: refused.
            response = await c.post(
                "/auth/login", json={"email": target.upper(), "password": "guess"}
            )
            assert_refused(response, 10)
            other = await c.post("/auth/login", json={"email": fresh_email(), "password": "x"})
            assert other.status_code == 401


async def test_authenticated_calls_are_limited_per_user(test_settings: Settings) -> None:
    async with limited_app(
        test_settings, rate_limit_default="3/minute", rate_limit_authenticated="5/minute"
    ) as app:
        async with client_for(app) as c:
            account = await register(c)  # one anonymous call from this IP
        for i in range(5):
            async with client_for(app) as c:  # a new IP each time: the user is the key
                me = await c.get("/auth/me", headers=account.headers)
                assert me.status_code == 200
                assert me.headers["ratelimit-limit"] == "5"
                assert me.headers["ratelimit-remaining"] == str(4 - i)
        async with client_for(app) as c:
            assert_refused(await c.get("/auth/me", headers=account.headers), 5)
            # Anonymous calls from this IP have their own, smaller budget.
            anonymous = await c.get("/auth/me")
            assert anonymous.status_code == 401
            assert anonymous.headers["ratelimit-limit"] == "3"
            # A forged token is not a fresh bucket: it counts as anonymous.
            forged = account.access_token[:-4] + "AAAA"
            response = await c.get("/auth/me", headers={"Authorization": f"Bearer {forged}"})
            assert response.headers["ratelimit-limit"] == "3"
        async with client_for(app) as c:
            other = await register(c)
            assert (await c.get("/auth/me", headers=other.headers)).status_code == 200


async def test_anonymous_limit_and_exempt_paths(test_settings: Settings) -> None:
    async with limited_app(test_settings, rate_limit_default="2/minute") as app:
        async with client_for(app) as c:
            assert (await c.get("/auth/me")).status_code == 401
            assert (await c.get("/auth/me")).status_code == 401
            refused = await c.get("/auth/me")
            assert_refused(refused, 2)
            for path in ("http://test/health", "http://test/ready", "http://test/metrics"):
                assert (await c.get(path)).status_code == 200
            preflight = await c.options("/auth/me")
            assert preflight.status_code != 429
        async with client_for(app) as c:
            assert (await c.get("/auth/me")).status_code == 401


async def test_forwarded_for_only_from_trusted_proxies(test_settings: Settings) -> None:
    async with limited_app(
        test_settings, rate_limit_default="2/minute", trusted_proxies=["10.0.0.0/8"]
    ) as app:
        async with client_for(app, "10.0.0.5") as proxy:
            for _ in range(2):
                r = await proxy.get("/auth/me", headers={"X-Forwarded-For": "192.0.2.10"})
                assert r.status_code == 401
            blocked = await proxy.get("/auth/me", headers={"X-Forwarded-For": "192.0.2.10"})
            assert blocked.status_code == 429
            # Another client behind the same proxy has its own bucket.
            other = await proxy.get("/auth/me", headers={"X-Forwarded-For": "192.0.2.11"})
            assert other.status_code == 401
        direct_ip = fresh_ip()
        async with client_for(app, direct_ip) as direct:
            # An untrusted peer cannot pick a bucket by writing the header itself.
            for n in range(2):
                r = await direct.get("/auth/me", headers={"X-Forwarded-For": f"192.0.2.{50 + n}"})
                assert r.status_code == 401
            r = await direct.get("/auth/me", headers={"X-Forwarded-For": "192.0.2.99"})
            assert r.status_code == 429


async def test_limits_fall_back_in_process_when_redis_is_unreachable(
    test_settings: Settings,
) -> None:
    async with (
        limited_app(test_settings, redis_url=DEAD_REDIS, rate_limit_default="2/minute") as app,
        client_for(app) as c,
    ):
        assert (await c.get("/auth/me")).status_code == 401
        assert (await c.get("/auth/me")).status_code == 401
        assert_refused(await c.get("/auth/me"), 2)


@pytest.mark.skipif(not is_postgres(), reason="needs Redis (postgres backend)")
async def test_counters_are_shared_through_redis(test_settings: Settings) -> None:
    async with (
        limited_app(test_settings, rate_limit_default="4/minute") as first,
        limited_app(test_settings, rate_limit_default="4/minute") as second,
    ):
        ip = fresh_ip()
        for app in (first, second, first, second):
            async with client_for(app, ip) as c:
                assert (await c.get("/auth/me")).status_code == 401
        for app in (first, second):
            async with client_for(app, ip) as c:
                assert_refused(await c.get("/auth/me"), 4)
