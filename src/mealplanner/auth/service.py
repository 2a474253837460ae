"""Registration, login, token refresh with reuse detection, logout and API tokens."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mealplanner.auth.models import ApiToken, AuthSession, RefreshToken
from mealplanner.auth.repository import (
    ApiTokenRepository,
    RefreshTokenRepository,
    SessionRepository,
)
from mealplanner.core.clock import utcnow
from mealplanner.core.errors import NotFound, Unauthorized, ValidationFailed
from mealplanner.core.metrics import record_registration
from mealplanner.core.security import (
    API_TOKEN_PREFIX,
    REFRESH_TOKEN_PREFIX,
    hash_token,
    new_opaque_token,
)
from mealplanner.core.state import AppState
from mealplanner.notifications import service as notification_service
from mealplanner.users import service as user_service
from mealplanner.users.models import User

# One message for every credential failure, so responses never reveal which part was wrong.
BAD_CREDENTIALS = "Invalid email or password"
BAD_REFRESH = "Invalid or expired refresh token"


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    user: User
    access_token: str
    refresh_token: str
    expires_in: int


@dataclass(frozen=True, slots=True)
class AuthContext:
    """Who is calling, and through which credential."""

    user: User
    session_id: uuid.UUID | None = None
    jti: str | None = None
    api_token_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class ClientInfo:
    user_agent: str | None = None
    ip_address: str | None = None


async def _issue(
    session: AsyncSession, state: AppState, user: User, auth_session: AuthSession
) -> IssuedTokens:
    now = utcnow()
    refresh = new_opaque_token(REFRESH_TOKEN_PREFIX)
    await RefreshTokenRepository(session).add(
        RefreshToken(
            session_id=auth_session.id,
            token_hash=hash_token(refresh),
            expires_at=now + timedelta(days=state.settings.refresh_token_ttl_days),
        )
    )
    access, claims = state.tokens.issue_access_token(
        user_id=user.id, email=user.email, role=user.role, session_id=auth_session.id, now=now
    )
    return IssuedTokens(
        user=user,
        access_token=access,
        refresh_token=refresh,
        expires_in=int((claims.expires_at - claims.issued_at).total_seconds()),
    )


async def _start_session(
    session: AsyncSession, state: AppState, user: User, client: ClientInfo
) -> IssuedTokens:
    auth_session = await SessionRepository(session).add(
        AuthSession(
            user_id=user.id,
            user_agent=(client.user_agent or "")[:255] or None,
            ip_address=client.ip_address,
        )
    )
    return await _issue(session, state, user, auth_session)


async def register(
    session: AsyncSession,
    state: AppState,
    *,
    email: str,
    password: str,
    name: str,
    client: ClientInfo,
) -> IssuedTokens:
    password_hash = await state.passwords.hash(password)
    user = await user_service.create_user(
        session, email=email, name=name, password_hash=password_hash
    )
    # Goes out after the registration commits (and never if it rolls back).
    notification_service.queue_email(
        session, user.id, notification_service.WELCOME, key=f"welcome:{user.id}"
    )
    record_registration()
    return await _start_session(session, state, user, client)


async def login(
    session: AsyncSession, state: AppState, *, email: str, password: str, client: ClientInfo
) -> IssuedTokens:
    try:
        normalized = user_service.normalize_email(email)
    except ValidationFailed:
        normalized = None
    user = await user_service.get_by_email(session, normalized) if normalized else None
    # Always run one argon2 verification (against a dummy hash for unknown emails) so the
    # response time does not reveal whether the account exists.
    ok = await state.passwords.verify(user.password_hash if user else None, password)
    if user is None or not ok or user.disabled:
        raise Unauthorized(BAD_CREDENTIALS)
    assert user.password_hash is not None
    if state.passwords.needs_rehash(user.password_hash):
        user.password_hash = await state.passwords.hash(password)
    user.last_login_at = utcnow()
    return await _start_session(session, state, user, client)


async def refresh(session: AsyncSession, state: AppState, refresh_token: str) -> IssuedTokens:
    now = utcnow()
    tokens = RefreshTokenRepository(session)
    sessions = SessionRepository(session)
    stored = await tokens.get_by_hash(hash_token(refresh_token))
    if stored is None:
        raise Unauthorized(BAD_REFRESH)
    auth_session = await sessions.get(stored.session_id)
    if auth_session is None or auth_session.revoked_at is not None:
        raise Unauthorized(BAD_REFRESH)
    if stored.used_at is not None or not await tokens.mark_used(stored.id, now):
        # A refresh token presented twice means it leaked: kill the whole family, and keep
        # that revocation even though this request fails.
        await sessions.revoke(auth_session.user_id, auth_session.id, now, "refresh_token_reuse")
        await session.commit()
        for hook in state.commit_hooks:  # the request fails, so get_session will not run them
            await hook(session)
        raise Unauthorized(BAD_REFRESH)
    if stored.expires_at <= now:
        raise Unauthorized(BAD_REFRESH)
    user = await user_service.get_user(session, auth_session.user_id)
    if user.disabled:
        raise Unauthorized(BAD_REFRESH)
    auth_session.last_used_at = now
    return await _issue(session, state, user, auth_session)


async def logout(session: AsyncSession, ctx: AuthContext) -> None:
    """Revokes the caller's session: its refresh tokens and its access tokens stop working."""
    if ctx.session_id is not None:
        await SessionRepository(session).revoke(ctx.user.id, ctx.session_id, utcnow(), "logout")


async def revoke_all_sessions(session: AsyncSession, user_id: uuid.UUID, reason: str) -> None:
    """Ends every sign-in of the user (admin disable, password reset)."""
    await SessionRepository(session).revoke_all_for_user(user_id, utcnow(), reason)


async def authenticate(session: AsyncSession, state: AppState, token: str) -> AuthContext:
    """Resolves a bearer credential (JWT access token or personal API token)."""
    now = utcnow()
    if token.startswith(API_TOKEN_PREFIX):
        api_token = await ApiTokenRepository(session).get_by_hash(hash_token(token))
        if (
            api_token is None
            or api_token.revoked_at is not None
            or (api_token.expires_at is not None and api_token.expires_at <= now)
        ):
            raise Unauthorized("Invalid API token")
        user = await session.get(User, api_token.user_id)
        if user is None or user.disabled:
            raise Unauthorized("Invalid API token")
        # Throttle the bookkeeping write to once a minute per token.
        if api_token.last_used_at is None or now - api_token.last_used_at > timedelta(minutes=1):
            api_token.last_used_at = now
        return AuthContext(user=user, api_token_id=api_token.id)

    claims = state.tokens.decode_access_token(token)
    if claims.session_id is None:
        raise Unauthorized("Invalid access token")
    # One round trip for the sign-in session and its user, on every authenticated request.
    row = (
        await session.execute(
            select(AuthSession, User)
            .join(User, User.id == AuthSession.user_id)
            .where(AuthSession.id == claims.session_id)
        )
    ).first()
    if row is None or row[0].revoked_at is not None or row[0].user_id != claims.user_id:
        raise Unauthorized("Session has been revoked")
    user = row[1]
    if user.disabled:
        raise Unauthorized("Invalid access token")
    return AuthContext(user=user, session_id=claims.session_id, jti=claims.jti)


async def change_password(
    session: AsyncSession,
    state: AppState,
    *,
    actor: AuthContext,
    user: User,
    current_password: str | None,
    new_password: str,
) -> None:
    """Sets a new password and revokes every other session of the user."""
    acting_on_self = actor.user.id == user.id
    must_verify = acting_on_self or current_password is not None
    if must_verify and (
        not current_password
        or not await state.passwords.verify(user.password_hash, current_password)
    ):
        raise ValidationFailed(
            "Current password is incorrect",
            details={"currentPassword": "Current password is incorrect"},
        )
    user.password_hash = await state.passwords.hash(new_password)
    user.updated_at = utcnow()
    keep = actor.session_id if acting_on_self else None
    await SessionRepository(session).revoke_all_for_user(
        user.id, utcnow(), "password_changed", keep=keep
    )


async def create_api_token(
    session: AsyncSession, user: User, *, name: str, expires_in_days: int | None
) -> tuple[ApiToken, str]:
    token = new_opaque_token(API_TOKEN_PREFIX)
    now = utcnow()
    api_token = await ApiTokenRepository(session).add(
        ApiToken(
            user_id=user.id,
            name=name,
            token_hash=hash_token(token),
            token_prefix=token[: len(API_TOKEN_PREFIX) + 6],
            created_at=now,
            expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
        )
    )
    return api_token, token


async def list_api_tokens(session: AsyncSession, user: User) -> Sequence[ApiToken]:
    return await ApiTokenRepository(session).list_active(user.id, utcnow())


async def revoke_api_token(session: AsyncSession, user: User, token_id: uuid.UUID) -> None:
    api_token = await ApiTokenRepository(session).get(token_id)
    if api_token is None or api_token.user_id != user.id or api_token.revoked_at is not None:
        raise NotFound("API token not found")
    api_token.revoked_at = utcnow()


async def export_sessions(session: AsyncSession, user_id: uuid.UUID) -> dict[str, object]:
    """The user's sign-ins and API tokens (metadata only; secrets are never stored)."""
    from sqlalchemy import select

    sessions = (
        await session.execute(
            select(AuthSession)
            .where(AuthSession.user_id == user_id)
            .order_by(AuthSession.created_at)
        )
    ).scalars()
    api_tokens = (
        await session.execute(select(ApiToken).where(ApiToken.user_id == user_id))
    ).scalars()
    return {
        "sessions": [
            {
                "id": str(s.id),
                "createdAt": s.created_at.isoformat(),
                "lastUsedAt": s.last_used_at.isoformat(),
                "revokedAt": s.revoked_at.isoformat() if s.revoked_at else None,
                "userAgent": s.user_agent,
                "ipAddress": s.ip_address,
            }
            for s in sessions
        ],
        "apiTokens": [
            {
                "id": str(t.id),
                "name": t.name,
                "createdAt": t.created_at.isoformat(),
                "lastUsedAt": t.last_used_at.isoformat() if t.last_used_at else None,
                "expiresAt": t.expires_at.isoformat() if t.expires_at else None,
                "revokedAt": t.revoked_at.isoformat() if t.revoked_at else None,
            }
            for t in api_tokens
        ],
    }
