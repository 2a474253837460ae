"""The cache: one interface, a Redis backend and an in-process backend, plus the static L1.

Usage (write the database first, then drop the key; the next read repopulates it)::

    recipe = await state.cache.get_or_load_json(
        recipe_key(recipe_id), RECIPE_TTL, lambda: load_recipe_json(session, recipe_id)
    )
    ...
    await state.cache.delete(recipe_key(recipe_id))
    await state.cache.delete_prefix(SEARCH_PREFIX)

Values are JSON: what you get back is what `json.loads(json.dumps(value))` gives (UUIDs,
dates and decimals come back as strings), on a hit *and* on the miss that loaded it, so code
never depends on which path ran. `None` is not cacheable: a loader returning `None` runs again
on the next call.

Failure policy: the cache is an optimisation, never a dependency. Every Redis call runs under a
short deadline and a circuit breaker; a failure is a miss (reads) or a no-op (writes), counted
in `mealplanner_cache_errors_total`, and after a few consecutive failures Redis is skipped
outright until a probe succeeds (see `core/circuit.py`). A request never fails because Redis
did. Invalidation that fails while Redis is down is lost; the TTLs bound the staleness.

`delete_prefix` on Redis: prefixes listed in `VERSIONED_PREFIXES` (search results) are
*generation-namespaced*: entries live under `<prefix>v<generation>:...` and invalidating the
prefix is one `INCR` of the generation (O(1), however many entries); the orphaned entries
expire with their TTL. Reads and writes of such keys resolve the generation in the same round
trip (a small Lua script). Any other prefix falls back to `SCAN` + `UNLINK`, which is O(keys in
the database); fine for rare, admin-triggered invalidation.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import time
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from mealplanner.core.circuit import CircuitBreaker, CircuitState

log = structlog.get_logger("mealplanner.cache")

T = TypeVar("T")
Loader = Callable[[], Awaitable[Any]]

# -- the spec's keys and TTLs (Caching Strategy) ---------------------------------------------

USER_TTL = 300
RECIPE_TTL = 3600
MEAL_PLAN_TTL = 600
SHOPPING_LIST_TTL = 300
SEARCH_TTL = 900
FAVORITES_TTL = 600
SUGGESTIONS_TTL = 1800
SEARCH_PREFIX = "search:recipes:"
# Not a spec key: names the current version of the suggestion candidate pools each process
# keeps (`mealplanner.ai.pools`); deleted whenever a public recipe is created, changed or
# deleted.
CANDIDATE_POOLS_STAMP_KEY = "ai:candidate-pools:stamp"
VERSIONED_PREFIXES: tuple[str, ...] = (SEARCH_PREFIX,)


def user_key(user_id: uuid.UUID | str) -> str:
    return f"user:{user_id}"


def recipe_key(recipe_id: uuid.UUID | str) -> str:
    return f"recipe:{recipe_id}"


def meal_plan_key(user_id: uuid.UUID | str, week_start: date | str) -> str:
    week = week_start.isoformat() if isinstance(week_start, date) else week_start
    return f"meal-plan:{user_id}:{week}"


def meal_plan_prefix(user_id: uuid.UUID | str) -> str:
    """Every cached week of one user (preferences such as household size change them all)."""
    return f"meal-plan:{user_id}:"


def shopping_list_key(list_id: uuid.UUID | str) -> str:
    return f"shopping-list:{list_id}"


def favorites_key(user_id: uuid.UUID | str) -> str:
    return f"favorites:{user_id}"


def suggestions_key(user_id: uuid.UUID | str) -> str:
    return f"suggestions:{user_id}"


def _normalise(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _normalise(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_normalise(v) for v in value]
        # Filter lists are sets in meaning: ["vegan", "keto"] == ["keto", "vegan"].
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, default=str))
    if isinstance(value, str):
        return " ".join(value.split()).casefold()
    return value


def search_key(
    query: str | None,
    filters: Mapping[str, Any] | None = None,
    sort: str | None = None,
    page: int | str | None = None,
) -> str:
    """`search:recipes:<hash>` of the normalised query (case, spacing), filters (key order,
    list order and `None` values ignored), sort and page. Put the page size in `filters`."""
    parts = {
        "q": _normalise(query or ""),
        "f": _normalise(dict(filters or {})),
        "s": sort or "",
        "p": "" if page is None else str(page),
    }
    digest = hashlib.sha256(
        json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str).encode()
    ).hexdigest()[:32]
    return f"{SEARCH_PREFIX}{digest}"


class CacheKeys:
    """The same key builders and TTLs as a namespace, for `from ... import CacheKeys`."""

    user = staticmethod(user_key)
    recipe = staticmethod(recipe_key)
    meal_plan = staticmethod(meal_plan_key)
    shopping_list = staticmethod(shopping_list_key)
    search = staticmethod(search_key)
    favorites = staticmethod(favorites_key)
    suggestions = staticmethod(suggestions_key)
    SEARCH_PREFIX = SEARCH_PREFIX
    USER_TTL = USER_TTL
    RECIPE_TTL = RECIPE_TTL
    MEAL_PLAN_TTL = MEAL_PLAN_TTL
    SHOPPING_LIST_TTL = SHOPPING_LIST_TTL
    SEARCH_TTL = SEARCH_TTL
    FAVORITES_TTL = FAVORITES_TTL
    SUGGESTIONS_TTL = SUGGESTIONS_TTL


# -- serialisation ----------------------------------------------------------------------------


def _json_default(value: Any) -> Any:
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    dump = getattr(value, "model_dump", None)  # pydantic models
    if callable(dump):
        return dump(mode="json", by_alias=True)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), default=_json_default).encode()


class CacheStats:
    """Where hits and misses are reported (the app's Prometheus counters, or nowhere)."""

    def __init__(self, metrics: Any = None, name: str = "cache") -> None:
        self._hits = metrics.cache_hits.labels(cache=name) if metrics else None
        self._misses = metrics.cache_misses.labels(cache=name) if metrics else None
        self._errors = metrics.cache_errors.labels(cache=name) if metrics else None

    def hit(self) -> None:
        if self._hits is not None:
            self._hits.inc()

    def miss(self) -> None:
        if self._misses is not None:
            self._misses.inc()

    def error(self) -> None:
        if self._errors is not None:
            self._errors.inc()


# -- the interface ------------------------------------------------------------------------------


# -- deletes repeated after commit ----------------------------------------------------------
#
# Services delete cache keys right after their database write, inside the request's transaction.
# A read in between (another request) can load the old rows, not yet replaced, and cache them
# again. Every delete made inside a unit of work is therefore done a second time once the
# transaction has committed.

_Delete = tuple["Cache", str, tuple[str, ...]]
_unit_deletes: ContextVar[list[_Delete] | None] = ContextVar("cache_unit_deletes", default=None)


def _record_delete(cache: Cache, kind: str, args: tuple[str, ...]) -> None:
    recorded = _unit_deletes.get()
    if recorded is not None:
        recorded.append((cache, kind, args))


@asynccontextmanager
async def deletes_repeated_after_commit() -> AsyncIterator[None]:
    """Wrap a unit of work: when its block ends without error (the transaction committed),
    the cache deletes made inside it are done again."""
    recorded: list[_Delete] = []
    token = _unit_deletes.set(recorded)
    try:
        yield
    finally:
        _unit_deletes.reset(token)
    for cache, kind, args in dict.fromkeys(recorded):
        if kind == "keys":
            await cache.delete(*args)
        else:
            await cache.delete_prefix(*args)


class Cache:
    """JSON values by string key with a TTL. Subclasses store raw JSON bytes."""

    def __init__(self, stats: CacheStats | None = None) -> None:
        self.stats = stats or CacheStats()
        self._inflight: dict[str, asyncio.Future[Any]] = {}
        # Stampede protection (concurrent misses share one loader). Off over SQLite: every
        # transaction there holds the database's write lock, so a request that waited for
        # another task's loader while in its transaction blocked that loader's first query,
        # and both failed after the busy timeout ("database is locked").
        self.share_loads = True

    # Backends implement these four.
    async def _get_raw(self, key: str) -> bytes | None:
        raise NotImplementedError

    async def _set_raw(self, key: str, payload: bytes, ttl_seconds: int) -> None:
        raise NotImplementedError

    async def _delete(self, *keys: str) -> None:
        raise NotImplementedError

    async def _delete_prefix(self, prefix: str) -> None:
        raise NotImplementedError

    async def delete(self, *keys: str) -> None:
        """Drop `keys`. Inside a unit of work (`deletes_repeated_after_commit`) the delete is
        done again once the transaction commits."""
        _record_delete(self, "keys", keys)
        await self._delete(*keys)

    async def delete_prefix(self, prefix: str) -> None:
        _record_delete(self, "prefix", (prefix,))
        await self._delete_prefix(prefix)

    async def close(self) -> None:
        return None

    async def get_json(self, key: str) -> Any | None:
        raw = await self._get_raw(key)
        if raw is None:
            self.stats.miss()
            return None
        try:
            value = json.loads(raw)
        except ValueError:
            self.stats.miss()
            return None
        self.stats.hit()
        return value

    async def set_json(self, key: str, value: Any, ttl_seconds: int) -> None:
        await self._set_raw(key, dumps(value), ttl_seconds)

    async def get_or_load_bytes(self, key: str, ttl_seconds: int, loader: Loader) -> bytes:
        """`get_or_load_json`, answered with the stored JSON text (sent as it is on a hit)."""
        raw = await self._get_or_load_raw(key, ttl_seconds, loader)
        return raw if raw is not None else b"null"

    async def get_bytes(self, key: str) -> bytes | None:
        """The stored JSON text itself, for responses sent as they are cached."""
        raw = await self._get_raw(key)
        if raw is None:
            self.stats.miss()
        else:
            self.stats.hit()
        return raw

    async def set_bytes(self, key: str, payload: bytes, ttl_seconds: int) -> None:
        """Store JSON text already serialized (`payload` must be valid JSON)."""
        await self._set_raw(key, payload, ttl_seconds)

    async def get_or_load_json(self, key: str, ttl_seconds: int, loader: Loader) -> Any:
        """The cached value, or the loader's (stored for `ttl_seconds`).

        Stampede protection: concurrent misses on one key in this process share a single
        loader call; the others wait for its result (or its exception).
        """
        raw = await self._get_or_load_raw(key, ttl_seconds, loader)
        return None if raw is None else json.loads(raw)

    async def _get_or_load_raw(self, key: str, ttl_seconds: int, loader: Loader) -> bytes | None:
        """The stored JSON text, or the loader's result stored and returned as JSON text (None
        when the loader found nothing). Each caller decodes its own copy."""
        while True:
            cached = await self.get_bytes(key)
            if cached is not None:
                return cached
            pending = self._inflight.get(key) if self.share_loads else None
            if pending is None:
                return await self._load(key, ttl_seconds, loader)
            await asyncio.wait({pending})
            if not pending.cancelled():
                result: bytes | None = pending.result()
                return result
            # The loading request was cancelled (client went away): try again ourselves.

    async def _load(self, key: str, ttl_seconds: int, loader: Loader) -> bytes | None:
        future: asyncio.Future[bytes | None] = asyncio.get_running_loop().create_future()
        # Waiters may all be gone; never warn about an unretrieved exception.
        future.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._inflight[key] = future
        try:
            # A task whose miss raced with the previous loader's store finds the value now.
            value = await self._get_raw(key)
            if value is None:
                loaded = await loader()
                if loaded is not None:
                    value = dumps(loaded)
                    await self._set_raw(key, value, ttl_seconds)
        except asyncio.CancelledError:
            future.cancel()
            raise
        except BaseException as exc:
            future.set_exception(exc)
            raise
        else:
            future.set_result(value)
            return value
        finally:
            if self._inflight.get(key) is future:
                del self._inflight[key]


class MemoryCache(Cache):
    """In-process, LRU-bounded, with per-entry expiry. Used when Redis is not configured."""

    def __init__(
        self,
        max_entries: int = 10_000,
        *,
        stats: CacheStats | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(stats)
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    async def _get_raw(self, key: str) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires_at, payload = entry
        if expires_at <= self._clock():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return payload

    async def _set_raw(self, key: str, payload: bytes, ttl_seconds: int) -> None:
        if ttl_seconds <= 0:
            return
        self._entries[key] = (self._clock() + ttl_seconds, payload)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    async def _delete(self, *keys: str) -> None:
        for key in keys:
            self._entries.pop(key, None)

    async def _delete_prefix(self, prefix: str) -> None:
        for key in [k for k in self._entries if k.startswith(prefix)]:
            del self._entries[key]

    async def clear(self) -> None:
        self._entries.clear()


_GET_VERSIONED = """
local gen = redis.call('GET', KEYS[1]) or '0'
return redis.call('GET', ARGV[1] .. gen .. ':' .. ARGV[2])
"""
_GET_VERSIONED_TTL = """
local gen = redis.call('GET', KEYS[1]) or '0'
local key = ARGV[1] .. gen .. ':' .. ARGV[2]
return {redis.call('GET', key), redis.call('PTTL', key)}
"""
_SET_VERSIONED = """
local gen = redis.call('GET', KEYS[1]) or '0'
redis.call('SET', ARGV[1] .. gen .. ':' .. ARGV[2], ARGV[3], 'EX', ARGV[4])
return 1
"""
_DEL_VERSIONED = """
local gen = redis.call('GET', KEYS[1]) or '0'
return redis.call('UNLINK', ARGV[1] .. gen .. ':' .. ARGV[2])
"""


def _glob_escape(text: str) -> str:
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


class RedisCache(Cache):
    """Shared by every process. All keys live under `namespace` (default `cache:`)."""

    def __init__(
        self,
        redis: Redis,
        *,
        breaker: CircuitBreaker,
        timeout_seconds: float,
        stats: CacheStats | None = None,
        namespace: str = "cache:",
        versioned_prefixes: tuple[str, ...] = VERSIONED_PREFIXES,
    ) -> None:
        super().__init__(stats)
        self.redis = redis
        self.breaker = breaker
        # The socket timeout bounds one attempt; this bounds the call, retries included.
        self.deadline = timeout_seconds * 2
        self.namespace = namespace
        self.versioned_prefixes = versioned_prefixes
        # Process-local copies of hot keys (`LocalCopies`), when configured.
        self.local: LocalCopies | None = None
        self._get_versioned = redis.register_script(_GET_VERSIONED)
        self._get_versioned_ttl = redis.register_script(_GET_VERSIONED_TTL)
        self._set_versioned = redis.register_script(_SET_VERSIONED)
        self._del_versioned = redis.register_script(_DEL_VERSIONED)

    async def _guard(self, operation: Callable[[], Awaitable[Any]], fallback: Any = None) -> Any:
        if not self.breaker.allow():
            self.stats.error()
            return fallback
        try:
            async with asyncio.timeout(self.deadline):
                result = await operation()
        except (RedisError, OSError, TimeoutError) as exc:
            self.breaker.record_failure()
            self.stats.error()
            log.debug("cache_error", error=type(exc).__name__)
            return fallback
        self.breaker.record_success()
        return result

    def _versioned(self, key: str) -> tuple[str, str, str] | None:
        """(generation key, entry prefix, rest) for keys under a versioned prefix."""
        for prefix in self.versioned_prefixes:
            if key.startswith(prefix):
                base = self.namespace + prefix
                return f"{self.namespace}gen:{prefix}", f"{base}v", key[len(prefix) :]
        return None

    async def _get_raw(self, key: str) -> bytes | None:
        local = self.local
        if local is not None and local.covers(key):
            copy = local.get(key)
            if copy is not None:
                return copy
            generation = local.generation
            found: tuple[bytes | None, int] | None = await self._guard(
                lambda: self._get_with_ttl(key)
            )
            if found is None:
                return None
            raw, ttl_ms = found
            if raw is not None and ttl_ms > 0:
                # Never kept longer than the shared entry lives.
                local.put(key, raw, generation, ttl_ms / 1000)
            return raw
        return await self._get_shared(key)

    async def _get_with_ttl(self, key: str) -> tuple[bytes | None, int]:
        """The entry and its remaining lifetime in milliseconds, in one round trip."""
        versioned = self._versioned(key)
        if versioned is not None:
            gen_key, base, rest = versioned
            raw, ttl_ms = await self._get_versioned_ttl(keys=[gen_key], args=[base, rest])
        else:
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.get(self.namespace + key)
                pipe.pttl(self.namespace + key)
                raw, ttl_ms = await pipe.execute()
        return (raw if isinstance(raw, bytes) else None), int(ttl_ms)

    async def _get_shared(self, key: str) -> bytes | None:
        versioned = self._versioned(key)
        if versioned is None:
            raw = await self._guard(lambda: self.redis.get(self.namespace + key))
        else:
            gen_key, base, rest = versioned
            raw = await self._guard(lambda: self._get_versioned(keys=[gen_key], args=[base, rest]))
        return raw if isinstance(raw, bytes) else None

    async def _set_raw(self, key: str, payload: bytes, ttl_seconds: int) -> None:
        if ttl_seconds <= 0:
            return
        versioned = self._versioned(key)
        if versioned is None:
            await self._guard(
                lambda: self.redis.set(self.namespace + key, payload, ex=ttl_seconds), None
            )
        else:
            gen_key, base, rest = versioned
            await self._guard(
                lambda: self._set_versioned(
                    keys=[gen_key], args=[base, rest, payload, ttl_seconds]
                ),
                None,
            )
        if self.local is not None and self.local.covers(key):
            # This process's copy (if any) is older than what was just stored.
            self.local.forget_here(key)

    async def _delete(self, *keys: str) -> None:
        plain = [self.namespace + k for k in keys if self._versioned(k) is None]
        if plain:
            await self._guard(lambda: self.redis.unlink(*plain), None)
        for key in keys:
            versioned = self._versioned(key)
            if versioned is not None:
                gen_key, base, rest = versioned
                await self._guard(partial(self._del_versioned, keys=[gen_key], args=[base, rest]))
        if self.local is not None:
            await self.local.invalidate(k for k in keys if self.local.covers(k))

    async def _delete_prefix(self, prefix: str) -> None:
        await self._delete_shared_prefix(prefix)
        # Announced once Redis no longer holds the entries, or others could copy them again.
        if self.local is not None:
            await self.local.invalidate_prefix(prefix)

    async def _delete_shared_prefix(self, prefix: str) -> None:
        bumped = False
        for versioned in self.versioned_prefixes:
            # Invalidating a versioned prefix, a parent of one ("search:") or a part of one
            # ("search:recipes:abc") bumps its generation: O(1), and never under-invalidates.
            if versioned.startswith(prefix) or prefix.startswith(versioned):
                gen_key = f"{self.namespace}gen:{versioned}"
                await self._guard(partial(self.redis.incr, gen_key))
                bumped = True
        if bumped and any(prefix.startswith(v) for v in self.versioned_prefixes):
            return
        await self._guard(lambda: self._scan_unlink(prefix), None)

    async def _scan_unlink(self, prefix: str) -> None:
        pattern = _glob_escape(self.namespace + prefix) + "*"
        batch: list[bytes] = []
        async for key in self.redis.scan_iter(match=pattern, count=1000):
            batch.append(key)
            if len(batch) >= 500:
                await self.redis.unlink(*batch)
                batch = []
        if batch:
            await self.redis.unlink(*batch)


# -- L1: static data, invalidated across processes ---------------------------------------------

INVALIDATE_CHANNEL = "mealplanner:invalidate"
ALL = "*"


class StaticDataCache:
    """Process-local cache for data that rarely changes (units, categories, nutrient tables).

    `get`/`set` never leave the process. `invalidate(name)` drops the entry here and, with Redis,
    publishes the name on `mealplanner:invalidate:{db}`; every process's listener (started in the
    lifespan) drops it too. While the listener is disconnected it may miss messages, so it clears
    everything each time it (re)subscribes; entries also expire after `ttl_seconds` (1 h, the
    spec's L1 TTL) as a backstop.
    """

    def __init__(
        self,
        ttl_seconds: float = 3600,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._entries: dict[str, tuple[float, Any]] = {}
        self._redis: Redis | None = None
        self._listener: asyncio.Task[None] | None = None
        self.subscribed = asyncio.Event()
        self.channel = INVALIDATE_CHANNEL
        # Told the name of every invalidation (local or from another process).
        self._listeners: list[Callable[[str], None]] = []
        # Bumped by every invalidation: a loader that read the database before an invalidation
        # arrived compares it to skip storing what may already be stale.
        self.generation = 0

    @property
    def current(self) -> bool:
        """Whether every invalidation reaches this process: always without Redis (one process),
        with Redis only while the listener is subscribed."""
        return self._redis is None or self.subscribed.is_set()

    def get(self, name: str) -> Any | None:
        entry = self._entries.get(name)
        if entry is None:
            return None
        if entry[0] <= self._clock():
            self._entries.pop(name, None)
            return None
        return entry[1]

    def set(self, name: str, value: Any, ttl_seconds: float | None = None) -> None:
        ttl = self.ttl_seconds if ttl_seconds is None else ttl_seconds
        self._entries[name] = (self._clock() + ttl, value)

    def prune(self, prefix: str) -> None:
        """Drop the expired entries under `prefix` (entries otherwise expire when read)."""
        now = self._clock()
        for name in [n for n, (exp, _) in self._entries.items() if exp <= now]:
            if name.startswith(prefix):
                del self._entries[name]

    def drop_prefix(self, prefix: str) -> None:
        """Drop every entry under `prefix` here (a size bound, not an invalidation)."""
        for name in [n for n in self._entries if n.startswith(prefix)]:
            del self._entries[name]

    def __len__(self) -> int:
        return len(self._entries)

    async def get_or_load(self, name: str, loader: Callable[[], Awaitable[T]]) -> T:
        cached = self.get(name)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        value = await loader()
        self.set(name, value)
        return value

    def add_listener(self, listener: Callable[[str], None]) -> None:
        self._listeners.append(listener)

    def invalidate_local(self, name: str = ALL) -> None:
        self.generation += 1
        for listener in self._listeners:
            listener(name)
        if name == ALL:
            self._entries.clear()
        else:
            self._entries.pop(name, None)

    async def invalidate(self, name: str = ALL) -> None:
        """Drop `name` (or everything, `"*"`) here and in every other process."""
        self.invalidate_local(name)
        if self._redis is None:
            return
        try:
            await self._redis.publish(self.channel, name.encode())
        except (RedisError, OSError, TimeoutError):
            # Other processes keep the entry until its TTL or their next resubscribe.
            log.warning("static_cache_publish_failed", name=name)

    def attach(self, redis: Redis) -> None:
        """Publish invalidations on `redis` (no I/O). Until `start` has subscribed too, this
        process no longer counts as `current`: it may miss others' invalidations."""
        self._redis = redis
        # Pub/sub channels are shared by all of a server's databases: one channel per database
        # keeps deployments (and test workers) that share a Redis server apart.
        db = redis.connection_pool.connection_kwargs.get("db", 0)
        self.channel = f"{INVALIDATE_CHANNEL}:{db}"

    def start(self, redis: Redis) -> None:
        self.attach(redis)
        self._listener = asyncio.create_task(self._listen(redis), name="static-cache-listener")

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None

    async def _listen(self, redis: Redis) -> None:
        delay = 0.5
        while True:
            pubsub = redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                self.invalidate_local(ALL)
                self.subscribed.set()
                delay = 0.5
                while True:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if message is not None and message.get("type") == "message":
                        data = message["data"]
                        self.invalidate_local(data.decode() if isinstance(data, bytes) else data)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self.subscribed.is_set():
                    log.warning("static_cache_listener_lost", error=type(exc).__name__)
                self.subscribed.clear()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]


# -- L1 copies of hot shared keys ----------------------------------------------------------------

_KEY_MESSAGE = "key:"
_PREFIX_MESSAGE = "prefix:"


class LocalCopies:
    """Process-local copies of the shared cache's hottest keys (recipes, favourites).

    A cached recipe read otherwise spends most of its time on the Redis round trip. Only keys
    under `prefixes` are copied, LRU-bounded and for at most `ttl_seconds`. Every delete of
    such a key, in any process, is broadcast on the L1 invalidation channel and drops the copy
    everywhere; copies are only used while this process's listener is subscribed (otherwise a
    delete could be missed), and a copy read from Redis while an invalidation arrived is not
    kept (the generation check).
    """

    def __init__(
        self,
        l1: StaticDataCache,
        prefixes: tuple[str, ...],
        *,
        ttl_seconds: float,
        max_entries: int,
        breaker: CircuitBreaker | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.l1 = l1
        self.breaker = breaker
        self.prefixes = prefixes
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._clock = clock
        self._copies: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        l1.add_listener(self._on_invalidate)

    def __len__(self) -> int:
        return len(self._copies)

    @property
    def generation(self) -> int:
        return self.l1.generation

    def covers(self, key: str) -> bool:
        return key.startswith(self.prefixes)

    def get(self, key: str) -> bytes | None:
        if not self.l1.current:
            return None
        entry = self._copies.get(key)
        if entry is None:
            return None
        if entry[0] <= self._clock():
            del self._copies[key]
            return None
        self._copies.move_to_end(key)
        return entry[1]

    def put(self, key: str, payload: bytes, generation: int, ttl_seconds: float) -> None:
        if not self.l1.current or generation != self.l1.generation:
            return
        self._copies[key] = (self._clock() + min(ttl_seconds, self.ttl_seconds), payload)
        self._copies.move_to_end(key)
        while len(self._copies) > self.max_entries:
            self._copies.popitem(last=False)

    async def invalidate(self, keys: Iterable[str]) -> None:
        for key in keys:
            await self._broadcast(_KEY_MESSAGE + key)

    def forget_here(self, key: str) -> None:
        """Drop this process's copy (and skip storing a read that raced with it)."""
        self.l1.invalidate_local(_KEY_MESSAGE + key)

    async def invalidate_prefix(self, prefix: str) -> None:
        if any(p.startswith(prefix) or prefix.startswith(p) for p in self.prefixes):
            await self._broadcast(_PREFIX_MESSAGE + prefix)

    async def _broadcast(self, name: str) -> None:
        # Published even by processes that do not listen (the job worker before its listener
        # is up, CLI commands): every API process must hear of every delete. While the Redis
        # circuit is open, publishing would only wait for a timeout; others' copies then
        # expire on their TTL.
        if self.breaker is not None and self.breaker.state is CircuitState.OPEN:
            self.l1.invalidate_local(name)
        else:
            await self.l1.invalidate(name)

    def _on_invalidate(self, name: str) -> None:
        if name == ALL:
            self._copies.clear()
        elif name.startswith(_KEY_MESSAGE):
            self._copies.pop(name[len(_KEY_MESSAGE) :], None)
        elif name.startswith(_PREFIX_MESSAGE):
            prefix = name[len(_PREFIX_MESSAGE) :]
            for key in [k for k in self._copies if k.startswith(prefix)]:
                del self._copies[key]
