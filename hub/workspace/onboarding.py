"""The onboarding checklist: what a new company has left to do, read from its own data.

Nothing here is a flag an owner ticks, except `dismissed` (the walkthrough closed for good,
`companies.onboarding_dismissed_at`). Each item is done when the data it speaks of says so:

- `profile`: the company has a name and a description or a website;
- `widget`: at least one visit was counted (`daily_stats`, kept after purges and erasures).
  The walkthrough's own preview (`/preview`) is never counted (hub.connections.widget), so
  only a page that embeds the snippet (or the demo page, for the demo company) ticks it;
- `sms` / `whatsapp` (optional): the Twilio / Kapso account is saved, and an inbound message
  on that channel arrived since it was last saved (a conversation's `last_inbound_at`):
  re-saving the account asks for a new test message;
- `knowledge`: at least KNOWLEDGE_NEEDED facts and Q&A pairs together;
- `team`: a second agent of the company exists and is not revoked, or an invitation is
  pending (invited or joined).
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Any
from urllib.parse import quote

from sqlalchemy import and_, exists, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.persistence import repository as repo
from hub.persistence.db import Database
from hub.persistence.models import utcnow

KNOWLEDGE_NEEDED = 3  # facts and Q&A pairs together: enough for a first useful answer
PROVIDER_CHANNEL = {"twilio": "sms", "kapso": "whatsapp"}
# Where each provider is told to post (hub.api.routes), joined to PUBLIC_URL.
WEBHOOK_PATHS = {
    "twilio_sms": "/webhooks/twilio/sms",
    "twilio_status": "/webhooks/twilio/status",
    "kapso": "/webhooks/kapso",
}


def snippet(public_url: str, widget_key: str) -> str:
    """The one tag a company pastes into its pages (README, "Embed the widget")."""
    key = html.escape(widget_key, quote=True)
    return f'<script src="{public_url}/widget.js" data-key="{key}" async></script>'


def webhooks(public_url: str) -> dict[str, str]:
    """The exact addresses to paste into Twilio and Kapso (the signed URL is PUBLIC_URL's)."""
    return {name: public_url + path for name, path in WEBHOOK_PATHS.items()}


async def checklist(db: Database, public_url: str, company_id: str) -> dict[str, Any]:
    """The company's checklist, with what the walkthrough's steps show (docs/protocol.md)."""
    async with db.read() as conn:
        company = await repo.company_by_id(conn, company_id)
        assert company is not None
        items = [
            _item("profile", bool(company.name and (company.description or company.website))),
            _item("widget", await _visited(conn, company_id)),
            await _channel(conn, company_id, "twilio"),
            await _channel(conn, company_id, "kapso"),
            await _knowledge(conn, company_id, len(company.facts or [])),
            _item("team", await _has_team(conn, company_id)),
        ]
    left = [item["id"] for item in items if not item["done"] and not item["optional"]]
    return {
        "items": items,
        "left": len(left),
        "done": not left,
        "dismissed": company.onboarding_dismissed_at is not None,
        "widget": {
            "key": company.widget_key,
            "snippet": snippet(public_url, company.widget_key),
            "preview_url": "/preview?key=" + quote(company.widget_key, safe=""),
        },
        "webhooks": webhooks(public_url),
    }


async def set_dismissed(db: Database, company_id: str, dismissed: bool) -> None:
    """Close the walkthrough for good (it no longer opens by itself), or open it again."""
    when: dt.datetime | None = utcnow() if dismissed else None
    async with db.write() as conn:
        stmt = repo.companies.update().where(repo.companies.c.id == company_id)
        await conn.execute(stmt.values(onboarding_dismissed_at=when))


def _item(name: str, done: bool, optional: bool = False, **more: Any) -> dict[str, Any]:
    return {"id": name, "done": done, "optional": optional, **more}


async def _visited(conn: AsyncConnection, company_id: str) -> bool:
    table = repo.daily_stats
    stmt = select(exists().where(table.c.company_id == company_id, table.c.visits > 0))
    return bool((await conn.execute(stmt)).scalar())


async def _channel(conn: AsyncConnection, company_id: str, provider: str) -> dict[str, Any]:
    """`connected`: the account is saved; done: a message came in on it since it was saved."""
    channel = PROVIDER_CHANNEL[provider]
    table = repo.integrations
    saved = await repo.one(
        conn,
        select(table.c.updated_at).where(
            table.c.company_id == company_id, table.c.provider == provider
        ),
    )
    if saved is None:
        return _item(channel, False, optional=True, connected=False)
    convs = repo.conversations
    # `updated_at` bounds the scan to the company's recent conversations (its index).
    since = saved.updated_at
    arrived = exists().where(
        and_(
            convs.c.company_id == company_id,
            convs.c.updated_at >= since,
            convs.c.channel == channel,
            convs.c.last_inbound_at >= since,
        )
    )
    done = bool((await conn.execute(select(arrived))).scalar())
    return _item(channel, done, optional=True, connected=True)


async def _knowledge(conn: AsyncConnection, company_id: str, facts: int) -> dict[str, Any]:
    pairs = await repo.count_rows(conn, repo.qa_pairs, company_id=company_id)
    count = facts + pairs
    return _item("knowledge", count >= KNOWLEDGE_NEEDED, count=count, needed=KNOWLEDGE_NEEDED)


async def _teammates(conn: AsyncConnection, company_id: str) -> int:
    """Agents of the company that are not revoked (invited or joined), the owner included."""
    table = repo.agents
    stmt = select(func.count()).where(table.c.company_id == company_id, table.c.revoked.is_(False))
    return int((await conn.execute(stmt)).scalar_one())


async def _has_team(conn: AsyncConnection, company_id: str) -> bool:
    return await _teammates(conn, company_id) > 1 or await _invited(conn, company_id)


async def _invited(conn: AsyncConnection, company_id: str) -> bool:
    """An invitation of the Team tab still waiting to be accepted."""
    table = repo.invitations
    stmt = select(table.c.id).where(
        table.c.company_id == company_id,
        table.c.accepted_at.is_(None),
        table.c.expires_at > utcnow(),
    )
    return (await conn.execute(stmt.limit(1))).first() is not None


async def widget_owner_name(db: Database, widget_key: str) -> str | None:
    """The name of the company a widget key belongs to (the preview page's title), or None."""
    async with db.read() as conn:
        row = await repo.widget_company(conn, widget_key)
    return None if row is None else str(row.name)
