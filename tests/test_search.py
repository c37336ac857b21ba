"""Full-text search and the contacts list, on SQLite (FTS5) and PostgreSQL (tsvector): walled
per company, newest first, prefix and accent-blind; kept right by erasure and edits; one
contact for one phone on SMS and WhatsApp, through the real signed webhooks."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from hub.persistence import repository as repo
from tests.channel_support import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    KAPSO_SECRET,
    PHONE_NUMBER_ID,
    TWILIO_NUMBER,
    ChannelHub,
    channel_hub,
)
from tests.fakes.webhooks import (
    inbound_sms_params,
    kapso_message_received,
    post_kapso,
    post_twilio,
)
from tests.support.seeding import widget_conversation
from tests.support.server import HubServer

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
async def ch(database_url: str) -> AsyncIterator[ChannelHub]:
    async with channel_hub(database_url) as hub:
        yield hub


async def seed(
    server: HubServer, company_id: str, texts: list[str], **contact: Any
) -> tuple[str, str]:
    """A contact with one widget conversation holding `texts`, a minute apart from T0.
    Returns (contact id, conversation id)."""
    async with server.hub.db.write() as conn:
        return await widget_conversation(
            conn, company_id, texts, T0, dt.timedelta(minutes=1), **contact
        )


async def search(ch: ChannelHub, token: str | None = None, **params: str) -> httpx.Response:
    auth = {"Authorization": f"Bearer {token or ch.company.agent_token}"}
    return await ch.http.get(ch.url("/api/search"), params=params, headers=auth)


def marked_words(hit: dict[str, Any]) -> list[str]:
    snippet = hit["snippet"]
    return [snippet["text"][start:end] for start, end in snippet["marks"]]


async def test_search_is_walled_newest_first_prefix_and_accent_blind(ch: ChannelHub) -> None:
    a = ch.company.company_id
    other = await ch.server.company("Other Co")
    texts = ["La canción está lista", "Quote for the blue widget", "another BLUE one, please"]
    contact_id, conversation_id = await seed(ch.server, a, texts, name="María López")
    await seed(ch.server, other.company_id, ["the blue secret of another company"])

    found = (await search(ch, q="blue")).json()
    assert [h["seq"] for h in found["messages"]] == [3, 2]  # newest first, A's only
    assert all(h["conversation_id"] == conversation_id for h in found["messages"])
    assert found["messages"][0]["contact"]["name"] == "María López"
    assert [w.lower() for w in marked_words(found["messages"][0])] == ["blue"]
    theirs = (await search(ch, other.agent_token, q="blue")).json()["messages"]
    assert [h["snippet"]["text"] for h in theirs] == ["the blue secret of another company"]

    # prefix, accents, case, and an accent typed as a combining mark
    for query in ("canc", "cancion", "CANCIÓN lis", "esta", "cancio\u0301n"):
        hits = (await search(ch, q=query)).json()["messages"]
        assert [h["seq"] for h in hits] == [1], query
    hit = (await search(ch, q="cancion")).json()["messages"][0]
    assert marked_words(hit) == ["canción"]
    assert (await search(ch, q="blue nothing")).json()["messages"] == []  # every word
    assert (await search(ch, q="!!!")).json() == {"messages": [], "contacts": []}
    assert len((await search(ch, q="blue", limit="1")).json()["messages"]) == 1

    people = (await search(ch, q="lópez")).json()["contacts"]
    assert [p["id"] for p in people] == [contact_id]
    assert people[0]["conversation_id"] == conversation_id
    assert (await search(ch, other.agent_token, q="lópez")).json()["contacts"] == []


async def test_bad_queries_are_refused(ch: ChannelHub) -> None:
    for params in ({}, {"q": ""}, {"q": "   "}, {"q": "x" * 201}, {"q": "a\x00b"}):
        response = await search(ch, **params)
        assert response.status_code == 400, params
        assert response.json()["error"]["code"] == "bad_request"
    for limit in ("0", "101", "ten", "-1"):
        assert (await search(ch, q="hi", limit=limit)).status_code == 400
    assert (await search(ch, q="x" * 200)).status_code == 200
    anonymous = await ch.http.get(ch.url("/api/search"), params={"q": "hi"})
    assert anonymous.status_code == 401
    contacts = await ch.http.get(
        ch.url("/api/contacts"), params={"before": "nonsense"}, headers=ch.auth
    )
    assert contacts.status_code == 400


async def fts_consistent(ch: ChannelHub) -> None:
    """SQLite's own check that the FTS5 index matches the messages table."""
    if ch.server.hub.db.is_sqlite:
        async with ch.server.hub.db.write() as conn:
            await conn.exec_driver_sql(
                "INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)"
            )


async def test_edits_and_erasure_keep_the_index_right(ch: ChannelHub) -> None:
    company_id = ch.company.company_id
    gone, _ = await seed(ch.server, company_id, ["forget my zanzibar order"], name="Gone")
    kept, kept_conversation = await seed(ch.server, company_id, ["zanzibar trip"], name="Kept")
    async with ch.server.hub.db.write() as conn:
        table = repo.messages
        stmt = update(table).where(table.c.conversation_id == kept_conversation)
        await conn.execute(stmt.values(text="timbuktu trip"))
    assert [h["contact"]["id"] for h in (await search(ch, q="zanzibar")).json()["messages"]] == [
        gone
    ]
    assert len((await search(ch, q="timbuktu")).json()["messages"]) == 1
    await fts_consistent(ch)

    erased = await ch.http.delete(ch.url(f"/api/contacts/{gone}"), headers=ch.auth)
    assert erased.status_code == 204
    assert (await search(ch, q="zanzibar")).json() == {"messages": [], "contacts": []}
    assert (await search(ch, q="Gone")).json()["contacts"] == []
    await fts_consistent(ch)
    export = await ch.http.get(ch.url("/api/export"), headers=ch.auth)
    assert export.status_code == 200 and "timbuktu trip" in export.text
    assert "zanzibar" not in export.text

    assert (await ch.http.delete(ch.url("/api/company"), headers=ch.auth)).status_code == 204
    await fts_consistent(ch)
    other = await ch.server.company("Next Co")
    await seed(ch.server, other.company_id, ["timbuktu again"])
    hits = (await search(ch, other.agent_token, q="timbuktu")).json()["messages"]
    assert [h["snippet"]["text"] for h in hits] == ["timbuktu again"]
    assert kept  # its messages went with the company


async def test_one_contact_for_one_phone_on_sms_and_whatsapp(ch: ChannelHub) -> None:
    sms = inbound_sms_params(ACCOUNT_SID, "+1 (555) 123-0042", TWILIO_NUMBER, "Text me back")
    response = await post_twilio(ch.http, ch.url("/webhooks/twilio/sms"), AUTH_TOKEN, sms)  # type: ignore[arg-type]
    assert response.status_code == 200
    # Kapso sends the WhatsApp number as digits without the plus (Meta's wa_id).
    body = kapso_message_received(
        PHONE_NUMBER_ID, "15551230042", "Hola por WhatsApp", contact_name="Ana Ruiz"
    )
    url = ch.url("/webhooks/kapso")
    response = await post_kapso(ch.http, url, KAPSO_SECRET, body, event="whatsapp.message.received")
    assert response.status_code == 200
    await seed(ch.server, ch.company.company_id, ["a visitor"], email="v@example.com")

    page = (await ch.http.get(ch.url("/api/contacts"), headers=ch.auth)).json()
    ana = next(c for c in page["contacts"] if c["phone"] == "+15551230042")
    assert len(page["contacts"]) == 2
    assert ana["name"] == "Ana Ruiz"  # the WhatsApp profile name filled the empty name
    assert (ana["channels"], ana["conversations"]) == (["sms", "whatsapp"], 2)
    assert ana["last_message"]["text"] == "Hola por WhatsApp"
    assert ana["last_message"]["channel"] == "whatsapp"
    # Newest activity first: the seeded visitor's conversation is days older.
    assert page["contacts"][0]["id"] == ana["id"] and page["next_before"] is None

    first = (
        await ch.http.get(ch.url("/api/contacts"), params={"limit": "1"}, headers=ch.auth)
    ).json()
    assert [c["id"] for c in first["contacts"]] == [ana["id"]]
    rest = await ch.http.get(
        ch.url("/api/contacts"), params={"before": first["next_before"]}, headers=ch.auth
    )
    assert [c["email"] for c in rest.json()["contacts"]] == ["v@example.com"]
    by_phone = await ch.http.get(ch.url("/api/contacts"), params={"q": "555 1230"}, headers=ch.auth)
    assert [c["id"] for c in by_phone.json()["contacts"]] == [ana["id"]]
    hits = (await search(ch, q="whatsapp")).json()["messages"]
    assert [(h["channel"], h["contact"]["id"]) for h in hits] == [("whatsapp", ana["id"])]


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)  # SQLite has no tenants
async def test_the_postgres_search_function_keeps_the_tenant_wall(ch: ChannelHub) -> None:
    """hub_search_messages runs as its owner (Row Level Security would keep the index from
    the tenant's role), so it checks the tenant itself: another company's id finds nothing."""
    db = ch.server.hub.db
    from sqlalchemy import text

    from hub.persistence.tenancy import tenant

    other = await ch.server.company("Other Co")
    await seed(ch.server, other.company_id, ["their walrus secret"])
    call = text("SELECT id FROM hub_search_messages(:c, :q, 50)")
    with tenant(ch.company.company_id):
        async with db.read() as conn:
            stolen = (await conn.execute(call, {"c": other.company_id, "q": "'walrus'"})).all()
    with tenant(other.company_id):
        async with db.read() as conn:
            own = (await conn.execute(call, {"c": other.company_id, "q": "'walrus'"})).all()
    assert stolen == [] and len(own) == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_sqlite_index_keeps_no_per_message_sizes(ch: ChannelHub) -> None:
    """FTS5's `columnsize=0` (migration 0011): no `messages_fts_docsize` row for each message,
    one page less in every commit; search ranks by time, so nothing reads the sizes."""
    async with ch.server.hub.db.read() as conn:
        names = set((await conn.exec_driver_sql("SELECT name FROM sqlite_master")).scalars())
    assert "messages_fts_data" in names and "messages_fts_docsize" not in names
