from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from mealplanner.core.config import Settings
from mealplanner.core.logging import configure_logging


@pytest.fixture
def warning_level(tmp_path: Path) -> Iterator[None]:
    configure_logging(Settings(data_dir=tmp_path, log_level="WARNING", log_format="json"))
    yield
    configure_logging(Settings(data_dir=tmp_path))


def test_events_below_the_level_are_dropped(
    warning_level: None, caplog: pytest.LogCaptureFixture
) -> None:
    log = structlog.get_logger("mealplanner.test")
    log.info("request", path="/health")
    log.warning("cache_error", error="TimeoutError", password="hunter2")
    events = [r.msg for r in caplog.records if r.name == "mealplanner.test"]
    assert [(e["event"], e["level"]) for e in events] == [("cache_error", "warning")]  # type: ignore[index]
    assert events[0]["password"] != "hunter2"  # type: ignore[index]  # still redacted
