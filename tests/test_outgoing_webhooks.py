"""Outgoing webhooks against a real receiver on 127.0.0.1: Standard Webhooks signatures
checked with the spec's own library, retries, order per conversation, restarts, redirects,
private addresses, pausing, redelivery. Retry schedules and the pause window are shortened
by settings so the file stays fast."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.ai import leads
from hub.persistence import repository as repo
from hub.persistence.models import utcnow
from hub.settings import Settings
from hub.webhooks.retention import purge_settled
from tests.channel_support import free_port
from tests.conftest import make_settings
from tests.fakes.serve import Recorder, serve
from tests.support.clients import Agent, Widget
from tests.support.server import HubServer, start_hub

FAST = {
    "webhooks_allow_private": True,  # the receiver is on 127.0.0.1
    "webhook_retry_schedule": (0.1, 0.1, 0.1, 0.1),
    "webhook_timeout": 3.0,
}
ALL = [
    "conversation.created",
    "conversation.status_changed",
    "conversation.assigned",
    "conversation.resolved",
    "message.created",
    "contact.created",
    "contact.updated",
    "contact.erased",
    "lead.captured",
    "appointment.requested",
    "rating.given",
]


@dataclasses.dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)  # type: ignore[no-any-return]


class Receiver(Recorder):
    """A company's webhook receiver: records each POST; answers 200 unless told otherwise."""

    def __init__(self) -> None:
        super().__init__()
        self.received: list[Received] = []
        self.answers: list[Response] = []  # the next answers, in order; then 200
        self.app = Starlette(routes=[Route("/{path:path}", self.handle, methods=["POST"])])

    async def handle(self, request: Request) -> Response:
        self.received.append(
            Received(request.url.path, dict(request.headers), await request.body())
        )
        answer = self.answers.pop(0) if self.answers else Response("ok")
        await self._notify()
        return answer

    def fail(self, times: int, status: int = 500, body: str = "down") -> None:
        self.answers.extend(Response(body, status_code=status) for _ in range(times))

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """The first `count` requests, once there are that many."""
        await self.wait_until(lambda: len(self.received) >= count, timeout, f"{count} POSTs")
        return self.received[:count]

    def types(self) -> list[str]:
        return [r.event["type"] for r in self.received]


@contextlib.asynccontextmanager
async def receiving() -> AsyncIterator[tuple[Receiver, str]]:
    receiver = Receiver()
    async with serve(receiver.app) as url:
        yield receiver, url


def verified(secret: str, request: Received) -> dict[str, Any]:
    """The event, after the spec's reference library checked its signature."""
    return Webhook(secret).verify(request.body, request.headers)  # type: ignore[no-any-return]


@dataclasses.dataclass
class Owner:
    server: HubServer
    http: httpx.AsyncClient
    token: str
    widget_key: str
    company_id: str

    async def register(self, url: str, events: list[str]) -> tuple[str, str]:
        """(endpoint id, secret)"""
        answer = await self.http.post("/api/webhooks", json={"url": url, "events": events})
        assert answer.status_code == 201, answer.text
        body = answer.json()
        return body["webhook"]["id"], body["secret"]

    async def deliveries(self, endpoint_id: str) -> list[dict[str, Any]]:
        answer = await self.http.get(f"/api/webhooks/{endpoint_id}/deliveries")
        assert answer.status_code == 200, answer.text
        return answer.json()["deliveries"]  # type: ignore[no-any-return]


@contextlib.asynccontextmanager
async def owner_of(settings: Settings, port: int = 0) -> AsyncIterator[Owner]:
    async with start_hub(settings, port=port) as server:
        company = await server.company()
        auth = {"Authorization": f"Bearer {company.agent_token}"}
        async with httpx.AsyncClient(base_url=server.http, headers=auth, timeout=10) as http:
            yield Owner(server, http, company.agent_token, company.widget_key, company.company_id)


async def attempted(owner: Owner, endpoint_id: str) -> list[dict[str, Any]]:
    """The endpoint's deliveries once the newest has an attempt logged (polled: nothing is
    published about a delivery that reached no receiver)."""
    async with asyncio.timeout(10):
        while True:
            logged = await owner.deliveries(endpoint_id)
            if logged and logged[0]["log"]:
                return logged
            await asyncio.sleep(0.05)


@pytest.fixture
async def owner(sqlite_url: str) -> AsyncIterator[Owner]:
    async with owner_of(make_settings(sqlite_url, **FAST)) as made:
        yield made


@pytest.fixture
async def either(database_url: str) -> AsyncIterator[Owner]:
    """An owner on SQLite, then on PostgreSQL (the tests of the queue's SQL)."""
    async with owner_of(make_settings(database_url, **FAST)) as made:
        yield made


async def test_events_are_signed_and_delivered_in_order(either: Owner) -> None:
    owner = either
    async with receiving() as (receiver, url):
        subscribed = [name for name in ALL if name != "conversation.assigned"]
        endpoint_id, secret = await owner.register(url + "/hooks", subscribed)
        assert secret.startswith("whsec_")
        widget = await Widget.open(owner.server.ws, owner.widget_key)
        cid = (await widget.say("first"))["conversation_id"]
        for text in ("second", "third"):
            await widget.say(text)
        resolved = await owner.http.post(
            f"/api/conversations/{cid}/status", json={"status": "resolved"}
        )
        assert resolved.status_code == 200, resolved.text
        await widget.send({"type": "rating", "score": 5, "comment": "great"})
        await widget.expect("conversation.rated")
        got = await receiver.wait_for(8)
        await widget.close()
    events = [verified(secret, r) for r in got]
    # The contact's event has its own order key; the conversation's go in order.
    assert [e["type"] for e in events].count("contact.created") == 1
    in_conversation = [e for e in events if e["type"] != "contact.created"]
    assert [e["type"] for e in in_conversation] == [
        "conversation.created",
        "message.created",
        "message.created",
        "message.created",
        "conversation.status_changed",
        "conversation.resolved",
        "rating.given",
    ]
    texts = [e["data"]["message"]["text"] for e in in_conversation[1:4]]
    assert texts == ["first", "second", "third"]
    resolution = in_conversation[5]["data"]["conversation"]
    assert (resolution["id"], resolution["status"]) == (cid, "resolved")
    assert in_conversation[6]["data"]["rating"]["score"] == 5
    assert len({r.headers["webhook-id"] for r in got}) == len(got)  # one id per event
    # A tampered body fails the same check.
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(got[1].body + b" ", got[1].headers)
    logged = await owner.deliveries(endpoint_id)
    assert {d["status"] for d in logged} == {"delivered"}
    assert logged[0]["log"][0]["status_code"] == 200


async def test_a_failing_endpoint_is_retried_and_later_events_wait(either: Owner) -> None:
    owner = either
    async with receiving() as (receiver, url):
        endpoint_id, secret = await owner.register(url, ["message.created"])
        receiver.fail(2, 500, "x" * 5000)  # the first event fails twice
        widget = await Widget.open(owner.server.ws, owner.widget_key)
        for text in ("one", "two", "three"):
            await widget.say(text)
        got = await receiver.wait_for(5)
        await widget.close()
    texts = [verified(secret, r)["data"]["message"]["text"] for r in got]
    # Nothing of the conversation went past "one" while it was failing.
    assert texts == ["one", "one", "one", "two", "three"]
    logged = await owner.deliveries(endpoint_id)
    first = logged[-1]  # newest first
    assert first["status"] == "delivered" and first["attempts"] == 3
    assert [a["status_code"] for a in first["log"]] == [500, 500, 200]
    assert len(first["log"][0]["response"]) == 2048  # truncated in the log


async def test_a_company_without_endpoints_stores_no_delivery(owner: Owner) -> None:
    widget = await Widget.open(owner.server.ws, owner.widget_key)
    await widget.say("nobody listens")
    await widget.close()
    async with owner.server.hub.db.read() as conn:
        count = await conn.scalar(select(func.count()).select_from(repo.webhook_deliveries))
    assert count == 0


async def test_deliveries_survive_a_restart(sqlite_url: str) -> None:
    port = free_port()
    slow = make_settings(sqlite_url, **FAST | {"webhook_retry_schedule": (1.5,)})
    async with receiving() as (receiver, url):
        async with owner_of(slow, port) as owner:
            _, secret = await owner.register(url, ["contact.updated"])
            receiver.fail(1, 503)
            # A contact, through the API, so that its correction is an event.
            widget = await Widget.open(owner.server.ws, owner.widget_key)
            cid = (await widget.say("hello"))["conversation_id"]
            await widget.close()
            listed = await owner.http.get(f"/api/conversations/{cid}")
            contact_id = listed.json()["contact"]["id"]
            patched = await owner.http.patch(f"/api/contacts/{contact_id}", json={"name": "Ana"})
            assert patched.status_code == 200, patched.text
            await receiver.wait_for(1)
        # Stopped while the event waited for its retry: the next process sends it.
        async with start_hub(slow, port=port):
            got = await receiver.wait_for(2)
    event = verified(secret, got[1])
    assert event["type"] == "contact.updated" and event["data"]["contact"]["name"] == "Ana"
    assert got[0].headers["webhook-id"] == got[1].headers["webhook-id"]


async def test_redirects_are_not_followed(owner: Owner) -> None:
    async with receiving() as (receiver, url):
        endpoint_id, _ = await owner.register(url + "/start", ["message.created"])
        receiver.answers.append(Response(status_code=307, headers={"location": url + "/moved"}))
        answer = await owner.http.post(f"/api/webhooks/{endpoint_id}/test")
        assert answer.status_code == 202
        await receiver.wait_for(2)  # the retry, to the same URL
    assert [r.path for r in receiver.received[:2]] == ["/start", "/start"]
    logged = (await owner.deliveries(endpoint_id))[0]
    assert logged["log"][0]["status_code"] == 307
    assert "redirect" in logged["log"][0]["error"]


REFUSED = (
    "http://127.0.0.1:9/hook",
    "http://localhost/hook",
    "http://10.0.0.5/hook",
    "http://[::1]/hook",
    "http://169.254.169.254/latest",
    "http://[::ffff:192.168.1.1]/x",
    "http://0.0.0.0/x",
    "ftp://example.com/x",
    "http://user:pw@example.com/x",
)


async def test_private_and_odd_targets_are_refused(sqlite_url: str) -> None:
    async with owner_of(make_settings(sqlite_url)) as owner:
        for url in REFUSED:
            body = {"url": url, "events": ALL[:1]}
            answer = await owner.http.post("/api/webhooks", json=body)
            assert answer.status_code == 400, (url, answer.text)
            assert answer.json()["error"]["code"] in {"address_refused", "bad_url"}, url
        assert (await owner.http.get("/api/webhooks")).json()["webhooks"] == []


async def test_a_target_checked_again_at_delivery(owner: Owner) -> None:
    async with receiving() as (receiver, url):
        endpoint_id, _ = await owner.register(url, ["message.created"])
        # The operator turns private targets off: the registered one is refused at delivery.
        deliverer = owner.server.hub.webhook_deliverer
        deliverer.policy = dataclasses.replace(deliverer.policy, allow_private=False)
        await owner.http.post(f"/api/webhooks/{endpoint_id}/test")
        logged = await attempted(owner, endpoint_id)
    assert receiver.received == []
    assert logged[0]["log"][0]["error"].startswith("address_refused")


async def test_an_endpoint_failing_for_the_window_is_paused_then_resumed(sqlite_url: str) -> None:
    settings = make_settings(sqlite_url, **FAST | {"webhook_pause_after": 0.3})
    settings = dataclasses.replace(settings, webhook_retry_schedule=(0.1,) * 50)
    async with receiving() as (receiver, url), owner_of(settings) as owner:
        endpoint_id, secret = await owner.register(url, ["message.created"])
        agent = await Agent.open(owner.server.ws, owner.token)
        receiver.fail(1000, 500)
        await owner.http.post(f"/api/webhooks/{endpoint_id}/test")
        paused = await agent.expect("webhook.paused")
        assert paused["webhook"]["id"] == endpoint_id and paused["webhook"]["state"] == "paused"
        shown = (await owner.http.get(f"/api/webhooks/{endpoint_id}")).json()["webhook"]
        assert shown["state"] == "paused" and shown["paused_reason"]
        tries = len(receiver.received)
        receiver.answers.clear()  # the receiver is fixed; the owner resumes the endpoint
        resumed = await owner.http.patch(f"/api/webhooks/{endpoint_id}", json={"state": "active"})
        assert resumed.json()["webhook"]["state"] == "active"
        got = await receiver.wait_for(tries + 1)
        await agent.close()
    assert verified(secret, got[-1])["type"] == "webhook.test"


async def test_redeliver_by_hand_with_a_rotated_secret(owner: Owner) -> None:
    async with receiving() as (receiver, url):
        endpoint_id, old = await owner.register(url, ["message.created"])
        await owner.http.post(f"/api/webhooks/{endpoint_id}/test")
        [first] = await receiver.wait_for(1)
        rotated = await owner.http.post(f"/api/webhooks/{endpoint_id}/rotate-secret")
        new = rotated.json()["secret"]
        delivery_id = (await owner.deliveries(endpoint_id))[0]["id"]
        again = await owner.http.post(
            f"/api/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver"
        )
        assert again.status_code == 202, again.text
        [_, second] = await receiver.wait_for(2)
    assert second.headers["webhook-id"] == first.headers["webhook-id"]
    assert verified(new, second) == verified(old, first)
    with pytest.raises(WebhookVerificationError):
        verified(old, second)
    # The log is kept 30 days, then the retention sweep takes it.
    later = utcnow() + dt.timedelta(days=31)
    assert await purge_settled(owner.server.hub.db, later) == 2
    assert await owner.deliveries(endpoint_id) == []


async def test_leads_appointments_and_erasure_are_events(owner: Owner) -> None:
    async with receiving() as (receiver, url):
        events = ["lead.captured", "appointment.requested", "contact.erased"]
        _, secret = await owner.register(url, events)
        widget = await Widget.open(owner.server.ws, owner.widget_key)
        cid = (await widget.say("I want a quote"))["conversation_id"]
        await widget.close()
        hub = owner.server.hub
        conv = await hub.conversations.require(owner.company_id, cid)
        lead = {"need": "a roof", "budget": "5k", "email": "ana@example.com"}
        await leads.record_lead(
            hub.db, owner.company_id, conv.contact_id, lead, conversation_id=cid
        )
        slot = {"requested_slot": "Tuesday 10:00", "name": "Ana"}
        await leads.request_appointment(hub.db, owner.company_id, conv.contact_id, cid, slot)
        await receiver.wait_for(2)  # an erasure takes the contact's waiting events with it
        erased = await owner.http.delete(f"/api/contacts/{conv.contact_id}")
        assert erased.status_code == 204
        got = await receiver.wait_for(3)
    kinds = {verified(secret, r)["type"]: verified(secret, r)["data"] for r in got}
    assert kinds["lead.captured"]["lead"] == {"need": "a roof", "budget": "5k"}
    assert kinds["lead.captured"]["contact"]["email"] == "ana@example.com"
    assert kinds["appointment.requested"]["appointment"]["requested_slot"] == "Tuesday 10:00"
    assert kinds["contact.erased"] == {"contact_id": conv.contact_id}


async def test_only_owners_manage_webhooks_and_secrets_are_shown_once(owner: Owner) -> None:
    endpoint_id, secret = await owner.register("http://127.0.0.1:9/x", ["message.created"])
    listed = await owner.http.get("/api/webhooks")
    assert secret not in listed.text and listed.json()["webhooks"][0]["id"] == endpoint_id
    bad = await owner.http.post(
        "/api/webhooks", json={"url": "http://127.0.0.1:9", "events": ["x"]}
    )
    assert bad.status_code == 400
    invited = await owner.http.post("/api/agents", json={"email": "agent@example.com"})
    member = {"Authorization": f"Bearer {invited.json()['agent_token']}"}
    refused = await owner.http.get("/api/webhooks", headers=member)
    assert refused.status_code == 403
    gone = await owner.http.delete(f"/api/webhooks/{endpoint_id}")
    assert gone.status_code == 204
    assert (await owner.http.get(f"/api/webhooks/{endpoint_id}")).status_code == 404
