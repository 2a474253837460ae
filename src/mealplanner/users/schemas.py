from __future__ import annotations

import functools
import uuid
from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import (
    AfterValidator,
    EmailStr,
    Field,
    StringConstraints,
    computed_field,
    model_validator,
)

from mealplanner.core.schemas import CamelModel, InputModel
from mealplanner.core.storage import media_url
from mealplanner.core.vocab import ALLERGENS, CUISINES, DIETS


def _in(vocab: tuple[str, ...], what: str) -> AfterValidator:
    def check(value: str) -> str:
        value = value.lower()
        if value not in vocab:
            raise ValueError(f"Unknown {what} '{value}'; expected one of: {', '.join(vocab)}")
        return value

    return AfterValidator(check)


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


Diet = Annotated[str, _in(DIETS, "diet"), Field(json_schema_extra={"enum": list(DIETS)})]
Allergen = Annotated[
    str, _in(ALLERGENS, "allergen"), Field(json_schema_extra={"enum": list(ALLERGENS)})
]
Cuisine = Annotated[
    str, _in(CUISINES, "cuisine"), Field(json_schema_extra={"enum": list(CUISINES)})
]
IngredientName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)
]
Password = Annotated[str, Field(min_length=8, max_length=128)]
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


@functools.cache
def _known_timezones() -> frozenset[str]:
    # available_timezones() walks the tz database on disk on every call: it was 8 % of the API
    # workers' CPU under load, since preferences are validated on most requests.
    return frozenset(available_timezones())


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"Unknown IANA timezone '{value}'") from exc
    if value not in _known_timezones() and value != "UTC":
        raise ValueError(f"Unknown IANA timezone '{value}'")
    return value


Timezone = Annotated[str, AfterValidator(_check_timezone)]


class MacroTargets(CamelModel):
    protein_pct: float = Field(ge=5, le=70)
    carbs_pct: float = Field(ge=0, le=80)
    fat_pct: float = Field(ge=5, le=80)

    @model_validator(mode="after")
    def _sums_to_100(self) -> MacroTargets:
        total = self.protein_pct + self.carbs_pct + self.fat_pct
        if abs(total - 100) > 1:
            raise ValueError(f"Macro targets must add up to 100% (got {total:g}%)")
        return self


class NotificationPreferences(CamelModel):
    meal_plan_reminder: bool = True
    shopping_list_ready: bool = True
    weekly_summary: bool = True
    welcome: bool = True


class Preferences(CamelModel):
    """A user's stored preferences; defaults fill anything not set yet."""

    dietary_restrictions: list[Diet] = Field(default_factory=list, max_length=len(DIETS))
    allergies: list[Allergen] = Field(default_factory=list, max_length=len(ALLERGENS))
    disliked_ingredients: list[IngredientName] = Field(default_factory=list, max_length=100)
    favorite_cuisines: list[Cuisine] = Field(default_factory=list, max_length=len(CUISINES))
    daily_calorie_target: int | None = Field(default=None, ge=800, le=6000)
    macro_targets: MacroTargets | None = None
    household_size: int = Field(default=2, ge=1, le=20)
    max_prep_time: int | None = Field(default=None, ge=5, le=480, description="Minutes")
    timezone: Timezone = "UTC"
    unit_system: Literal["metric", "imperial"] = "metric"
    notifications: NotificationPreferences = Field(default_factory=NotificationPreferences)

    @model_validator(mode="after")
    def _dedupe(self) -> Preferences:
        self.dietary_restrictions = _unique(self.dietary_restrictions)
        self.allergies = _unique(self.allergies)
        self.favorite_cuisines = _unique(self.favorite_cuisines)
        self.disliked_ingredients = _unique([d.lower() for d in self.disliked_ingredients])
        return self


class NotificationPreferencesUpdate(InputModel):
    meal_plan_reminder: bool | None = None
    shopping_list_ready: bool | None = None
    weekly_summary: bool | None = None
    welcome: bool | None = None


class PreferencesUpdate(InputModel):
    """Partial update: only the fields sent are changed; `null` clears an optional target."""

    dietary_restrictions: list[Diet] | None = Field(default=None, max_length=len(DIETS))
    allergies: list[Allergen] | None = Field(default=None, max_length=len(ALLERGENS))
    disliked_ingredients: list[IngredientName] | None = Field(default=None, max_length=100)
    favorite_cuisines: list[Cuisine] | None = Field(default=None, max_length=len(CUISINES))
    daily_calorie_target: int | None = Field(default=None, ge=800, le=6000)
    macro_targets: MacroTargets | None = None
    household_size: int | None = Field(default=None, ge=1, le=20)
    max_prep_time: int | None = Field(default=None, ge=5, le=480)
    timezone: Timezone | None = None
    unit_system: Literal["metric", "imperial"] | None = None
    notifications: NotificationPreferencesUpdate | None = None


class UserRead(CamelModel):
    id: uuid.UUID
    email: str
    name: str
    role: str
    email_verified: bool
    disabled: bool
    preferences: Preferences
    avatar_key: str | None = None
    created_at: datetime
    updated_at: datetime
    last_login_at: datetime | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def avatar_url(self) -> str | None:
        """The 200x200 avatar's public URL (CDN base URL when configured)."""
        return media_url(self.avatar_key)


class UserUpdate(InputModel):
    name: PersonName | None = None
    email: EmailStr | None = None


class PasswordChange(InputModel):
    current_password: str | None = Field(default=None, max_length=128)
    new_password: Password
