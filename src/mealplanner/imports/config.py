"""Import settings (`MEALPLANNER_IMPORT_*`), kept beside the domain that uses them."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from mealplanner.core.state import AppState

_STATE_KEY = "imports.settings"


class ImportSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MEALPLANNER_IMPORT_", env_file=".env", extra="ignore"
    )

    # Hosts or CIDRs the URL import may reach although they are not public (tests, LANs).
    url_allowlist: Annotated[list[str], NoDecode] = Field(default_factory=list)

    @field_validator("url_allowlist", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value


def import_settings(state: AppState) -> ImportSettings:
    settings = state.extras.get(_STATE_KEY)
    if not isinstance(settings, ImportSettings):
        settings = ImportSettings()
        state.extras[_STATE_KEY] = settings
    return settings


def set_import_settings(state: AppState, settings: ImportSettings) -> None:
    state.extras[_STATE_KEY] = settings
