"""Schema objects created by hand in migrations, outside the SQLAlchemy models.

Full-text search needs dialect-specific objects (a generated `tsvector` column and trigram
indexes on PostgreSQL, FTS5 virtual tables and triggers on SQLite). Autogenerate and the drift
test skip them; the search tests cover them instead.
"""

from __future__ import annotations

from typing import Any

UNMANAGED_TABLE_PREFIXES = ("recipes_fts", "recipes_trgm")
UNMANAGED_COLUMNS = {("recipes", "search_vector")}
UNMANAGED_INDEXES = {
    "uq_users_email_lower",
    "ix_recipes_search_vector",
    "ix_recipes_name_lower",
    "ix_recipes_name_trgm",
    "ix_recipes_search_text_trgm",
    "ix_recipes_meal_types_gin",
    "ix_recipes_tags_gin",
    "ix_recipes_dietary_flags_gin",
    "ix_recipes_allergens_gin",
}


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic `include_name` hook: leave the hand-made search objects alone."""
    if name is None:
        return True
    if type_ == "table":
        return not name.startswith(UNMANAGED_TABLE_PREFIXES)
    if type_ == "column":
        return (parent_names.get("table_name"), name) not in UNMANAGED_COLUMNS
    if type_ == "index":
        return name not in UNMANAGED_INDEXES
    return True
