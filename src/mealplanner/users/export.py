"""Data export: every domain that stores user data contributes a section.

Domains register a provider when their module is imported (the app factory imports all
routers), so the users domain never has to know about recipes or meal plans.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

ExportProvider = Callable[[AsyncSession, uuid.UUID], Awaitable[Any]]
_providers: dict[str, ExportProvider] = {}


def register_export_section(name: str, provider: ExportProvider) -> None:
    _providers[name] = provider


async def collect_sections(session: AsyncSession, user_id: uuid.UUID) -> dict[str, Any]:
    return {name: await provider(session, user_id) for name, provider in sorted(_providers.items())}
