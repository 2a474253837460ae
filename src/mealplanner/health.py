"""Load-balancer checks: `/health` (process alive) and `/ready` (dependencies reachable)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from mealplanner import __version__
from mealplanner.core.dependencies import StateDep

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


@router.get("/ready", responses={503: {"description": "A dependency is unreachable"}})
async def ready(state: StateDep) -> JSONResponse:
    checks: dict[str, Any] = {}
    try:
        await asyncio.wait_for(state.db.ping(), timeout=2)
        checks["database"] = "ok"
    except Exception:
        checks["database"] = "unreachable"
    if state.redis is not None:
        try:
            await asyncio.wait_for(state.redis.ping(), timeout=1)
            checks["redis"] = "ok"
        except Exception:
            checks["redis"] = "unreachable"
    healthy = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status_code=200 if healthy else 503,
    )
