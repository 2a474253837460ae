"""OpenAPI helpers: declared error responses and stable operation ids."""

from __future__ import annotations

from typing import Any

from fastapi.routing import APIRoute

from mealplanner.core.schemas import CamelModel

_DESCRIPTIONS = {
    400: "Validation error",
    401: "Missing, invalid or expired credentials",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict",
    413: "Request body too large",
    429: "Rate limited",
    503: "Service unavailable",
}


class ErrorInfo(CamelModel):
    code: str
    message: str
    details: dict[str, Any]


class ErrorEnvelope(CamelModel):
    error: ErrorInfo


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {
        code: {"model": ErrorEnvelope, "description": _DESCRIPTIONS.get(code, "Error")}
        for code in codes
    }


def operation_id(route: APIRoute) -> str:
    """`recipes_list`-style ids: tag + function name, stable across refactors of paths."""
    tag = str(route.tags[0]) if route.tags else "default"
    return f"{tag}_{route.name}"
