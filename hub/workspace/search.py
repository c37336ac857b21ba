"""Full-text search over a company's messages (migration 0011's index on each database).

Every word of the query must match, the last one as a prefix (the agent may still be
typing it); letters match without their accents, in any language (no stemming). Results are
the newest matching messages, each with a snippet whose matches are given as offsets, so the
client marks them without ever parsing markup. "Newest" is insertion order on SQLite (the FTS5
rowid, which lets a common word stop at its 50th match) and `created_at` on PostgreSQL; the
hub inserts messages as they are made, so the two agree.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from hub.conversations.views import iso
from hub.persistence.db import Database

WORD = re.compile(r"[^\W_]+")  # letters and digits: "_" separates words in both indexes
MAX_WORDS = 16
# Private-use characters around each match in the database's snippet, turned into offsets
# here; the client gets plain text and never markup.
OPEN, CLOSE = "\ue000", "\ue001"

SQLITE = f"""
SELECT m.id, m.conversation_id, m.seq, m.channel, m.sender, m.created_at,
       snippet(messages_fts, 1, '{OPEN}', '{CLOSE}', '…', 16) AS snippet,
       c.contact_id, ct.name AS contact_name, ct.email AS contact_email,
       ct.phone AS contact_phone
FROM messages_fts
JOIN messages m ON m.rowid = messages_fts.rowid
JOIN conversations c ON c.id = m.conversation_id
JOIN contacts ct ON ct.id = c.contact_id
WHERE messages_fts MATCH :match
ORDER BY messages_fts.rowid DESC
LIMIT :limit
"""

# PostgreSQL in two steps, because its planner cannot know how common a word is in one
# company: with a common word it should walk the newest messages and stop at the 50th match,
# with a rare one it should ask the GIN index. So: the newest RECENT_WINDOW messages first (the
# walk stops at the `limit`th match); only when they hold fewer, the newest matches from
# the index (company_id is in it, by btree_gin). A word rare enough to reach the second
# step has few matches, so both steps stay short.
RECENT_WINDOW = 5000
_PG_RECENT = """
    SELECT id, conversation_id, seq, channel, sender, created_at, text FROM (
        SELECT id, conversation_id, seq, channel, sender, created_at, text FROM messages
        WHERE company_id = :company_id ORDER BY created_at DESC, id DESC LIMIT :window
    ) recent
    WHERE to_tsvector('hub_search'::regconfig, recent.text) @@ to_tsquery('hub_search', :query)
    ORDER BY created_at DESC, id DESC LIMIT :limit
"""
# The index through migration 0011's function: Row Level Security would keep the tenant's
# role from using it, and the function walls the query by the tenant itself.
_PG_INDEXED = """
    SELECT m.id, m.conversation_id, m.seq, m.channel, m.sender, m.created_at, m.text
    FROM hub_search_messages(:company_id, :query, :limit) f
    JOIN messages m ON m.id = f.id
"""
_PG_PAGE = f"""
WITH hits AS MATERIALIZED ({{hits}})
SELECT h.id, h.conversation_id, h.seq, h.channel, h.sender, h.created_at,
       ts_headline('hub_search', h.text, to_tsquery('hub_search', :query),
                   'StartSel={OPEN}, StopSel={CLOSE}, MaxWords=24, MinWords=10, ShortWord=1')
           AS snippet,
       c.contact_id, ct.name AS contact_name, ct.email AS contact_email,
       ct.phone AS contact_phone
FROM hits h
JOIN conversations c ON c.id = h.conversation_id
JOIN contacts ct ON ct.id = c.contact_id
ORDER BY h.created_at DESC, h.id DESC
"""
PG_RECENT = _PG_PAGE.replace("{hits}", _PG_RECENT)
PG_INDEXED = _PG_PAGE.replace("{hits}", _PG_INDEXED)


def words(query: str) -> list[str]:
    """The query's words (runs of letters and digits), at most 16. NFC first: a combining
    accent typed apart from its letter is not a letter and would split the word."""
    return WORD.findall(unicodedata.normalize("NFC", query))[:MAX_WORDS]


def fts5_match(company_id: str, terms: list[str]) -> str:
    """An FTS5 query: the company's id token AND every word, the last as a prefix. Each word
    is quoted (it holds only word characters), so nothing the agent types is FTS5 syntax."""
    quoted = [f'"{w}"' for w in terms]
    quoted[-1] += "*"
    return f'company_id : "{company_id}" AND text : ({" AND ".join(quoted)})'


def tsquery(terms: list[str]) -> str:
    """A to_tsquery text: every word quoted as a lexeme, the last one a prefix."""
    lexemes = [f"'{w}'" for w in terms]
    lexemes[-1] += ":*"
    return " & ".join(lexemes)


def marked(snippet: str) -> dict[str, Any]:
    """`{"text", "marks": [[start, end], ...]}` from a snippet with OPEN/CLOSE around matches."""
    out: list[str] = []
    marks: list[list[int]] = []
    length = 0
    start: int | None = None
    for piece in re.split(f"([{OPEN}{CLOSE}])", snippet):
        if piece == OPEN:
            start = length
        elif piece == CLOSE:
            if start is not None and length > start:
                marks.append([start, length])
            start = None
        else:
            out.append(piece)
            length += len(piece)
    return {"text": "".join(out), "marks": marks}


def hit_view(row: Any) -> dict[str, Any]:
    return {
        "message_id": row.id,
        "conversation_id": row.conversation_id,
        "seq": row.seq,
        "channel": row.channel,
        "sender": row.sender,
        "created_at": iso(_when(row.created_at)),
        "snippet": marked(row.snippet or ""),
        "contact": {
            "id": row.contact_id,
            "name": row.contact_name,
            "email": row.contact_email,
            "phone": row.contact_phone,
        },
    }


def _when(value: Any) -> dt.datetime:
    """SQLite hands a raw query's datetimes back as text."""
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    assert isinstance(value, dt.datetime)
    return value


@dataclass
class MessageSearch:
    db: Database

    async def messages(self, company_id: str, query: str, limit: int) -> list[dict[str, Any]]:
        """The company's newest messages matching every word of `query` (none without a
        word)."""
        terms = words(query)
        if not terms:
            return []
        async with self.db.read() as conn:
            if self.db.is_sqlite:
                match = {"match": fts5_match(company_id, terms), "limit": limit}
                rows = (await conn.execute(text(SQLITE), match)).all()
            else:
                rows = await _postgres(conn, company_id, tsquery(terms), limit)
        return [hit_view(row) for row in rows]


async def _postgres(conn: Any, company_id: str, query: str, limit: int) -> list[Any]:
    """The newest matches: from the newest messages when they hold enough, else the index."""
    params = {"company_id": company_id, "query": query, "limit": limit}
    recent = (await conn.execute(text(PG_RECENT), {**params, "window": RECENT_WINDOW})).all()
    if len(recent) == limit:
        return list(recent)
    return list((await conn.execute(text(PG_INDEXED), params)).all())
