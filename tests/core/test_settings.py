from __future__ import annotations

import stat
from pathlib import Path

import pytest

from mealplanner.app import create_app
from mealplanner.core.config import Settings


def test_jwt_secret_generated_once_with_0600(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = settings.resolve_jwt_secret()
    assert len(first) >= 32
    path = tmp_path / "jwt_secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert Settings(data_dir=tmp_path).resolve_jwt_secret() == first


def test_production_without_secret_refuses_to_start(tmp_path: Path) -> None:
    settings = Settings(env="production", data_dir=tmp_path)
    with pytest.raises(RuntimeError, match="JWT_SECRET"):
        create_app(settings)


def test_short_secret_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="32"):
        Settings(data_dir=tmp_path, jwt_secret="short").resolve_jwt_secret()  # type: ignore[arg-type]


def test_env_parsing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MEALPLANNER_CORS_ORIGINS", "https://a.example, https://b.example")
    monkeypatch.setenv("MEALPLANNER_DATABASE_URL", "postgresql://u@h:5432/db")
    monkeypatch.setenv("MEALPLANNER_LOG_LEVEL", "debug")
    settings = Settings(data_dir=tmp_path)
    assert settings.cors_origins == ["https://a.example", "https://b.example"]
    assert settings.effective_database_url == "postgresql+asyncpg://u@h:5432/db"
    assert settings.log_level == "DEBUG"


def test_default_database_is_sqlite_in_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.effective_database_url == f"sqlite+aiosqlite:///{tmp_path}/mealplanner.db"
    assert settings.redis_url is None


def test_production_password_hash_defaults_follow_owasp() -> None:
    settings = Settings()
    assert (settings.password_hash_memory_kib, settings.password_hash_time_cost) == (19456, 2)
