"""Users: profile, preferences, export and deletion."""

from __future__ import annotations

import uuid
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.ext.asyncio import AsyncSession

from mealplanner.core.cache import Cache, meal_plan_prefix, suggestions_key
from mealplanner.core.clock import utcnow
from mealplanner.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from mealplanner.core.jobs import defer_job
from mealplanner.core.storage import DELETE_PREFIX_JOB
from mealplanner.users import export
from mealplanner.users.models import ROLE_ADMIN, User
from mealplanner.users.repository import UserRepository
from mealplanner.users.schemas import Preferences, PreferencesUpdate, UserRead, UserUpdate

EXPORT_FORMAT_VERSION = 1


def normalize_email(email: str) -> str:
    """Lowercase the whole address: users expect Foo@x.com and foo@x.com to be one account."""
    try:
        result = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationFailed(details={"email": "Invalid email address"}) from exc
    return result.normalized.lower()


def ensure_can_access(actor: User, user_id: uuid.UUID) -> None:
    """A user may touch only their own data; an admin may touch anybody's."""
    if actor.id != user_id and not actor.is_admin:
        raise Forbidden("You can only access your own account")


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User:
    user = await UserRepository(session).get(user_id)
    if user is None:
        raise NotFound("User not found")
    return user


async def get_accessible_user(session: AsyncSession, actor: User, user_id: uuid.UUID) -> User:
    ensure_can_access(actor, user_id)
    return actor if actor.id == user_id else await get_user(session, user_id)


async def get_by_email(session: AsyncSession, email: str) -> User | None:
    return await UserRepository(session).get_by_email(email)


async def create_user(
    session: AsyncSession,
    *,
    email: str,
    name: str,
    password_hash: str | None,
    role: str = "user",
) -> User:
    repo = UserRepository(session)
    email = normalize_email(email)
    if await repo.get_by_email(email) is not None:
        raise Conflict("An account with this email already exists", details={"email": "taken"})
    user = User(
        email=email,
        name=name,
        password_hash=password_hash,
        role=role,
        preferences=Preferences().model_dump(mode="json"),
    )
    return await repo.add(user)


async def update_user(session: AsyncSession, user: User, data: UserUpdate) -> User:
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if "email" in changes:
        email = normalize_email(changes["email"])
        other = await UserRepository(session).get_by_email(email)
        if other is not None and other.id != user.id:
            raise Conflict("An account with this email already exists", details={"email": "taken"})
        if email != user.email:
            user.email_verified = False
        changes["email"] = email
    UserRepository(session).update_fields(user, changes)
    user.updated_at = utcnow()
    await session.flush()
    return user


def read_preferences(user: User) -> Preferences:
    return Preferences.model_validate(user.preferences or {})


async def update_preferences(
    session: AsyncSession, cache: Cache, user: User, data: PreferencesUpdate
) -> User:
    current = read_preferences(user).model_dump()
    changes = data.model_dump(exclude_unset=True)
    notifications = changes.pop("notifications", None)
    current.update(changes)
    if notifications:
        current["notifications"].update({k: v for k, v in notifications.items() if v is not None})
    # Re-validate the merged whole so defaults and dedupe rules apply to the result.
    user.preferences = Preferences.model_validate(current).model_dump(mode="json")
    user.updated_at = utcnow()
    await session.flush()
    # Suggestions depend on diets, allergies, dislikes and time limits; cached weeks show
    # per-person nutrition, which depends on the household size.
    await cache.delete(suggestions_key(user.id))
    await cache.delete_prefix(meal_plan_prefix(user.id))
    return user


async def set_role(session: AsyncSession, user: User, role: str) -> User:
    repo = UserRepository(session)
    if user.role == ROLE_ADMIN and role != ROLE_ADMIN and await repo.count_admins() <= 1:
        raise Conflict("Cannot demote the last admin")
    user.role = role
    await session.flush()
    return user


async def export_user(session: AsyncSession, user: User) -> dict[str, Any]:
    """Everything stored about the user, as one JSON-ready document."""
    return {
        "formatVersion": EXPORT_FORMAT_VERSION,
        "exportedAt": utcnow().isoformat(),
        "user": UserRead.model_validate(user).model_dump(mode="json", by_alias=True),
        **await export.collect_sections(session, user.id),
    }


async def delete_user(session: AsyncSession, user: User) -> None:
    """Deletes the user; every table that references users cascades."""
    if user.is_admin and await UserRepository(session).count_admins() <= 1:
        raise Conflict("Cannot delete the last admin")
    await UserRepository(session).delete(user)
    # Their stored files (avatar) go too, once the deletion is committed.
    defer_job(session, DELETE_PREFIX_JOB, {"prefix": f"users/{user.id}/"})
