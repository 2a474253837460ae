"""`/admin/*`: every route requires the admin role (403 otherwise)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from mealplanner.admin import service
from mealplanner.admin.schemas import AdminUserRead, AdminUserUpdate, Analytics, Role, SystemHealth
from mealplanner.auth.dependencies import AdminUser, require_admin
from mealplanner.core.clock import utcnow
from mealplanner.core.dependencies import SessionDep, StateDep
from mealplanner.core.openapi import errors
from mealplanner.core.pagination import Pagination, make_page
from mealplanner.core.schemas import Page

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)])

ADMIN_ERRORS = errors(401, 403)


@router.get("/users", responses=errors(400, 401, 403))
async def list_users(
    session: SessionDep,
    page: Pagination,
    q: Annotated[str | None, Query(max_length=100, description="Email or name contains")] = None,
    role: Annotated[Role | None, Query()] = None,
    disabled: Annotated[bool | None, Query()] = None,
) -> Page[AdminUserRead]:
    users, total = await service.list_users(session, q=q, role=role, disabled=disabled, params=page)
    return make_page([AdminUserRead.model_validate(u) for u in users], total, page)


@router.patch("/users/{userId}", responses=errors(400, 401, 403, 404, 409))
async def update_user(
    user_id: Annotated[uuid.UUID, Path(alias="userId")],
    body: AdminUserUpdate,
    actor: AdminUser,
    session: SessionDep,
) -> AdminUserRead:
    return AdminUserRead.model_validate(await service.update_user(session, actor, user_id, body))


@router.get("/analytics", responses=errors(400, 401, 403))
async def analytics(
    session: SessionDep,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: Annotated[date | None, Query()] = None,
    top: Annotated[int, Query(ge=1, le=50)] = 10,
) -> Analytics:
    """Per-day counts (UTC days); defaults to the last 30 days."""
    end = to or utcnow().date()
    start = from_ or end - timedelta(days=29)
    return await service.analytics(session, start=start, end=end, top=top)


@router.get("/health", responses=ADMIN_ERRORS)
async def health(session: SessionDep, state: StateDep) -> SystemHealth:
    return await service.health(session, state)
