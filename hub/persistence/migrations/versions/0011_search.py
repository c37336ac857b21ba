"""search: full-text search over messages; conversations by contact

- PostgreSQL: a text search configuration `hub_search` (the `simple` parser and dictionary,
  after `unaccent`: no stemming and no stop words, so Spanish and English both match, and
  "canción" matches "cancion"), and a GIN index over (company_id, `to_tsvector('hub_search',
  text)`) (`btree_gin` puts the company in it). The index is an expression, not a stored
  column: nothing is added to the message row. `unaccent` and `btree_gin` are trusted
  extensions (PostgreSQL 13+): the database owner may create them.
  Under Row Level Security the index is of no use to the `hub_tenant` role: `@@` is not
  leakproof, so PostgreSQL checks the policy on every row of the company before it (seconds
  on a million messages). `hub_search_messages(company, query, limit)` therefore asks the
  index as its owner (SECURITY DEFINER) and keeps the tenant wall itself: it answers nothing
  unless `company` is the transaction's `app.company_id`, the setting the policy reads.
- SQLite: `messages_fts`, an FTS5 external-content table over messages (the text is not
  stored twice) with the unicode61 tokenizer removing diacritics, indexing `company_id` too,
  so a query is walled inside the index. `columnsize=0`: no `messages_fts_docsize` row per
  message, a page less in every commit (bm25 needs it, but the search ranks by time, and
  snippet() counts its few results' tokens itself). Three triggers keep it in step; they
  sit beside 0008's and touch no other table. The table is built from the existing rows here.
- Both: `ix_conversations_contact` (contact_id, updated_at): an SMS/WhatsApp message's
  contact-to-conversation look-up (hub.channels.inbound) and the contacts list.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 15:30:00

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
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


SIGNATURE = "hub_search_messages(varchar, text, integer)"
# EXECUTE plans each call with its values (a rare word takes the index); OFFSET 0 keeps the
# planner from walking the company's messages in time order instead.
SEARCH_FUNCTION = """
CREATE FUNCTION hub_search_messages(company varchar, query text, lim integer)
RETURNS TABLE (id varchar, created_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $fn$
BEGIN
    -- 0005's tenant wall, kept by hand: this owner's query bypasses Row Level Security.
    IF current_setting('app.company_id', true) IS DISTINCT FROM company THEN
        RETURN;
    END IF;
    RETURN QUERY EXECUTE
        'SELECT f.id, f.created_at FROM (
             SELECT m.id, m.created_at FROM public.messages m
             WHERE m.company_id = $1
               AND to_tsvector(''hub_search''::regconfig, m.text) @@ to_tsquery(''hub_search'', $2)
             OFFSET 0) f
         ORDER BY f.created_at DESC, f.id DESC LIMIT $3'
        USING company, query, lim;
END
$fn$
"""


def upgrade() -> None:
    op.create_index("ix_conversations_contact", "conversations", ["contact_id", "updated_at"])
    if op.get_context().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
        op.execute("CREATE TEXT SEARCH CONFIGURATION hub_search (COPY = simple)")
        op.execute(
            "ALTER TEXT SEARCH CONFIGURATION hub_search "
            "ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part "
            "WITH unaccent, simple"
        )
        op.execute(
            "CREATE INDEX ix_messages_search ON messages "
            "USING gin (company_id, to_tsvector('hub_search'::regconfig, text))"
        )
        op.execute(SEARCH_FUNCTION)
        op.execute(f"REVOKE ALL ON FUNCTION {SIGNATURE} FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION {SIGNATURE} TO hub_tenant")
        return
    op.execute(
        "CREATE VIRTUAL TABLE messages_fts USING fts5("
        "company_id, text, content='messages', content_rowid='rowid', columnsize=0, "
        "tokenize='unicode61 remove_diacritics 2')"
    )
    for trigger in SQLITE_TRIGGERS:
        op.execute(trigger)
    op.execute("INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION {SIGNATURE}")
        op.execute("DROP INDEX ix_messages_search")
        op.execute("DROP TEXT SEARCH CONFIGURATION hub_search")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER messages_fts_{name}")
        op.execute("DROP TABLE messages_fts")
    op.drop_index("ix_conversations_contact", table_name="conversations")
