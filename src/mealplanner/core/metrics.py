"""Prometheus metrics: HTTP traffic by route template, cache, database, Redis circuit, business.

Every app owns a `Metrics` with its own `CollectorRegistry` (tests build several apps in one
process; the global registry would refuse the duplicate names). `GET /metrics` serves it in the
text format, behind a bearer token when `MEALPLANNER_METRICS_TOKEN` is set.

Routes are labelled by their template (`/api/v1/recipes/{recipeId}`), never the raw path, and
unmatched paths share one `<unmatched>` label, so cardinality stays bounded.

Business counters are plain functions (`record_registration()`), so services need no handle
on the app: the metrics middleware puts the app's `Metrics` in a context variable for the
request, and a worker process calls `Metrics.activate()` once.

Several worker processes (`mealplanner serve --workers N`): set `PROMETHEUS_MULTIPROC_DIR` to
an empty directory writable by the server (wiped at each start); each process then writes its
samples there and `/metrics` aggregates all of them. Without it, each worker reports only its
own numbers and a scrape sees whichever worker answered.
"""

from __future__ import annotations

import os
import time
from contextvars import ContextVar
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mealplanner.core.circuit import CircuitState
from mealplanner.core.errors import Unauthorized
from mealplanner.core.security import constant_time_equals

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_DB_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0)
_CIRCUIT_VALUES = {CircuitState.CLOSED: 0, CircuitState.HALF_OPEN: 1, CircuitState.OPEN: 2}
_SQL_VERBS = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "WITH"})
UNMATCHED = "<unmatched>"


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "mealplanner_http_requests_total",
            "HTTP requests by route template and status class",
            ["method", "route", "status_class"],
            registry=r,
        )
        self.latency = Histogram(
            "mealplanner_http_request_duration_seconds",
            "HTTP request latency by route template",
            ["method", "route"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.errors = Counter(
            "mealplanner_http_errors_total",
            "HTTP responses with status >= 400, by route template and status class",
            ["method", "route", "status_class"],
            registry=r,
        )
        self.in_flight = Gauge(
            "mealplanner_http_requests_in_flight",
            "Requests being served",
            registry=r,
            multiprocess_mode="livesum",
        )
        self.cache_hits = Counter(
            "mealplanner_cache_hits_total", "Cache hits", ["cache"], registry=r
        )
        self.cache_misses = Counter(
            "mealplanner_cache_misses_total", "Cache misses", ["cache"], registry=r
        )
        self.cache_errors = Counter(
            "mealplanner_cache_errors_total",
            "Cache calls that failed or were skipped because the circuit is open",
            ["cache"],
            registry=r,
        )
        self.db_query = Histogram(
            "mealplanner_db_query_duration_seconds",
            "SQL statement duration by verb",
            ["operation"],
            buckets=_DB_BUCKETS,
            registry=r,
        )
        self.circuit_state = Gauge(
            "mealplanner_circuit_state",
            "Circuit breaker state: 0 closed, 1 half-open, 2 open",
            ["circuit"],
            registry=r,
            multiprocess_mode="max",
        )
        self.circuit_transitions = Counter(
            "mealplanner_circuit_transitions_total",
            "Circuit breaker state changes",
            ["circuit", "state"],
            registry=r,
        )
        self.rate_limited = Counter(
            "mealplanner_rate_limited_total",
            "Requests refused with 429, by limit",
            ["limit"],
            registry=r,
        )
        self.meals_planned = Counter(
            "mealplanner_meals_planned_total", "Meals added to a plan", registry=r
        )
        self.recipes_favorited = Counter(
            "mealplanner_recipes_favorited_total", "Recipes marked as favorite", registry=r
        )
        self.shopping_lists_generated = Counter(
            "mealplanner_shopping_lists_generated_total", "Shopping lists generated", registry=r
        )
        self.registrations = Counter(
            "mealplanner_registrations_total", "User registrations", registry=r
        )

    # -- wiring -------------------------------------------------------------------------------

    def activate(self) -> None:
        """Make this the process default for the `record_*` functions (workers, CLI)."""
        global _default
        _default = self

    def track_circuit(self, name: str, state: CircuitState) -> None:
        self.circuit_state.labels(circuit=name).set(_CIRCUIT_VALUES[state])
        self.circuit_transitions.labels(circuit=name, state=state.value).inc()

    def instrument_engine(self, engine: AsyncEngine) -> None:
        """Time every SQL statement through the engine's cursor events."""
        histogram = self.db_query

        def before(
            _conn: Any, _cursor: Any, _statement: str, _params: Any, context: Any, _many: bool
        ) -> None:
            if context is not None:
                context._mealplanner_started = time.perf_counter()

        def after(
            _conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool
        ) -> None:
            started = getattr(context, "_mealplanner_started", None)
            if started is not None:
                histogram.labels(operation=_sql_verb(statement)).observe(
                    time.perf_counter() - started
                )

        event.listen(engine.sync_engine, "before_cursor_execute", before)
        event.listen(engine.sync_engine, "after_cursor_execute", after)

    # -- observations ---------------------------------------------------------------------

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        status_class = f"{status // 100}xx"
        self.requests.labels(method, route, status_class).inc()
        self.latency.labels(method, route).observe(seconds)
        if status >= 400:
            self.errors.labels(method, route, status_class).inc()

    def render(self) -> bytes:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return generate_latest(registry)
        return generate_latest(self.registry)


def _sql_verb(statement: str) -> str:
    verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
    return verb if verb in _SQL_VERBS else "OTHER"


# -- business counters, callable from any service ---------------------------------------------

_current: ContextVar[Metrics | None] = ContextVar("mealplanner_metrics", default=None)
_default: Metrics | None = None


def current_metrics() -> Metrics | None:
    return _current.get() or _default


def record_meal_planned(count: int = 1) -> None:
    if (m := current_metrics()) is not None:
        m.meals_planned.inc(count)


def record_recipe_favorited() -> None:
    if (m := current_metrics()) is not None:
        m.recipes_favorited.inc()


def record_shopping_list_generated() -> None:
    if (m := current_metrics()) is not None:
        m.shopping_lists_generated.inc()


def record_registration() -> None:
    if (m := current_metrics()) is not None:
        m.registrations.inc()


# -- HTTP ---------------------------------------------------------------------------------------


def _route_template(scope: Scope) -> str:
    # FastAPI >= 0.16x resolves included routers lazily: `scope["route"]` is then the router's
    # own route (path relative to its prefix) and the full template lives in FastAPI's
    # effective route context.
    fastapi_scope = scope.get("fastapi")
    effective = fastapi_scope.get("effective_route_context") if fastapi_scope else None
    template = getattr(effective, "path_format", None)
    if not template:
        route = scope.get("route")
        template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return str(template) if template else UNMATCHED


def _app_metrics(scope: Scope) -> Metrics | None:
    app = scope.get("app")
    services = getattr(getattr(app, "state", None), "services", None)
    metrics = getattr(services, "metrics", None)
    return metrics if isinstance(metrics, Metrics) else None


class MetricsMiddleware:
    """Counts and times every HTTP request; binds the app's metrics for `record_*` calls."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        metrics = _app_metrics(scope) if scope["type"] == "http" else None
        if metrics is None:
            await self.app(scope, receive, send)
            return
        token = _current.set(metrics)
        status = 500
        started = time.perf_counter()

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        metrics.in_flight.inc()
        try:
            await self.app(scope, receive, send_with_status)
        finally:
            metrics.in_flight.dec()
            metrics.observe_request(
                scope["method"], _route_template(scope), status, time.perf_counter() - started
            )
            _current.reset(token)


router = APIRouter(include_in_schema=False)


@router.get("/metrics")
async def metrics_endpoint(request: Request) -> Response:
    services = request.app.state.services
    expected = services.settings.metrics_token
    if expected is not None:
        supplied = request.headers.get("authorization", "")
        scheme, _, token = supplied.partition(" ")
        if scheme.lower() != "bearer" or not constant_time_equals(
            token, expected.get_secret_value()
        ):
            raise Unauthorized()
    return Response(services.metrics.render(), media_type=CONTENT_TYPE_LATEST)
