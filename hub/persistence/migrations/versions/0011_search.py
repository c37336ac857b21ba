"""search: full-text search over messages; conversations by contact

- PostgreSQL: a text search configuration `hub_search` (the `simple` parser and dictionary,
  after `unaccent`: no stemming and no stop words, so Spanish and English both match, and
  "canción" matches "cancion"), and a GIN index over `to_tsvector('hub_search', text)`. The
  index is an expression, not a stored column: nothing is added to the message row.
  `unaccent` is a trusted extension (PostgreSQL 13+): the database owner may create it.
- SQLite: `messages_fts`, an FTS5 external-content table over messages (the text is not
  stored twice) with the unicode61 tokenizer removing diacritics, indexing `company_id` too,
  so a query is walled inside the index. Three triggers keep it in step; they sit beside
  0008's and touch no other table. The table is built from the existing rows here.
- Both: `ix_conversations_contact` (contact_id, updated_at): an SMS/WhatsApp message's
  contact-to-conversation look-up (hub.channels.inbound) and the contacts list.

Revision ID: 0011_search
Revises: 0010
Create Date: 2026-12-03 15:30:00

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011_search"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_TRIGGERS = (
    """CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts (rowid, company_id, text)
        VALUES (new.rowid, new.company_id, new.text);
    END""",
    """CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, company_id, text)
        VALUES ('delete', old.rowid, old.company_id, old.text);
    END""",
    # Only a change of the text (or company) re-indexes: status updates stay cheap.
    """CREATE TRIGGER messages_fts_update AFTER UPDATE OF text, company_id ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, company_id, text)
        VALUES ('delete', old.rowid, old.company_id, old.text);
        INSERT INTO messages_fts (rowid, company_id, text)
        VALUES (new.rowid, new.company_id, new.text);
    END""",
)


def upgrade() -> None:
    op.create_index("ix_conversations_contact", "conversations", ["contact_id", "updated_at"])
    if op.get_context().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        op.execute("CREATE TEXT SEARCH CONFIGURATION hub_search (COPY = simple)")
        op.execute(
            "ALTER TEXT SEARCH CONFIGURATION hub_search "
            "ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part "
            "WITH unaccent, simple"
        )
        op.execute(
            "CREATE INDEX ix_messages_search ON messages "
            "USING gin (to_tsvector('hub_search'::regconfig, text))"
        )
        return
    op.execute(
        "CREATE VIRTUAL TABLE messages_fts USING fts5("
        "company_id, text, content='messages', content_rowid='rowid', "
        "tokenize='unicode61 remove_diacritics 2')"
    )
    for trigger in SQLITE_TRIGGERS:
        op.execute(trigger)
    op.execute("INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_messages_search")
        op.execute("DROP TEXT SEARCH CONFIGURATION hub_search")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER messages_fts_{name}")
        op.execute("DROP TABLE messages_fts")
    op.drop_index("ix_conversations_contact", table_name="conversations")
