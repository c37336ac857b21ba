"""Rate limits on the public surfaces: 429 over HTTP, close 4429 or `rate_limited` on sockets."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from websockets.asyncio.client import connect

from hub.connections.protocol import Close
from hub.settings import RATE_LIMIT_FIELDS, Settings, SettingsError
from tests.conftest import make_settings
from tests.support.clients import Client, Widget
from tests.support.server import HubServer, start_hub


@pytest.fixture
async def strict(sqlite_url: str) -> AsyncIterator[HubServer]:
    settings = make_settings(
        sqlite_url,
        widget_connects_per_ip=(0.01, 3),
        widget_messages_per_ip=(0.01, 2),
        api_calls_per_ip=(0.01, 3),
        webhooks_per_ip=(0.01, 2),
    )
    async with start_hub(settings) as server:
        yield server


async def test_widget_connections_and_messages_per_ip(strict: HubServer) -> None:
    company = await strict.company()
    widgets = [await Widget.open(strict.ws, company.widget_key) for _ in range(3)]
    async with connect(f"{strict.ws}/ws/widget?key={company.widget_key}") as ws:
        assert await Client(ws).closed() == Close.RATE_LIMITED
    await widgets[0].say("one")
    await widgets[1].say("two")
    await widgets[2].send({"type": "message.send", "client_id": "c3", "text": "three"})
    error = await widgets[2].expect("error")
    assert error["code"] == "rate_limited"
    await widgets[2].send({"type": "ping"})
    await widgets[2].expect("pong")  # the socket stays up


async def burst(widget: Widget, count: int) -> list[str]:
    """Send `count` messages without waiting, then read until each has its answer: the
    acknowledgement (its `message.created`) or an `error`. Returns the answers, `ok` or the
    error's code, sorted: an error carries no client_id, so it is not matched to its frame."""
    ids = [uuid.uuid4().hex for _ in range(count)]
    for n, cid in enumerate(ids):
        await widget.send({"type": "message.send", "client_id": cid, "text": f"hi {n}"})
    answers: list[str] = []
    while len(answers) < count:
        frame = await widget.recv()
        if frame["type"] == "error":
            answers.append(frame["code"])
        elif frame["type"] == "message.created" and frame["message"]["client_id"] in ids:
            answers.append("ok")
    return sorted(answers)


async def test_visitors_sharing_an_address_all_chat_under_the_shipped_limits(
    sqlite_url: str,
) -> None:
    """Ten visitors behind one address (an office NAT), each sending six messages at once,
    under the limits as shipped: every message is accepted, for the address is not the unit
    of message limits."""
    shipped = {name: getattr(Settings, name) for name in RATE_LIMIT_FIELDS}
    async with start_hub(make_settings(sqlite_url, **shipped)) as server:
        company = await server.company()
        widgets = [await Widget.open(server.ws, company.widget_key) for _ in range(10)]
        answers = await asyncio.gather(*(burst(w, 6) for w in widgets))
        assert answers == [["ok"] * 6] * 10


@pytest.fixture
async def per_session(sqlite_url: str) -> AsyncIterator[HubServer]:
    settings = make_settings(
        sqlite_url, widget_messages_per_session=(0.01, 2), widget_messages_per_ip=(0.01, 9)
    )
    async with start_hub(settings) as server:
        yield server


async def test_a_fast_visitor_is_limited_alone(per_session: HubServer) -> None:
    company = await per_session.company()
    fast, *others = [await Widget.open(per_session.ws, company.widget_key) for _ in range(3)]
    assert await burst(fast, 3) == ["ok", "ok", "rate_limited"]
    for widget in others:  # same address, their own buckets
        assert await burst(widget, 2) == ["ok", "ok"]
    await fast.send({"type": "ping"})
    await fast.expect("pong")  # the socket stays up


async def test_one_session_shares_its_bucket_over_its_tabs(per_session: HubServer) -> None:
    company = await per_session.company()
    first = await Widget.open(per_session.ws, company.widget_key)
    second = await Widget.open(
        per_session.ws, company.widget_key, session_id=first.welcome["session_id"]
    )
    assert second.welcome["session_id"] == first.welcome["session_id"]
    assert await burst(first, 2) == ["ok", "ok"]
    assert await burst(second, 1) == ["rate_limited"]


async def test_the_address_backstop_refuses_a_flood_over_many_sessions(
    per_session: HubServer,
) -> None:
    """Nine messages from the address (its burst), two per session: the tenth is refused
    though its session has tokens left."""
    company = await per_session.company()
    widgets = [await Widget.open(per_session.ws, company.widget_key) for _ in range(5)]
    answers = [await burst(w, 2) for w in widgets]
    assert answers[:4] == [["ok", "ok"]] * 4
    assert answers[4] == ["ok", "rate_limited"]
    error = next(f for f in widgets[4].seen if f["type"] == "error")
    assert "address" in error["message"]


async def test_api_and_webhook_floods_get_429(strict: HubServer) -> None:
    async with httpx.AsyncClient(base_url=strict.http) as http:
        codes = [(await http.get("/api/conversations")).status_code for _ in range(4)]
        assert codes == [401, 401, 401, 429]
        limited = await http.get("/api/conversations")
        assert limited.json()["error"]["code"] == "rate_limited"
        assert int(limited.headers["retry-after"]) >= 1
        hooks = [(await http.post("/webhooks/kapso", content=b"{}")).status_code for _ in range(3)]
        assert hooks[-1] == 429
        assert (await http.get("/healthz")).status_code == 200  # health is never limited


def test_rate_limits_can_be_lifted_for_load_tests(tmp_path: object) -> None:
    env = {"DATABASE_URL": "sqlite://", "HUB_RATE_LIMITS": "off"}
    assert Settings.from_env(env).api_calls_per_ip[0] >= 1e6
    assert Settings.from_env({"DATABASE_URL": "sqlite://"}).api_calls_per_ip == (20.0, 100)
    with pytest.raises(SettingsError, match="HUB_RATE_LIMITS"):
        Settings.from_env({"DATABASE_URL": "sqlite://", "HUB_RATE_LIMITS": "maybe"})


def test_each_limit_is_set_from_the_environment() -> None:
    env = {
        "DATABASE_URL": "sqlite://",
        "HUB_WIDGET_CONNECTS_PER_IP": "50/5000",
        "HUB_WIDGET_SESSIONS_PER_IP": " 0.5 / 10 ",
        "HUB_API_CALLS_PER_IP": "40/200",
    }
    settings = Settings.from_env(env)
    assert settings.widget_connects_per_ip == (50.0, 5000)
    assert settings.widget_sessions_per_ip == (0.5, 10)
    assert settings.api_calls_per_ip == (40.0, 200)
    assert settings.widget_connects_per_company == Settings.widget_connects_per_company
    per_session = Settings.from_env(env | {"HUB_WIDGET_MESSAGES_PER_SESSION": "2/10"})
    assert per_session.widget_messages_per_session == (2.0, 10)
    lifted = Settings.from_env(env | {"HUB_RATE_LIMITS": "off"})
    assert lifted.widget_sessions_per_ip[1] >= 10**9  # off wins over a single limit


@pytest.mark.parametrize(
    "raw", ["fast", "10", "10/", "/10", "0/10", "-1/10", "10/0", "1/2.5", "inf/5"]
)
def test_a_limit_that_is_not_rate_slash_burst_is_refused(raw: str) -> None:
    with pytest.raises(SettingsError, match="HUB_WIDGET_SESSIONS_PER_IP must be RATE/BURST"):
        Settings.from_env({"DATABASE_URL": "sqlite://", "HUB_WIDGET_SESSIONS_PER_IP": raw})
