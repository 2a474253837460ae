"""create recipes favorites activities

Revision ID: 20261126_0821
Revises: 20261126_0810
Create Date: 2026-11-26 08:21:03.329220+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import mealplanner.core.db

revision: str = "20261126_0821"
down_revision: str | None = "20261126_0810"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "activities",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("recipe_id", sa.Uuid(), nullable=True),
        sa.Column(
            "details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", mealplanner.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_activities_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index(
            "ix_activities_event_created", ["event_type", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_activities_recipe_event", ["recipe_id", "event_type"], unique=False
        )
        batch_op.create_index("ix_activities_user_created", ["user_id", "created_at"], unique=False)

    op.create_table(
        "recipes",
        sa.Column("slug", sa.String(length=140), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("cuisine", sa.String(length=40), nullable=False),
        sa.Column(
            "meal_types",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column(
            "tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("prep_minutes", sa.Integer(), nullable=False),
        sa.Column("cook_minutes", sa.Integer(), nullable=False),
        sa.Column("total_minutes", sa.Integer(), nullable=False),
        sa.Column("servings", sa.Float(), nullable=False),
        sa.Column("difficulty", sa.String(length=10), nullable=False),
        sa.Column(
            "instructions",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "nutrition",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("nutrition_coverage", sa.Float(), nullable=False),
        sa.Column(
            "unresolved_ingredients",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("calories", sa.Float(), nullable=False),
        sa.Column("protein_g", sa.Float(), nullable=False),
        sa.Column("carbs_g", sa.Float(), nullable=False),
        sa.Column("fat_g", sa.Float(), nullable=False),
        sa.Column(
            "dietary_flags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "allergens",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column(
            "image_keys",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("source_name", sa.String(length=200), nullable=True),
        sa.Column("source_url", sa.String(length=2000), nullable=True),
        sa.Column("source_id", sa.String(length=200), nullable=True),
        sa.Column("attribution", sa.String(length=500), nullable=True),
        sa.Column("visibility", sa.String(length=10), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("favorite_count", sa.Integer(), nullable=False),
        sa.Column("times_planned", sa.Integer(), nullable=False),
        sa.Column("popularity", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", mealplanner.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", mealplanner.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_recipes_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recipes")),
        sa.UniqueConstraint("slug", name=op.f("uq_recipes_slug")),
    )
    with op.batch_alter_table("recipes", schema=None) as batch_op:
        batch_op.create_index("ix_recipes_calories", ["calories"], unique=False)
        batch_op.create_index(batch_op.f("ix_recipes_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_recipes_cuisine"), ["cuisine"], unique=False)
        batch_op.create_index("ix_recipes_owner_id", ["owner_id"], unique=False)
        batch_op.create_index("ix_recipes_popularity", ["popularity"], unique=False)
        batch_op.create_index(batch_op.f("ix_recipes_source_id"), ["source_id"], unique=False)
        batch_op.create_index("ix_recipes_total_minutes", ["total_minutes"], unique=False)
        batch_op.create_index(
            "ix_recipes_visibility_created", ["visibility", "created_at"], unique=False
        )

    op.create_table(
        "favorites",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("recipe_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", mealplanner.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recipe_id"],
            ["recipes.id"],
            name=op.f("fk_favorites_recipe_id_recipes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_favorites_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "recipe_id", name=op.f("pk_favorites")),
    )
    with op.batch_alter_table("favorites", schema=None) as batch_op:
        batch_op.create_index("ix_favorites_recipe_id", ["recipe_id"], unique=False)

    op.create_table(
        "recipe_ingredients",
        sa.Column("recipe_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("group_name", sa.String(length=100), nullable=True),
        sa.Column("quantity", sa.Float(), nullable=True),
        sa.Column("quantity_max", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(length=20), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("preparation", sa.String(length=200), nullable=True),
        sa.Column("optional", sa.Boolean(), nullable=False),
        sa.Column("to_taste", sa.Boolean(), nullable=False),
        sa.Column("food_id", sa.String(length=8), nullable=True),
        sa.Column("link_confidence", sa.Float(), nullable=True),
        sa.Column("grams", sa.Float(), nullable=True),
        sa.Column("raw_text", sa.String(length=500), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recipe_id"],
            ["recipes.id"],
            name=op.f("fk_recipe_ingredients_recipe_id_recipes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recipe_ingredients")),
    )
    with op.batch_alter_table("recipe_ingredients", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recipe_ingredients_food_id"), ["food_id"], unique=False
        )
        batch_op.create_index(
            "ix_recipe_ingredients_recipe_position", ["recipe_id", "position"], unique=False
        )

    if op.get_bind().dialect.name == "postgresql":
        _create_postgres_search()
    else:
        _create_sqlite_search()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_recipes_search_vector")
        op.execute("DROP INDEX IF EXISTS ix_recipes_name_trgm")
        op.execute("DROP INDEX IF EXISTS ix_recipes_search_text_trgm")
        for column in ("meal_types", "tags", "dietary_flags", "allergens"):
            op.execute(f"DROP INDEX IF EXISTS ix_recipes_{column}_gin")
        op.execute("ALTER TABLE recipes DROP COLUMN IF EXISTS search_vector")
    else:
        for name in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS recipes_search_{name}")
        op.execute("DROP TABLE IF EXISTS recipes_fts")
        op.execute("DROP TABLE IF EXISTS recipes_trgm")
    with op.batch_alter_table("recipe_ingredients", schema=None) as batch_op:
        batch_op.drop_index("ix_recipe_ingredients_recipe_position")
        batch_op.drop_index(batch_op.f("ix_recipe_ingredients_food_id"))

    op.drop_table("recipe_ingredients")
    with op.batch_alter_table("favorites", schema=None) as batch_op:
        batch_op.drop_index("ix_favorites_recipe_id")

    op.drop_table("favorites")
    with op.batch_alter_table("recipes", schema=None) as batch_op:
        batch_op.drop_index("ix_recipes_visibility_created")
        batch_op.drop_index("ix_recipes_total_minutes")
        batch_op.drop_index(batch_op.f("ix_recipes_source_id"))
        batch_op.drop_index("ix_recipes_popularity")
        batch_op.drop_index("ix_recipes_owner_id")
        batch_op.drop_index(batch_op.f("ix_recipes_cuisine"))
        batch_op.drop_index(batch_op.f("ix_recipes_category"))
        batch_op.drop_index("ix_recipes_calories")

    op.drop_table("recipes")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index("ix_activities_user_created")
        batch_op.drop_index("ix_activities_recipe_event")
        batch_op.drop_index("ix_activities_event_created")

    op.drop_table("activities")


def _create_postgres_search() -> None:
    # websearch_to_tsquery() on the query side; weights: name A, cuisine/tags B,
    # ingredients C, description D.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(
        """
        ALTER TABLE recipes ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('english', coalesce(name, '')), 'A') ||
            setweight(to_tsvector('english', coalesce(cuisine, '') || ' ' || tags::text), 'B') ||
            setweight(to_tsvector('english', coalesce(search_text, '')), 'C') ||
            setweight(to_tsvector('english', coalesce(description, '')), 'D')
        ) STORED
        """
    )
    op.execute("CREATE INDEX ix_recipes_search_vector ON recipes USING gin (search_vector)")
    op.execute("CREATE INDEX ix_recipes_name_trgm ON recipes USING gin (name gin_trgm_ops)")
    op.execute(
        "CREATE INDEX ix_recipes_search_text_trgm ON recipes USING gin (search_text gin_trgm_ops)"
    )
    for column in ("meal_types", "tags", "dietary_flags", "allergens"):
        op.execute(
            f"CREATE INDEX ix_recipes_{column}_gin ON recipes USING gin ({column} jsonb_path_ops)"
        )


_FTS_COLUMNS = "name, cuisine, tags, search_text, description"


def _create_sqlite_search() -> None:
    # External-content FTS5 tables over recipes' implicit rowid, kept in sync by triggers.
    # A later batch migration that rebuilds `recipes` must recreate these and run
    # INSERT INTO recipes_fts(recipes_fts) VALUES('rebuild').
    op.execute(
        f"CREATE VIRTUAL TABLE recipes_fts USING fts5({_FTS_COLUMNS}, content='recipes', "
        "content_rowid='rowid', tokenize='porter unicode61 remove_diacritics 2')"
    )
    op.execute(
        "CREATE VIRTUAL TABLE recipes_trgm USING fts5(name, content='recipes', "
        "content_rowid='rowid', tokenize='trigram')"
    )
    new_values = ", ".join(f"new.{c.strip()}" for c in _FTS_COLUMNS.split(","))
    old_values = ", ".join(f"old.{c.strip()}" for c in _FTS_COLUMNS.split(","))
    delete_old = (
        f"INSERT INTO recipes_fts(recipes_fts, rowid, {_FTS_COLUMNS}) "
        f"VALUES ('delete', old.rowid, {old_values}); "
        "INSERT INTO recipes_trgm(recipes_trgm, rowid, name) VALUES ('delete', old.rowid, old.name);"
    )
    insert_new = (
        f"INSERT INTO recipes_fts(rowid, {_FTS_COLUMNS}) VALUES (new.rowid, {new_values}); "
        "INSERT INTO recipes_trgm(rowid, name) VALUES (new.rowid, new.name);"
    )
    op.execute(f"CREATE TRIGGER recipes_search_ai AFTER INSERT ON recipes BEGIN {insert_new} END")
    op.execute(f"CREATE TRIGGER recipes_search_ad AFTER DELETE ON recipes BEGIN {delete_old} END")
    op.execute(
        f"CREATE TRIGGER recipes_search_au AFTER UPDATE OF {_FTS_COLUMNS} ON recipes "
        f"BEGIN {delete_old} {insert_new} END"
    )
