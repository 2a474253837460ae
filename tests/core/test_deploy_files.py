"""Docker is not available here: check the deployment files' structure instead."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def test_compose_services() -> None:
    services = _compose()["services"]
    assert {"api1", "api2", "worker", "postgres", "redis", "lb", "migrate"} <= set(services)
    assert services["postgres"]["image"].startswith("postgres:15")
    assert services["redis"]["image"].startswith("redis:7")
    for name in ("api1", "api2"):
        api = services[name]
        assert api["command"][:2] == ["mealplanner", "serve"]
        assert api["environment"]["MEALPLANNER_REDIS_URL"].startswith("redis://redis:")
        assert api["environment"]["MEALPLANNER_ENV"] == "production"
        assert "healthcheck" in api
        assert api["stop_grace_period"] == "35s"  # > uvicorn's 30 s drain
        assert api["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["worker"]["command"] == ["mealplanner", "worker"]
    lb = services["lb"]
    assert "./deploy/haproxy.cfg" in lb["volumes"][0]
    proxy_ip = lb["networks"]["backend"]["ipv4_address"]
    trusted = services["api1"]["environment"]["MEALPLANNER_TRUSTED_PROXIES"]
    assert trusted == f"{proxy_ip}/32"
    # Jobs share Redis: eviction must never pick keys without a TTL.
    assert "volatile-lru" in services["redis"]["command"]


def test_haproxy_checks_health_and_balances_both_apis() -> None:
    cfg = (ROOT / "deploy" / "haproxy.cfg").read_text()
    assert "http-check send meth GET uri /health" in cfg
    assert "server api1 api1:8000 check" in cfg
    assert "server api2 api2:8000 check" in cfg
    assert "option forwardfor" in cfg
    assert "fall 2" in cfg


def test_dockerfile_is_multi_stage_non_root_and_locked() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert text.count("FROM ") >= 2
    assert "--require-hashes -r requirements.lock" in text
    assert "USER mealplanner" in text
    assert "HEALTHCHECK" in text
    assert "/health" in text
    assert '"serve", "--host", "0.0.0.0"' in text
