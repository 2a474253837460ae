"""recipe search storage and indexes: inline tsvector, lower(name), (popularity, id)

Revision ID: 20261126_1120
Revises: 20261126_1100
Create Date: 2026-11-26 11:20:00+00:00

PostgreSQL, measured on 100,000 recipes (bench/README.md):
- A recipe row averaged 2.7 KB, over the 2 KB TOAST threshold, and the largest value, the 1 KB
  `tsvector`, was the one moved out of line: every search that tested `@@` row by row (walking
  the popularity index for the most popular matches) paid a TOAST lookup per row, three buffer
  reads instead of one. The vector is now kept in the row (MAIN) and the large values nobody
  filters on (ingredient text, steps, nutrition, description) leave it instead:
  `toast_tuple_target = 512`, with the columns filters and list pages read kept in the row.
  CLUSTER rewrites the existing rows under the new settings (an exclusive lock for about 25 s
  per 100,000 recipes).
- Exact name matches always rank first: `ix_recipes_name_lower` finds them without lowering
  every match's name.
- Most recipes share a popularity of 0 and the id orders the ties: `ix_recipes_popularity`
  gains the id and serves `ORDER BY popularity DESC, id DESC` with no sort of one huge tie group.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "20261126_1120"
down_revision: str | None = "20261126_1100"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Read by search, filters or every list page: kept in the row.
_INLINE = (
    "search_vector",
    "name",
    "slug",
    "cuisine",
    "category",
    "tags",
    "meal_types",
    "dietary_flags",
    "allergens",
    "image_keys",
)


def upgrade() -> None:
    op.drop_index("ix_recipes_popularity", table_name="recipes")
    op.create_index("ix_recipes_popularity", "recipes", ["popularity", "id"], unique=False)
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE INDEX ix_recipes_name_lower ON recipes (lower(name))")
    op.execute("ALTER TABLE recipes SET (toast_tuple_target = 512)")
    for column in _INLINE:
        op.execute(f"ALTER TABLE recipes ALTER COLUMN {column} SET STORAGE MAIN")
    op.execute("CLUSTER recipes USING pk_recipes")
    op.execute("ALTER TABLE recipes SET WITHOUT CLUSTER")
    op.execute("ANALYZE recipes")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_recipes_name_lower")
        for column in _INLINE:
            op.execute(f"ALTER TABLE recipes ALTER COLUMN {column} SET STORAGE EXTENDED")
        op.execute("ALTER TABLE recipes RESET (toast_tuple_target)")
    op.drop_index("ix_recipes_popularity", table_name="recipes")
    op.create_index("ix_recipes_popularity", "recipes", ["popularity"], unique=False)
