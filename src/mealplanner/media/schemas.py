from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from mealplanner.core.schemas import CamelModel, InputModel


class UploadUrlRequest(InputModel):
    filename: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
    content_type: Literal["image/jpeg", "image/png", "image/webp"]


class UploadUrlResponse(CamelModel):
    upload_id: uuid.UUID
    upload_url: str
    key: str
    expires_at: datetime
    method: str = "PUT"
    headers: dict[str, str] = Field(description="Send these headers with the upload")


class ConfirmRequest(InputModel):
    key: Annotated[str, StringConstraints(min_length=1, max_length=512)]


class UploadRead(CamelModel):
    id: uuid.UUID
    status: str
    target: str
    target_id: uuid.UUID
    error: str | None
    created_at: datetime
    processed_at: datetime | None
