from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import EmailStr, Field, StringConstraints

from mealplanner.core.schemas import CamelModel, InputModel
from mealplanner.users.schemas import Password, PersonName, UserRead


class RegisterRequest(InputModel):
    email: EmailStr
    password: Password
    name: PersonName


class LoginRequest(InputModel):
    email: Annotated[str, StringConstraints(min_length=1, max_length=320)]
    password: Annotated[str, Field(min_length=1, max_length=128)]


class RefreshRequest(InputModel):
    refresh_token: Annotated[str, Field(min_length=1, max_length=256)]


class TokenPair(CamelModel):
    user: UserRead
    access_token: str
    refresh_token: str | None = Field(
        description="Null in cookie mode (the token is in the HttpOnly `mp_refresh` cookie)"
    )
    token_type: str = "Bearer"
    expires_in: int = Field(description="Access-token lifetime in seconds")


class RefreshResponse(CamelModel):
    access_token: str
    refresh_token: str | None = Field(description="Null in cookie mode")
    token_type: str = "Bearer"
    expires_in: int


class ApiTokenCreate(InputModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


class ApiTokenRead(CamelModel):
    id: uuid.UUID
    name: str
    token_prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None


class ApiTokenCreated(ApiTokenRead):
    token: str = Field(description="Shown once; store it now")
