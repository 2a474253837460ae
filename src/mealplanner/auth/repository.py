from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update

from mealplanner.auth.identity import identity_changed
from mealplanner.auth.models import ApiToken, AuthSession, RefreshToken
from mealplanner.core.repository import Repository


class SessionRepository(Repository[AuthSession]):
    model = AuthSession

    async def revoke(
        self, user_id: uuid.UUID, session_id: uuid.UUID, now: datetime, reason: str
    ) -> None:
        identity_changed(self.session, user_id)
        await self.session.execute(
            update(AuthSession)
            .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
        )

    async def revoke_all_for_user(
        self, user_id: uuid.UUID, now: datetime, reason: str, *, keep: uuid.UUID | None = None
    ) -> None:
        identity_changed(self.session, user_id)
        stmt = update(AuthSession).where(
            AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None)
        )
        if keep is not None:
            stmt = stmt.where(AuthSession.id != keep)
        await self.session.execute(stmt.values(revoked_at=now, revoked_reason=reason))


class RefreshTokenRepository(Repository[RefreshToken]):
    model = RefreshToken

    async def get_by_hash(self, token_hash: str) -> RefreshToken | None:
        return await self.get_one_or_none(
            select(RefreshToken).where(RefreshToken.token_hash == token_hash)
        )

    async def mark_used(self, token_id: uuid.UUID, now: datetime) -> bool:
        """Atomically claims the token; False when another request used it first."""
        result = await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.id == token_id, RefreshToken.used_at.is_(None))
            .values(used_at=now)
        )
        return bool(getattr(result, "rowcount", 0) == 1)


class ApiTokenRepository(Repository[ApiToken]):
    model = ApiToken

    async def get_by_hash(self, token_hash: str) -> ApiToken | None:
        return await self.get_one_or_none(select(ApiToken).where(ApiToken.token_hash == token_hash))

    async def list_active(self, user_id: uuid.UUID, now: datetime) -> Sequence[ApiToken]:
        return await self.list(
            select(ApiToken)
            .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
            .where((ApiToken.expires_at.is_(None)) | (ApiToken.expires_at > now))
            .order_by(ApiToken.created_at.desc())
        )
