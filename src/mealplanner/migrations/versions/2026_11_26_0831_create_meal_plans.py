"""create meal plans

Revision ID: 20261126_0831
Revises: 20261126_0824
Create Date: 2026-11-26 08:31:41.468260+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import mealplanner.core.db

revision: str = "20261126_0831"
down_revision: str | None = "20261126_0824"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_feeds",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", mealplanner.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_calendar_feeds_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feeds_token_hash")),
    )
    op.create_table(
        "meal_plans",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", mealplanner.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", mealplanner.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_meal_plans_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meal_plans")),
        sa.UniqueConstraint("user_id", "week_start", name=op.f("uq_meal_plans_user_id")),
    )
    op.create_table(
        "planned_meals",
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("meal_type", sa.String(length=16), nullable=False),
        sa.Column("recipe_id", sa.Uuid(), nullable=False),
        sa.Column("servings", sa.Float(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_at", mealplanner.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["meal_plans.id"],
            name=op.f("fk_planned_meals_plan_id_meal_plans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recipe_id"],
            ["recipes.id"],
            name=op.f("fk_planned_meals_recipe_id_recipes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_planned_meals")),
    )
    with op.batch_alter_table("planned_meals", schema=None) as batch_op:
        batch_op.create_index("ix_planned_meals_plan_date", ["plan_id", "date"], unique=False)
        batch_op.create_index(batch_op.f("ix_planned_meals_recipe_id"), ["recipe_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("planned_meals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_planned_meals_recipe_id"))
        batch_op.drop_index("ix_planned_meals_plan_date")

    op.drop_table("planned_meals")
    op.drop_table("meal_plans")
    op.drop_table("calendar_feeds")
