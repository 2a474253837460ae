"""Checked sign-in sessions kept in process, so read-only routes skip the database.

Every authenticated request checks its sign-in session against the primary database, so that
a logout or a disabled account takes effect at once. On the hottest read paths (a recipe, a
page of recipes) that check was the largest part of the request. For those routes a session
found valid is remembered in process for `auth_cache_seconds` (60 s):

- The JWT is still verified (signature, expiry) on every request; only the session row and the
  user's role are remembered.
- Whatever can end a session or change what it may read (logout, revoking sessions, password
  change or reset, disabling, deleting or changing the role of a user) marks the user in the
  unit of work. Once it commits, `auth:{userId}` is invalidated here and, through Redis
  pub/sub, in every other process (`StaticDataCache.invalidate`).
- The cache is only used while invalidations can reach this process: with Redis while its
  listener is subscribed, without Redis only when the server runs a single worker.
- A database read that raced with an invalidation is not stored (the generation check).

Write routes always check the database (`CurrentUser`).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from mealplanner.core.cache import StaticDataCache
from mealplanner.core.db import after_commit, take_committed
from mealplanner.core.state import AppState
from mealplanner.users.models import User

PREFIX = "auth:"
_AFTER_COMMIT_KIND = "identity"
# Expired entries are swept when this many are held (each is a few hundred bytes).
PRUNE_AT = 20_000


def _name(user_id: uuid.UUID) -> str:
    return f"{PREFIX}{user_id}"


class IdentityCache:
    """user id -> {session id -> (expires at, reader)}, held in the process's L1 cache.

    The reader is a transient `User` with only `id` and `role` set, built once per session
    and shared by that session's requests (read-only routes never change it)."""

    def __init__(
        self,
        l1: StaticDataCache,
        ttl_seconds: float,
        *,
        enabled: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.l1 = l1
        self.ttl_seconds = ttl_seconds
        self.enabled = enabled and ttl_seconds > 0
        self._clock = clock

    @property
    def usable(self) -> bool:
        return self.enabled and self.l1.current

    @property
    def generation(self) -> int:
        return self.l1.generation

    def reader(self, user_id: uuid.UUID, session_id: uuid.UUID) -> User | None:
        """The remembered reader of a session checked within the TTL, else None."""
        if not self.usable:
            return None
        sessions: dict[uuid.UUID, tuple[float, User]] | None = self.l1.get(_name(user_id))
        if sessions is None:
            return None
        entry = sessions.get(session_id)
        if entry is None:
            return None
        if entry[0] <= self._clock():
            sessions.pop(session_id, None)
            return None
        return entry[1]

    def remember(
        self, user_id: uuid.UUID, session_id: uuid.UUID, role: str, generation: int
    ) -> None:
        """Store a session checked against the database, unless an invalidation arrived since
        `generation` was read (the check may have seen the state before it)."""
        if not self.usable or generation != self.l1.generation:
            return
        name = _name(user_id)
        sessions: dict[uuid.UUID, tuple[float, User]] | None = self.l1.get(name)
        if sessions is None:
            if len(self.l1) >= PRUNE_AT:
                self.l1.prune(PREFIX)
                if len(self.l1) >= PRUNE_AT:  # all still live: start over rather than grow
                    self.l1.drop_prefix(PREFIX)
            sessions = {}
            self.l1.set(name, sessions, self.ttl_seconds)
        sessions[session_id] = (self._clock() + self.ttl_seconds, User(id=user_id, role=role))

    async def forget(self, user_id: uuid.UUID) -> None:
        """Drop `user_id`'s remembered sessions here and in every other process (for changes
        made outside a request's unit of work, such as bulk updates)."""
        await self.l1.invalidate(_name(user_id))

    async def publish_committed(self, session: AsyncSession) -> None:
        """After the unit of work: forget the users whose sessions or role changed, here and
        in every other process."""
        for user_id in set(take_committed(session, _AFTER_COMMIT_KIND)):
            await self.l1.invalidate(_name(user_id))


def identity_changed(session: AsyncSession | Session, user_id: uuid.UUID) -> None:
    """Marks `user_id`'s sessions for invalidation once this transaction commits."""
    after_commit(session, _AFTER_COMMIT_KIND, user_id)


@event.listens_for(Session, "before_flush")
def _watch_users(session: Session, _context: Any, _instances: Any) -> None:
    # Role and disabled decide what a session may do; a deleted user has no sessions left.
    for obj in session.deleted:
        if isinstance(obj, User):
            identity_changed(session, obj.id)
    for obj in session.dirty:
        if isinstance(obj, User):
            state = inspect(obj)
            if state.attrs.role.history.has_changes() or state.attrs.disabled.history.has_changes():
                identity_changed(session, obj.id)


_STATE_KEY = "auth.identities"


def install(state: AppState) -> IdentityCache:
    settings = state.settings
    # Without Redis an invalidation only reaches this process: several workers would each
    # keep their own copy, so the cache is used only when the server runs a single worker.
    reachable = state.redis is not None or settings.serve_workers == 1
    cache = IdentityCache(state.static_cache, settings.auth_cache_seconds, enabled=reachable)
    state.extras[_STATE_KEY] = cache
    state.commit_hooks.append(cache.publish_committed)
    return cache


def identities(state: AppState) -> IdentityCache | None:
    cache: IdentityCache | None = state.extras.get(_STATE_KEY)
    return cache
