"""Full-text search over a company's messages (migration 0011's index on each database).

Every word of the query must match, the last one as a prefix (the agent may still be
typing it); letters match without their accents, in any language (no stemming). Results are
the newest matching messages, each with a snippet whose matches are given as offsets, so the
client marks them without ever parsing markup.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from hub.conversations.views import iso
from hub.persistence.db import Database

WORD = re.compile(r"\w+")
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

# The company filter and the GIN index find the rows; only the page gets a headline.
POSTGRES = f"""
WITH q AS (SELECT to_tsquery('hub_search', :query) AS query),
hits AS (
    SELECT m.id, m.conversation_id, m.seq, m.channel, m.sender, m.created_at, m.text
    FROM messages m, q
    WHERE m.company_id = :company_id
      AND to_tsvector('hub_search'::regconfig, m.text) @@ q.query
    ORDER BY m.created_at DESC, m.id DESC
    LIMIT :limit
)
SELECT h.id, h.conversation_id, h.seq, h.channel, h.sender, h.created_at,
       ts_headline('hub_search', h.text, q.query,
                   'StartSel={OPEN}, StopSel={CLOSE}, MaxWords=24, MinWords=10, ShortWord=1')
           AS snippet,
       c.contact_id, ct.name AS contact_name, ct.email AS contact_email,
       ct.phone AS contact_phone
FROM hits h CROSS JOIN q
JOIN conversations c ON c.id = h.conversation_id
JOIN contacts ct ON ct.id = c.contact_id
ORDER BY h.created_at DESC, h.id DESC
"""


def words(query: str) -> list[str]:
    """The query's words (letters, digits, underscore), at most 16."""
    return WORD.findall(query)[:MAX_WORDS]


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
        if self.db.is_sqlite:
            sql, params = SQLITE, {"match": fts5_match(company_id, terms)}
        else:
            sql, params = POSTGRES, {"query": tsquery(terms), "company_id": company_id}
        async with self.db.read() as conn:
            rows = (await conn.execute(text(sql), {**params, "limit": limit})).all()
        return [hit_view(row) for row in rows]
