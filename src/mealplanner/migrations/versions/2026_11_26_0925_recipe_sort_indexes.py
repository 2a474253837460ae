"""recipe sort indexes usable with the public-or-owner visibility filter

Revision ID: 20261126_0925
Revises: 20261126_0900
Create Date: 2026-11-26 09:25:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "20261126_0925"
down_revision: str | None = "20261126_0900"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain index operations (no batch mode): a SQLite batch would rebuild `recipes` and lose the
# FTS5 triggers and rowids that the search tables depend on.


def upgrade() -> None:
    op.drop_index("ix_recipes_visibility_created", table_name="recipes")
    op.create_index("ix_recipes_created_at", "recipes", ["created_at"], unique=False)
    op.create_index("ix_recipes_name", "recipes", ["name"], unique=False)
    op.create_index("ix_recipes_protein_g", "recipes", ["protein_g"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_recipes_protein_g", table_name="recipes")
    op.drop_index("ix_recipes_name", table_name="recipes")
    op.drop_index("ix_recipes_created_at", table_name="recipes")
    op.create_index(
        "ix_recipes_visibility_created", "recipes", ["visibility", "created_at"], unique=False
    )
