from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from mealplanner.core.schemas import InputModel
from mealplanner.users.schemas import Password


class ForgotPasswordRequest(InputModel):
    # Not EmailStr: a malformed address must get the same 202 as an unknown one.
    email: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=320)]


class ResetPasswordRequest(InputModel):
    token: Annotated[str, Field(min_length=10, max_length=256)]
    new_password: Password
