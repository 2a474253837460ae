"""Settings, read from the environment (prefix ``MEALPLANNER_``) and an optional ``.env`` file."""

from __future__ import annotations

import os
import secrets
import stat
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Environment = Literal["development", "production", "test"]


def _split_csv(value: Any) -> Any:
    # Lists may be given as JSON (`["a","b"]`) or, friendlier in a shell, comma-separated.
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            import json

            return json.loads(text)
        return [item.strip() for item in text.split(",") if item.strip()]
    return value


class Settings(BaseSettings):
    """Every setting is documented in the README's configuration table."""

    model_config = SettingsConfigDict(
        env_prefix="MEALPLANNER_", env_file=".env", extra="ignore", validate_default=True
    )

    env: Environment = "development"
    data_dir: Path = Path("./data")
    public_base_url: str = "http://127.0.0.1:8000"

    # Database: an embedded SQLite file by default, PostgreSQL (asyncpg) in production.
    database_url: str | None = None
    database_replica_urls: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # After a write, the writer reads from the primary for this long (replica lag window).
    read_your_writes_seconds: float = Field(default=5.0, ge=0, le=300)
    database_pool_size: int = Field(default=10, ge=1, le=200)
    database_echo: bool = False
    # Pooled connections idle this long are tested before use (see core/db.ping_when_idle).
    database_ping_idle_seconds: float = Field(default=10.0, ge=0, le=3600)
    # PostgreSQL: plan every prepared statement with its parameters (see core/db.py).
    database_force_custom_plans: bool = True

    # Redis: unset means in-process cache, limiter and jobs.
    redis_url: str | None = None
    redis_timeout_seconds: float = Field(default=0.25, gt=0, le=10)

    # Auth
    jwt_secret: SecretStr | None = None
    jwt_issuer: str = "mealplanner"
    access_token_ttl_seconds: int = Field(default=3600, ge=60, le=86400)
    refresh_token_ttl_days: int = Field(default=7, ge=1, le=90)
    # argon2id; the defaults are OWASP's recommendation (19 MiB, t=2, p=1).
    password_hash_memory_kib: int = Field(default=19456, ge=8)
    password_hash_time_cost: int = Field(default=2, ge=1)
    password_hash_parallelism: int = Field(default=1, ge=1)

    # HTTP
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # Proxies (CIDRs) whose X-Forwarded-For / X-Forwarded-Proto are believed.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # Platform: cache, rate limits, observability (see docs/operations.md)
    cache_memory_max_entries: int = Field(default=10_000, ge=100)
    # With Redis: process-local copies of hot recipe and favourites keys (0 s: none).
    cache_local_seconds: float = Field(default=60.0, ge=0, le=3600)
    cache_local_max_entries: int = Field(default=2_000, ge=10)
    redis_breaker_failures: int = Field(default=3, ge=1)
    redis_breaker_reset_seconds: float = Field(default=5.0, gt=0)
    # How long a checked sign-in session is trusted by read-only routes without a database
    # round trip (0: never). Revocations reach every process at once through Redis pub/sub.
    auth_cache_seconds: float = Field(default=60.0, ge=0, le=300)
    # Set by `mealplanner serve --workers N` for its workers: process-local caches that cannot
    # be invalidated across processes (no Redis) are only used when N is 1.
    serve_workers: int = Field(default=1, ge=1)
    # Freeze start-up objects out of the garbage collector and collect less often (app.py).
    gc_tuning: bool = True
    # "Viewed" events are written in batches this often (seconds) instead of one insert per view.
    activity_flush_seconds: float = Field(default=1.0, gt=0, le=60)
    # Recipes' "popular first" order catches up with new plans and favourites this often
    # (seconds); their counters themselves change at once.
    popularity_refresh_seconds: float = Field(default=10.0, gt=0, le=3600)
    rate_limit_enabled: bool = True
    rate_limit_default: str = "120/minute"
    rate_limit_authenticated: str = "600/minute"
    rate_limit_auth: str = "10/minute"
    metrics_token: SecretStr | None = None
    otlp_endpoint: str | None = None
    sentry_dsn: SecretStr | None = None
    sentry_traces_sample_rate: float = Field(default=0.0, ge=0, le=1)

    # Email (notifications): no SMTP host means each email is written to DATA_DIR/outbox.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    smtp_ssl: bool = False
    smtp_from: str = "Mealplanner <noreply@localhost>"
    smtp_timeout: float = Field(default=10, gt=0, le=120)

    # Object storage (images): local disk under DATA_DIR/media, or S3-compatible.
    storage_backend: Literal["local", "s3"] = "local"
    s3_bucket: str | None = None
    s3_region: str | None = None
    s3_endpoint_url: str | None = None
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None
    cdn_base_url: str | None = None
    upload_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024)

    # Background jobs and schedules
    worker_concurrency: int = Field(default=4, ge=1, le=64)
    scheduler_enabled: bool = True
    scheduler_interval_seconds: int = Field(default=300, ge=10, le=3600)
    # Week planner (POST /ai/generate-plan): the optimiser's wall-clock budget per request.
    planner_time_limit_seconds: float = Field(default=2.0, gt=0.1, le=60)

    # Logging
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "console"] = "json"

    @field_validator("database_replica_urls", "cors_origins", "trusted_proxies", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        return _split_csv(value)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return normalize_database_url(self.database_url)
        return f"sqlite+aiosqlite:///{(self.data_dir / 'mealplanner.db').as_posix()}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    def resolve_jwt_secret(self) -> str:
        """The configured secret, or one generated once and kept in the data dir (0600).

        Production refuses to start without an explicit secret: a generated one would differ
        between hosts behind a load balancer and silently log everybody out.
        """
        if self.jwt_secret is not None:
            value = self.jwt_secret.get_secret_value()
            if len(value) < 32:
                raise ValueError("MEALPLANNER_JWT_SECRET must be at least 32 characters")
            return value
        if self.env == "production":
            raise RuntimeError("MEALPLANNER_JWT_SECRET must be set when MEALPLANNER_ENV=production")
        path = self.data_dir / "jwt_secret"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
        with os.fdopen(fd, "w") as handle:
            handle.write(secret)
        return secret


def normalize_database_url(url: str) -> str:
    """Accept the usual `postgresql://` and `sqlite:///` spellings and pick the async drivers."""
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url.split(":///", 1)[1]
    return url


@cache
def get_settings() -> Settings:
    return Settings()
