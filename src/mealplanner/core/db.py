"""Engine, sessions and the declarative base shared by every domain.

Dialect differences (UUIDs, timezone-aware timestamps, JSON) live here so that models read the
same on PostgreSQL and SQLite.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Delete,
    Insert,
    MetaData,
    Text,
    Update,
    event,
    text,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator, Uuid

from mealplanner.core.clock import utcnow
from mealplanner.core.config import Settings, normalize_database_url
from mealplanner.core.ids import uuid7

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Always timezone-aware UTC in Python; SQLite stores naive UTC text."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: UTCDateTime(),
        uuid.UUID: Uuid(),
        dict[str, Any]: JSONType,
        list[str]: JSONType,
    }


class UUIDPrimaryKey:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy emit BEGIN itself (see _sqlite_begin) instead of the driver's implicit,
    # deferred transactions.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # Foreign keys are off by default in SQLite; cascading deletes rely on them.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    """Every transaction takes SQLite's write lock up front.

    With deferred transactions, two connections that both read and then write end in
    SQLITE_BUSY at once (WAL cannot upgrade a stale read snapshot, and the busy timeout is not
    consulted). Taking the lock at BEGIN makes writers queue behind `busy_timeout` instead;
    the embedded database serialises writes either way.
    """
    if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _configure_sqlite(engine: AsyncEngine) -> AsyncEngine:
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


def make_engine(url: str, settings: Settings) -> AsyncEngine:
    if url.startswith("sqlite"):
        return _configure_sqlite(create_async_engine(url, echo=settings.database_echo))
    engine = create_async_engine(
        url,
        echo=settings.database_echo,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_pool_size,
        pool_recycle=1800,
        # asyncpg prepares every statement; after five runs PostgreSQL may switch to a
        # generic plan that ignores the parameters. For searches that plan cannot tell a
        # word in 9 % of recipes from one in 60 % (measured: 3.5 ms → 27 ms per pool query),
        # so every query is planned with its values (planning costs well under a millisecond).
        # Off for poolers that refuse unknown startup parameters (set it per role instead).
        connect_args=(
            {"server_settings": {"plan_cache_mode": "force_custom_plan"}}
            if settings.database_force_custom_plans
            else {}
        ),
    )
    ping_when_idle(engine, settings.database_ping_idle_seconds)
    return engine


_CHECKED_IN_AT = "mealplanner_checked_in_at"


def ping_when_idle(engine: AsyncEngine, idle_seconds: float) -> None:
    """Test a pooled connection before use only if it sat unused for `idle_seconds`.

    SQLAlchemy's `pool_pre_ping` tests every checkout, and on asyncpg its test is three round
    trips (BEGIN, a query, ROLLBACK) before the request's own first statement: measured as
    the largest share of a planned-meal write's round trips. A connection that was in use a
    moment ago is almost surely alive; connections that sat idle (the ones a server restart,
    an idle timeout or a firewall drops) are still tested, and a dead one is replaced before
    the request sees it.
    """
    pool = engine.sync_engine.pool

    @event.listens_for(pool, "checkin")
    def _checked_in(dbapi_connection: Any, record: Any) -> None:
        record.info[_CHECKED_IN_AT] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        last = record.info.get(_CHECKED_IN_AT)
        if last is None or time.monotonic() - last < idle_seconds:
            return  # fresh from connect, or in use moments ago
        try:
            dbapi_connection.ping()
        except Exception as exc:
            # The pool discards this connection and checks out (or opens) another.
            raise DisconnectionError("pooled connection failed its idle check") from exc


def make_null_pool_engine(url: str) -> AsyncEngine:
    """A pool-less engine for one-shot work (migrations, CLI)."""
    engine = create_async_engine(url, poolclass=NullPool)
    return _configure_sqlite(engine) if url.startswith("sqlite") else engine


_USE_PRIMARY = "use_primary"


@contextmanager
def primary_reads(session: AsyncSession) -> Iterator[None]:
    """Reads inside the block go to the primary even in a replica-reading session.

    For data that must never be stale, such as revoked sessions and disabled accounts.
    """
    previous = session.info.get(_USE_PRIMARY, False)
    session.info[_USE_PRIMARY] = True
    try:
        yield
    finally:
        session.info[_USE_PRIMARY] = previous


def routing_session_class(primary: Engine, replicas: Sequence[Engine]) -> type[Session]:
    """A Session that reads from a replica and writes to the primary.

    Statements that change data, and anything run while flushing, go to the primary; plain
    reads pick a replica. Used only for safe (GET/HEAD) requests, so a request's reads may
    lag the primary by the replication delay; see `read_your_writes` for the writer's view.
    """

    class RoutingSession(Session):
        def get_bind(self, mapper: Any = None, clause: Any = None, **kw: Any) -> Any:
            if (
                self._flushing
                or self.info.get(_USE_PRIMARY)
                or isinstance(clause, Insert | Update | Delete)
            ):
                return primary
            return random.choice(replicas)

    return RoutingSession


class Database:
    """The primary engine and its session factory, plus optional read replicas."""

    def __init__(self, settings: Settings) -> None:
        self.url = settings.effective_database_url
        if self.url.startswith("sqlite"):
            path = self.url.split(":///", 1)[1]
            if path and path != ":memory:":
                from pathlib import Path

                Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.engine = make_engine(self.url, settings)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        self.replica_engines = [
            make_engine(normalize_database_url(url), settings)
            for url in settings.database_replica_urls
        ]
        self.read_sessionmaker = (
            async_sessionmaker(
                self.engine,
                expire_on_commit=False,
                sync_session_class=routing_session_class(
                    self.engine.sync_engine, [e.sync_engine for e in self.replica_engines]
                ),
            )
            if self.replica_engines
            else self.sessionmaker
        )

    @property
    def has_replicas(self) -> bool:
        return bool(self.replica_engines)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self, *, read_only: bool = False) -> AsyncIterator[AsyncSession]:
        """One unit of work: commit at the end, roll back on error.

        `read_only` sessions read from a replica when replicas are configured.
        """
        factory = self.read_sessionmaker if read_only else self.sessionmaker
        async with factory() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    async def ping(self) -> None:
        # Autocommit: a health probe must not queue behind (or block) a writer.
        async with self.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        for replica in self.replica_engines:
            await replica.dispose()
        await self.engine.dispose()


def json_array_contains(column: Any, value: str, dialect: str) -> Any:
    """`value` is an element of the JSON array in `column`, indexable on both databases.

    PostgreSQL uses JSONB containment (GIN `jsonb_path_ops`); SQLite matches the quoted
    element in the stored JSON text, which is exact because vocabulary values never contain
    quotes (callers must only pass validated slugs).
    """
    if dialect == "postgresql":
        return type_coerce(column, JSONB()).contains([value])
    return type_coerce(column, Text()).like(f'%"{value}"%')


def escape_like(value: str) -> str:
    """Escapes LIKE wildcards in user text (use with `escape="\\\\"`)."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# -- work that waits for the commit ----------------------------------------------------------

_AFTER_COMMIT_PENDING = "mealplanner.after_commit.pending"
_AFTER_COMMIT_DONE = "mealplanner.after_commit.committed"


def after_commit(session: AsyncSession | Session, kind: str, item: Any) -> None:
    """Keep `item` (under `kind`) until this session's transaction commits; a rollback forgets
    it. Whoever owns `kind` collects it with `take_committed` after the unit of work."""
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    sync.info.setdefault(_AFTER_COMMIT_PENDING, {}).setdefault(kind, []).append(item)


def take_committed(session: AsyncSession, kind: str) -> list[Any]:
    """The `kind` items of committed transactions (each handed out once); items of a
    transaction that never committed are dropped."""
    info = session.sync_session.info
    info.get(_AFTER_COMMIT_PENDING, {}).pop(kind, None)
    items: list[Any] = info.get(_AFTER_COMMIT_DONE, {}).pop(kind, [])
    return items


@event.listens_for(Session, "after_commit")
def _promote_after_commit(session: Session) -> None:
    pending: dict[str, list[Any]] | None = session.info.pop(_AFTER_COMMIT_PENDING, None)
    if pending:
        done = session.info.setdefault(_AFTER_COMMIT_DONE, {})
        for kind, items in pending.items():
            done.setdefault(kind, []).extend(items)


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT_PENDING, None)
