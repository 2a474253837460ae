from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from mealplanner.core.schemas import CamelModel, InputModel

Role = Literal["user", "admin"]


class AdminUserRead(CamelModel):
    id: uuid.UUID
    email: str
    name: str
    role: str
    disabled: bool
    email_verified: bool
    created_at: datetime
    last_login_at: datetime | None = None


class AdminUserUpdate(InputModel):
    role: Role | None = None
    disabled: bool | None = None


class DailyCounts(CamelModel):
    date: date
    registrations: int = 0
    active_users: int = 0
    meals_planned: int = 0
    recipes_favorited: int = 0
    shopping_lists_generated: int = 0


class TopRecipe(CamelModel):
    recipe_id: uuid.UUID
    title: str | None
    times_planned: int


class AnalyticsTotals(CamelModel):
    registrations: int
    active_users: int
    meals_planned: int
    recipes_favorited: int
    shopping_lists_generated: int


class Analytics(CamelModel):
    from_: date
    to: date
    totals: AnalyticsTotals
    daily: list[DailyCounts]
    top_recipes: list[TopRecipe]


class ComponentHealth(CamelModel):
    status: Literal["ok", "unreachable", "disabled"]
    detail: str | None = None
    latency_ms: float | None = None


class SchedulerHealth(CamelModel):
    last_run_at: datetime | None
    details: dict[str, object] = {}


class QueueHealth(CamelModel):
    backend: Literal["redis", "in-process"]
    depth: int | None


class SystemHealth(CamelModel):
    status: Literal["ok", "degraded"]
    version: str
    database: ComponentHealth
    redis: ComponentHealth
    storage: ComponentHealth
    queue: QueueHealth
    scheduler: SchedulerHealth
