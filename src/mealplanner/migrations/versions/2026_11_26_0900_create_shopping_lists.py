"""create shopping lists

Revision ID: 20261126_0900
Revises: 20261126_0838
Create Date: 2026-11-26 08:39:47.510976+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import mealplanner.core.db

revision: str = "20261126_0900"
down_revision: str | None = "20261126_0838"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "shopping_lists",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("meal_plan_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("from_date", sa.Date(), nullable=False),
        sa.Column("to_date", sa.Date(), nullable=False),
        sa.Column("unit_system", sa.String(length=10), nullable=False),
        sa.Column("share_token_hash", sa.String(length=64), nullable=True),
        sa.Column(
            "share_expires_at", mealplanner.core.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("share_revoked", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", mealplanner.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", mealplanner.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meal_plan_id"],
            ["meal_plans.id"],
            name=op.f("fk_shopping_lists_meal_plan_id_meal_plans"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_shopping_lists_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shopping_lists")),
        sa.UniqueConstraint("meal_plan_id", name=op.f("uq_shopping_lists_meal_plan_id")),
        sa.UniqueConstraint("share_token_hash", name=op.f("uq_shopping_lists_share_token_hash")),
    )
    with op.batch_alter_table("shopping_lists", schema=None) as batch_op:
        batch_op.create_index(
            "ix_shopping_lists_user_created", ["user_id", "created_at"], unique=False
        )

    op.create_table(
        "shopping_list_items",
        sa.Column("list_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("food_id", sa.String(length=8), nullable=True),
        sa.Column("merge_key", sa.String(length=255), nullable=True),
        sa.Column("quantity", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(length=20), nullable=True),
        sa.Column("display", sa.String(length=300), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("checked", sa.Boolean(), nullable=False),
        sa.Column("manual", sa.Boolean(), nullable=False),
        sa.Column("optional", sa.Boolean(), nullable=False),
        sa.Column("to_taste", sa.Boolean(), nullable=False),
        sa.Column(
            "sources",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", mealplanner.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", mealplanner.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["shopping_lists.id"],
            name=op.f("fk_shopping_list_items_list_id_shopping_lists"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shopping_list_items")),
    )
    with op.batch_alter_table("shopping_list_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_shopping_list_items_list_position", ["list_id", "position"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("shopping_list_items", schema=None) as batch_op:
        batch_op.drop_index("ix_shopping_list_items_list_position")

    op.drop_table("shopping_list_items")
    with op.batch_alter_table("shopping_lists", schema=None) as batch_op:
        batch_op.drop_index("ix_shopping_lists_user_created")

    op.drop_table("shopping_lists")
