"""`/metrics`: route-template labels, errors, DB timings, business counters, the optional token;
and trace ids (W3C `traceparent`) in responses and log lines."""

from __future__ import annotations

import io
import json
import logging
import re
import uuid

import httpx
from fastapi import FastAPI
from pydantic import SecretStr

from mealplanner.app import create_app
from mealplanner.core import metrics as metrics_module
from mealplanner.core.config import Settings
from mealplanner.core.state import AppState
from mealplanner.core.tracing import parse_traceparent
from tests.fixtures.users import Account, register

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def sample(state: AppState, name: str, labels: dict[str, str] | None = None) -> float:
    return state.metrics.registry.get_sample_value(name, labels or {}) or 0.0


async def test_requests_are_labelled_by_route_template(
    client: httpx.AsyncClient, state: AppState, user: Account
) -> None:
    route = "/api/v1/recipes/{recipeId}"
    labels = {"method": "GET", "route": route, "status_class": "4xx"}
    before = sample(state, "mealplanner_http_requests_total", labels)
    errors_before = sample(state, "mealplanner_http_errors_total", labels)
    for _ in range(3):
        response = await client.get(f"/recipes/{uuid.uuid4()}", headers=user.headers)
        assert response.status_code == 404
    assert sample(state, "mealplanner_http_requests_total", labels) == before + 3
    assert sample(state, "mealplanner_http_errors_total", labels) == errors_before + 3
    count = sample(
        state,
        "mealplanner_http_request_duration_seconds_count",
        {"method": "GET", "route": route},
    )
    assert count >= 3

    await client.get("/definitely/not/a/route")
    text = (await client.get("http://test/metrics")).text
    assert 'route="<unmatched>"' in text
    assert "/definitely/not/a/route" not in text
    routes = re.findall(r'route="([^"]*)"', text)
    assert route in routes
    assert not [r for r in routes if _UUID.search(r)]  # never a raw id


async def test_metrics_exposition(client: httpx.AsyncClient, state: AppState) -> None:
    await client.get("http://test/health")
    response = await client.get("http://test/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    body = response.text
    for name in (
        "mealplanner_http_requests_total",
        "mealplanner_http_request_duration_seconds_bucket",
        "mealplanner_db_query_duration_seconds",
        "mealplanner_cache_hits_total",
        "mealplanner_registrations_total",
        "mealplanner_meals_planned_total",
        "mealplanner_recipes_favorited_total",
        "mealplanner_shopping_lists_generated_total",
    ):
        assert name in body
    if state.redis is not None:
        assert 'mealplanner_circuit_state{circuit="redis"} 0.0' in body
    # /metrics is not part of the public API.
    assert (await client.get("/metrics")).status_code == 404


async def test_database_queries_are_timed(client: httpx.AsyncClient, state: AppState) -> None:
    labels = {"operation": "INSERT"}
    before = sample(state, "mealplanner_db_query_duration_seconds_count", labels)
    await register(client)
    assert sample(state, "mealplanner_db_query_duration_seconds_count", labels) > before
    assert sample(state, "mealplanner_db_query_duration_seconds_sum", labels) > 0


async def test_business_counters(client: httpx.AsyncClient, state: AppState) -> None:
    before = sample(state, "mealplanner_registrations_total")
    await register(client)
    await register(client)
    assert sample(state, "mealplanner_registrations_total") == before + 2
    # Outside any request (e.g. in a worker before `activate()`), the calls are harmless no-ops
    # unless a process default is set.
    metrics_module.record_meal_planned()
    state.metrics.activate()
    try:
        planned = sample(state, "mealplanner_meals_planned_total")
        metrics_module.record_meal_planned(3)
        metrics_module.record_recipe_favorited()
        metrics_module.record_shopping_list_generated()
        assert sample(state, "mealplanner_meals_planned_total") == planned + 3
        assert sample(state, "mealplanner_recipes_favorited_total") >= 1
        assert sample(state, "mealplanner_shopping_lists_generated_total") >= 1
    finally:
        metrics_module._default = None


async def test_two_apps_keep_separate_registries(
    test_settings: Settings, state: AppState, app: FastAPI
) -> None:
    other = create_app(test_settings)
    async with other.router.lifespan_context(other):
        other_state: AppState = other.state.services
        assert other_state.metrics.registry is not state.metrics.registry
        transport = httpx.ASGITransport(app=other)
        async with httpx.AsyncClient(transport=transport, base_url="http://t/api/v1") as c:
            before = sample(state, "mealplanner_registrations_total")
            await register(c)
            assert sample(other_state, "mealplanner_registrations_total") == 1
            assert sample(state, "mealplanner_registrations_total") == before


async def test_metrics_token(test_settings: Settings) -> None:
    app = create_app(
        test_settings.model_copy(update={"metrics_token": SecretStr("scrape-secret-123")})
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            assert (await c.get("/metrics")).status_code == 401
            wrong = await c.get("/metrics", headers={"Authorization": "Bearer nope"})
            assert wrong.status_code == 401
            assert wrong.json()["error"]["code"] == "UNAUTHORIZED"
            ok = await c.get("/metrics", headers={"Authorization": "Bearer scrape-secret-123"})
            assert ok.status_code == 200
            assert "mealplanner_http_requests_total" in ok.text


# -- tracing -------------------------------------------------------------------------------


def test_parse_traceparent() -> None:
    trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    assert parse_traceparent(f"00-{trace}-00f067aa0ba902b7-01") == (trace, "01")
    assert parse_traceparent(f"00-{trace.upper()}-00f067aa0ba902b7-00") == (trace, "00")
    for bad in (
        None,
        "",
        "garbage",
        f"00-{'0' * 32}-00f067aa0ba902b7-01",
        f"00-{trace}-{'0' * 16}-01",
        f"ff-{trace}-00f067aa0ba902b7-01",
        f"00-{trace}-00f067aa0ba902b7-01-extra",
    ):
        assert parse_traceparent(bad) is None


async def test_trace_id_is_propagated_and_logged(client: httpx.AsyncClient) -> None:
    root = logging.getLogger()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(root.handlers[0].formatter)
    root.addHandler(handler)
    incoming = "4bf92f3577b34da6a3ce929d0e0e4736"
    try:
        continued = await client.get(
            "http://test/health",
            headers={"traceparent": f"00-{incoming}-00f067aa0ba902b7-01"},
        )
        fresh = await client.get("http://test/health")
    finally:
        root.removeHandler(handler)
    echoed = parse_traceparent(continued.headers["traceparent"])
    assert echoed == (incoming, "01")
    assert not continued.headers["traceparent"].endswith("00f067aa0ba902b7-01")  # our own span
    generated = parse_traceparent(fresh.headers["traceparent"])
    assert generated is not None
    assert generated[0] != incoming
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("event") == "request"]
    assert {line["traceId"] for line in requests} == {incoming, generated[0]}
