from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from mealplanner.core.clock import utcnow
from mealplanner.core.db import Base

TARGET_AVATAR = "avatar"
TARGET_RECIPE = "recipe"

UPLOAD_PENDING = "pending"
UPLOAD_PROCESSING = "processing"
UPLOAD_DONE = "done"
UPLOAD_FAILED = "failed"


class MediaUpload(Base):
    """An upload URL handed out; its id is the `{uploadId}` of the temp key.

    Confirming checks the caller owns the upload and that it targets the same avatar or
    recipe, so nobody can attach another user's upload.
    """

    __tablename__ = "media_uploads"
    __table_args__ = (Index("ix_media_uploads_status_created", "status", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    target: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[uuid.UUID]
    key: Mapped[str] = mapped_column(String(512))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=UPLOAD_PENDING)
    error: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]
