"""Typed application state, built once in the lifespan and shared by every request."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis

from mealplanner.core.config import Settings
from mealplanner.core.db import Database
from mealplanner.core.security import PasswordHashing, TokenCodec


@dataclass
class AppState:
    settings: Settings
    db: Database
    passwords: PasswordHashing
    tokens: TokenCodec
    redis: Redis | None = None
    extras: dict[str, Any] = field(default_factory=dict)
