"""Password reset: an emailed, single-use, 30-minute token; using it ends every session.

Requesting a reset answers the same way whether or not the account exists, and does the
same kind of work (the email goes out from a background job), so neither the response nor
its timing tells an attacker which addresses have accounts.
"""

from __future__ import annotations

from datetime import timedelta

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mealplanner.auth.password_reset.models import PasswordResetToken
from mealplanner.auth.repository import SessionRepository
from mealplanner.core.clock import utcnow
from mealplanner.core.errors import ValidationFailed
from mealplanner.core.security import hash_token, new_opaque_token
from mealplanner.core.state import AppState
from mealplanner.notifications import service as notification_service
from mealplanner.users import service as user_service
from mealplanner.users.models import User

log = structlog.get_logger("mealplanner.auth")

RESET_TTL = timedelta(minutes=30)
RESET_TOKEN_PREFIX = "mprt_"
INVALID_TOKEN = "This reset link is invalid or has expired"


async def request_reset(session: AsyncSession, state: AppState, email: str) -> None:
    try:
        normalized = user_service.normalize_email(email)
    except ValidationFailed:
        return
    user = await user_service.get_by_email(session, normalized)
    if user is None or user.disabled:
        log.info("password_reset_unknown_email")
        return
    now = utcnow()
    # A new link replaces any earlier one that was not used.
    await session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
    )
    token = new_opaque_token(RESET_TOKEN_PREFIX)
    session.add(
        PasswordResetToken(
            user_id=user.id,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=now + RESET_TTL,
        )
    )
    await session.flush()
    base = state.settings.public_base_url.rstrip("/")
    notification_service.queue_email(
        session,
        user.id,
        notification_service.PASSWORD_RESET,
        {
            "reset_url": f"{base}/reset-password?token={token}",
            "ttl_minutes": int(RESET_TTL.total_seconds() // 60),
        },
    )
    log.info("password_reset_requested", userId=str(user.id))


async def reset_password(
    session: AsyncSession, state: AppState, *, token: str, new_password: str
) -> User:
    """Sets the new password and revokes every session; the token works once."""
    invalid = ValidationFailed(INVALID_TOKEN, details={"token": "invalid or expired"})
    now = utcnow()
    stored = (
        await session.execute(
            select(PasswordResetToken).where(PasswordResetToken.token_hash == hash_token(token))
        )
    ).scalar_one_or_none()
    if stored is None or stored.used_at is not None or stored.expires_at <= now:
        raise invalid
    # Claim atomically: of two concurrent uses, only one updates the row.
    claimed = await session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.id == stored.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        raise invalid
    user = await session.get(User, stored.user_id)
    if user is None or user.disabled:
        raise invalid
    user.password_hash = await state.passwords.hash(new_password)
    user.updated_at = now
    await SessionRepository(session).revoke_all_for_user(user.id, now, "password_reset")
    await session.flush()
    log.info("password_reset_completed", userId=str(user.id))
    return user
