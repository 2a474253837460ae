"""Password hashing (argon2id), JWT access tokens (HS256 only) and opaque tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
from anyio import to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from mealplanner.core.clock import utcnow
from mealplanner.core.config import Settings
from mealplanner.core.errors import TokenExpired, Unauthorized

JWT_ALGORITHM = "HS256"
# Opaque tokens carry a prefix so the auth layer can tell them from JWTs (and log scrubbers
# and secret scanners can spot them).
REFRESH_TOKEN_PREFIX = "mpr_"
API_TOKEN_PREFIX = "mpat_"


class PasswordHashing:
    """argon2id with configurable cost; hashing runs in a worker thread (it is CPU-bound)."""

    def __init__(self, settings: Settings) -> None:
        self._hasher = PasswordHasher(
            time_cost=settings.password_hash_time_cost,
            memory_cost=settings.password_hash_memory_kib,
            parallelism=settings.password_hash_parallelism,
        )
        # Verified against when the email is unknown, so both paths cost the same.
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))

    async def hash(self, password: str) -> str:
        return await to_thread.run_sync(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        target = password_hash or self._dummy_hash

        def _verify() -> bool:
            try:
                return self._hasher.verify(target, password)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return False

        ok = await to_thread.run_sync(_verify)
        return ok and password_hash is not None

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: uuid.UUID
    email: str
    role: str
    session_id: uuid.UUID | None
    jti: str
    issued_at: datetime
    expires_at: datetime


# Access tokens whose signature was checked, least recently used dropped first (~1 KB each).
VERIFIED_TOKENS_KEPT = 4096


class TokenCodec:
    def __init__(self, secret: str, settings: Settings) -> None:
        self._secret = secret
        self._verified: OrderedDict[str, AccessClaims] = OrderedDict()
        self._issuer = settings.jwt_issuer
        self.access_ttl = timedelta(seconds=settings.access_token_ttl_seconds)

    def issue_access_token(
        self,
        *,
        user_id: uuid.UUID,
        email: str,
        role: str,
        session_id: uuid.UUID | None,
        now: datetime | None = None,
    ) -> tuple[str, AccessClaims]:
        now = now or utcnow()
        claims = AccessClaims(
            user_id=user_id,
            email=email,
            role=role,
            session_id=session_id,
            jti=secrets.token_urlsafe(16),
            issued_at=now,
            expires_at=now + self.access_ttl,
        )
        payload: dict[str, Any] = {
            "sub": str(user_id),
            "userId": str(user_id),
            "email": email,
            "role": role,
            "jti": claims.jti,
            "iss": self._issuer,
            "iat": int(now.timestamp()),
            "exp": int(claims.expires_at.timestamp()),
        }
        if session_id is not None:
            payload["sid"] = str(session_id)
        return jwt.encode(payload, self._secret, algorithm=JWT_ALGORITHM), claims

    def decode_access_token(self, token: str) -> AccessClaims:
        """Verified claims of an access token. A client sends the same token for many requests,
        so verified tokens are remembered (by their full text, signature included) and only
        their expiry is checked again; that halves the cost of a cached read."""
        known = self._verified.get(token)
        if known is not None:
            if known.expires_at.timestamp() <= time.time():
                raise TokenExpired()  # kept: it expires the same way next time
            self._verified.move_to_end(token)
            return known
        claims = self._decode(token)
        self._verified[token] = claims
        if len(self._verified) > VERIFIED_TOKENS_KEPT:
            self._verified.popitem(last=False)
        return claims

    def _decode(self, token: str) -> AccessClaims:
        try:
            payload = jwt.decode(
                token,
                self._secret,
                algorithms=[JWT_ALGORITHM],  # never trust the header's `alg`
                issuer=self._issuer,
                options={"require": ["exp", "iat", "sub", "jti"]},
            )
            user_id = uuid.UUID(str(payload["sub"]))
            sid = payload.get("sid")
            return AccessClaims(
                user_id=user_id,
                email=str(payload.get("email", "")),
                role=str(payload.get("role", "user")),
                session_id=uuid.UUID(str(sid)) if sid else None,
                jti=str(payload["jti"]),
                issued_at=datetime.fromtimestamp(int(payload["iat"]), tz=utcnow().tzinfo),
                expires_at=datetime.fromtimestamp(int(payload["exp"]), tz=utcnow().tzinfo),
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenExpired() from exc
        except (jwt.InvalidTokenError, ValueError, KeyError, TypeError) as exc:
            raise Unauthorized("Invalid access token") from exc


def new_opaque_token(prefix: str) -> str:
    """256 bits from the OS CSPRNG."""
    return prefix + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    # A fast hash is right here: the token has 256 bits of entropy, unlike a password.
    return hashlib.sha256(token.encode()).hexdigest()


def constant_time_equals(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
