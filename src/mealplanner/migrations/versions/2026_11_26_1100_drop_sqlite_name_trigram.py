"""drop the SQLite trigram name index: typo correction now uses the catalog's word list

Revision ID: 20261126_1100
Revises: 20261126_0925
Create Date: 2026-11-26 11:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "20261126_1100"
down_revision: str | None = "20261126_0925"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FTS_COLUMNS = "name, cuisine, tags, search_text, description"
_NEW = ", ".join(f"new.{c.strip()}" for c in _FTS_COLUMNS.split(","))
_OLD = ", ".join(f"old.{c.strip()}" for c in _FTS_COLUMNS.split(","))
_FTS_DELETE = f"INSERT INTO recipes_fts(recipes_fts, rowid, {_FTS_COLUMNS}) VALUES ('delete', old.rowid, {_OLD});"
_FTS_INSERT = f"INSERT INTO recipes_fts(rowid, {_FTS_COLUMNS}) VALUES (new.rowid, {_NEW});"
_TRGM_DELETE = (
    "INSERT INTO recipes_trgm(recipes_trgm, rowid, name) VALUES ('delete', old.rowid, old.name);"
)
_TRGM_INSERT = "INSERT INTO recipes_trgm(rowid, name) VALUES (new.rowid, new.name);"


def _triggers(delete_old: str, insert_new: str) -> None:
    for name in ("ai", "ad", "au"):
        op.execute(f"DROP TRIGGER IF EXISTS recipes_search_{name}")
    op.execute(f"CREATE TRIGGER recipes_search_ai AFTER INSERT ON recipes BEGIN {insert_new} END")
    op.execute(f"CREATE TRIGGER recipes_search_ad AFTER DELETE ON recipes BEGIN {delete_old} END")
    op.execute(
        f"CREATE TRIGGER recipes_search_au AFTER UPDATE OF {_FTS_COLUMNS} ON recipes "
        f"BEGIN {delete_old} {insert_new} END"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL keeps its name trigram index: it serves word-start ILIKE matches
    _triggers(_FTS_DELETE, _FTS_INSERT)
    op.execute("DROP TABLE IF EXISTS recipes_trgm")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE VIRTUAL TABLE recipes_trgm USING fts5(name, content='recipes', "
        "content_rowid='rowid', tokenize='trigram')"
    )
    op.execute("INSERT INTO recipes_trgm(recipes_trgm) VALUES ('rebuild')")
    _triggers(f"{_FTS_DELETE} {_TRGM_DELETE}", f"{_FTS_INSERT} {_TRGM_INSERT}")
