from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from mealplanner.core.db import Base, Timestamps, UUIDPrimaryKey

STATUS_QUEUED = "queued"
STATUS_RUNNING = "running"
STATUS_DONE = "done"
STATUS_FAILED = "failed"


class RecipeImport(UUIDPrimaryKey, Timestamps, Base):
    """One uploaded file being imported, with its progress and report.

    `report` holds per-recipe errors, warnings and unlinked ingredient lines (capped lists);
    `error_code`/`error_message` say why a whole file was refused.
    """

    __tablename__ = "recipe_imports"
    __table_args__ = (Index("ix_recipe_imports_owner_created", "owner_id", "created_at"),)

    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default=STATUS_QUEUED)
    found: Mapped[int] = mapped_column(Integer, default=0)
    imported: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error_code: Mapped[str | None] = mapped_column(String(40))
    error_message: Mapped[str | None] = mapped_column(String(300))
    # The uploaded file in object storage until the job has read it.
    upload_key: Mapped[str | None] = mapped_column(String(512))
    finished_at: Mapped[datetime | None]
