"""recipe popularity refreshed in the background from a queue of changed recipes

Revision ID: 20261127_0240
Revises: 20261126_1740
Create Date: 2026-11-27 02:40:00+00:00

Planning a meal or favouriting a recipe used to update the recipe's indexed `popularity`
in the request, which made every such UPDATE non-HOT: it inserted into all 20 indexes of
`recipes` (7 of them GIN), and a GIN pending-list flush stalled the writing request for up
to 451 ms (bench/README.md, session 5). The request now only bumps the unindexed counters
and queues the recipe id here; a background loop recomputes `popularity` for queued recipes.

`fillfactor = 85` leaves room in each page for the new row versions of those counter
updates, so they can stay on the page (HOT). It applies to pages written from now on;
`VACUUM FULL recipes` rewrites existing ones (optional; it locks the table).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261127_0240"
down_revision: str | None = "20261126_1740"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "recipe_popularity_queue",
        sa.Column("recipe_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("recipe_id", name=op.f("pk_recipe_popularity_queue")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE recipes SET (fillfactor = 85)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE recipes RESET (fillfactor)")
    op.drop_table("recipe_popularity_queue")
