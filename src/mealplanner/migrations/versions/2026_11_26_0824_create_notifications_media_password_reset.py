"""create notifications media password reset

Revision ID: 20261126_0824
Revises: 20261126_0821
Create Date: 2026-11-26 08:24:15.285520+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import mealplanner.core.db

revision: str = "20261126_0824"
down_revision: str | None = "20261126_0821"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scheduler_runs",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("last_run_at", mealplanner.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_runs")),
    )
    op.create_table(
        "media_uploads",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("target", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=512), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.String(length=64), nullable=True),
        sa.Column("created_at", mealplanner.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("processed_at", mealplanner.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_media_uploads_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_uploads")),
    )
    with op.batch_alter_table("media_uploads", schema=None) as batch_op:
        batch_op.create_index(
            "ix_media_uploads_status_created", ["status", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_media_uploads_user_id"), ["user_id"], unique=False)

    op.create_table(
        "notification_deliveries",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("period_key", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", mealplanner.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", mealplanner.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notification_deliveries_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_deliveries")),
        sa.UniqueConstraint(
            "user_id", "kind", "period_key", name="uq_notification_deliveries_user_kind_period"
        ),
    )
    op.create_table(
        "password_reset_tokens",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", mealplanner.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", mealplanner.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", mealplanner.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_password_reset_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_reset_tokens_token_hash")),
    )
    with op.batch_alter_table("password_reset_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_password_reset_tokens_user_id"), ["user_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("password_reset_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_password_reset_tokens_user_id"))

    op.drop_table("password_reset_tokens")
    op.drop_table("notification_deliveries")
    with op.batch_alter_table("media_uploads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_uploads_user_id"))
        batch_op.drop_index("ix_media_uploads_status_created")

    op.drop_table("media_uploads")
    op.drop_table("scheduler_runs")
