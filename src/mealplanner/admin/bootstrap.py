"""Creating the first admin from the command line."""

from __future__ import annotations

from mealplanner.core.config import Settings
from mealplanner.core.db import Database
from mealplanner.core.errors import ValidationFailed
from mealplanner.core.security import PasswordHashing
from mealplanner.users import service as user_service
from mealplanner.users.models import ROLE_ADMIN


async def ensure_admin(settings: Settings, *, email: str, name: str, password: str) -> bool:
    """Creates an admin or promotes an existing account; True when a user was created."""
    try:
        normalized = user_service.normalize_email(email)
    except ValidationFailed as exc:
        raise ValueError("invalid email address") from exc
    db = Database(settings)
    hashing = PasswordHashing(settings)
    try:
        async with db.session() as session:
            user = await user_service.get_by_email(session, normalized)
            if user is None:
                if not 8 <= len(password) <= 128:
                    raise ValueError("password must be 8 to 128 characters")
                await user_service.create_user(
                    session,
                    email=normalized,
                    name=name,
                    password_hash=await hashing.hash(password),
                    role=ROLE_ADMIN,
                )
                return True
            user.role = ROLE_ADMIN
            if password:
                if not 8 <= len(password) <= 128:
                    raise ValueError("password must be 8 to 128 characters")
                user.password_hash = await hashing.hash(password)
            return False
    finally:
        await db.dispose()
