"""Fuzzing every client frame and every webhook body against one running hub (issue 7).

Whatever arrives, the hub answers: a bad socket frame gets an `error` frame with a documented
code and stores nothing, and the socket stays open (only an oversized frame closes it, with
1009); a bad webhook gets a 4xx with a JSON error and stores nothing; nothing is ever a 500.
A good frame or body does what the protocol says, exactly once.

One hub on PostgreSQL serves every example (its sockets reused); the examples are bounded so
the module runs in seconds.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.asyncio.client import connect

from tests.channel_support import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    KAPSO_SECRET,
    PHONE_NUMBER_ID,
    TWILIO_NUMBER,
    ChannelHub,
    channel_hub,
)
from tests.conftest import PG_ADMIN_URL
from tests.fakes.webhooks import (
    KAPSO_STATUS_EVENTS,
    inbound_sms_params,
    kapso_message_received,
    kapso_raw,
    kapso_signature,
    kapso_status_event,
    status_callback_params,
    twilio_form,
    twilio_signature,
)
from tests.support.clients import Agent, Client, Widget
from tests.support.pg import clone_database, drop_database
from tests.support.tap import Board, Frame, Tap

pytestmark = [pytest.mark.postgres, pytest.mark.asyncio(loop_scope="module")]

WAIT = 10.0
# Examples per test are kept small for CI; FUZZ_SCALE=20 (say) digs deeper on a laptop.
SCALE = float(os.environ.get("FUZZ_SCALE", "1"))
FUZZ = settings(
    max_examples=int(100 * SCALE),
    deadline=None,
    database=None,  # no example database left in the work tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FEW = settings(FUZZ, max_examples=int(30 * SCALE))  # each example opens a socket of its own
STORING = settings(FUZZ, max_examples=int(60 * SCALE))  # each example may store messages

# Documented error codes (docs/protocol.md, Error frames).
WIDGET_ERRORS = {"bad_frame", "too_long"}
AGENT_ERRORS = {"bad_frame", "too_long", "not_found", "opted_out", "window_closed"}
MISSING: Any = object()  # a field left out of the frame


# --------------------------------------------------------------------------------------------
# The hub under test
# --------------------------------------------------------------------------------------------


class Target:
    """The running hub, its database, and a widget and an agent socket that stay open."""

    def __init__(
        self,
        ch: ChannelHub,
        db: asyncpg.Connection,
        widget: Tap,
        agent: Tap,
        conversation_id: str,
        opted_out_id: str,
        session_id: str,
    ) -> None:
        self.ch, self.db, self.widget, self.agent = ch, db, widget, agent
        self.conversation_id = conversation_id  # the widget's
        self.opted_out_id = opted_out_id  # an SMS conversation whose contact sent STOP
        self.session_id = session_id
        # Every message known by (conversation, client_id): a resend is answered with it.
        self.known: dict[tuple[str, str], Frame] = {}
        self.failures: list[logging.LogRecord] = []  # what the hub logged as an error

    async def count(self) -> int:
        return int(await self.db.fetchval("SELECT count(*) FROM messages"))

    async def assert_each_provider_message_once(self) -> None:
        repeated = await self.db.fetch(
            "SELECT provider_id, channel, count(*) FROM messages WHERE provider_id IS NOT NULL"
            " GROUP BY provider_id, channel HAVING count(*) > 1"
        )
        assert repeated == [], "a provider's message was stored twice"

    @property
    def ws_base(self) -> str:
        return self.ch.server.ws

    def __repr__(self) -> str:
        return "Target()"  # hypothesis prints it with every failing example


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fuzz_db(pg_template: str) -> AsyncIterator[str]:
    url = await clone_database(PG_ADMIN_URL, pg_template)
    yield url
    await drop_database(PG_ADMIN_URL, url.rsplit("/", 1)[1])


class Failures(logging.Handler):
    """Collects the hub's ERROR records: a failure the answers did not show is one too."""

    def __init__(self, into: list[logging.LogRecord]) -> None:
        super().__init__(logging.ERROR)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(record)


@pytest.fixture(autouse=True)
def no_hub_errors(target: Target) -> Iterator[None]:
    yield
    failures, target.failures[:] = list(target.failures), []
    assert not failures, [f"{r.name}: {r.getMessage()} {r.exc_info!r}" for r in failures]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def target(fuzz_db: str) -> AsyncIterator[Target]:
    # Every example is a frame or two: lift the per-socket frame limit for the fuzzing.
    async with channel_hub(fuzz_db, frames_per_second=1e6, frame_burst=10**6) as ch:
        db = await asyncpg.connect(fuzz_db.replace("postgresql+asyncpg://", "postgresql://"))
        board = Board()
        widget = await Widget.open(ch.server.ws, ch.company.widget_key)
        first = await widget.say("hello")
        agent = await Agent.open(ch.server.ws, ch.company.agent_token)
        stop = inbound_sms_params(ACCOUNT_SID, "+15551239999", TWILIO_NUMBER, "STOP")
        response = await post_signed_form(ch, "/webhooks/twilio/sms", stop)
        assert response.status_code == 200, response.text
        opted_out = await agent.message("STOP")
        target = Target(
            ch,
            db,
            Tap(widget.ws, widget.seen, board),
            Tap(agent.ws, agent.seen, board),
            widget.welcome["conversation_id"],
            opted_out["conversation_id"],
            widget.welcome["session_id"],
        )
        target.known[(target.conversation_id, first["client_id"])] = first
        handler = Failures(target.failures)
        loggers = [logging.getLogger(name) for name in ("hub", "uvicorn.error")]
        for logger in loggers:
            logger.addHandler(handler)
        try:
            yield target
        finally:
            for logger in loggers:
                logger.removeHandler(handler)
        for tap in (target.widget, target.agent):
            assert not tap.closed.is_set(), "a fuzzed socket was closed"
            await tap.close()
        await db.close()


async def exchange(tap: Tap, raw: str, pings: int) -> list[Frame]:
    """Send `raw`, then a ping; every frame that came back up to that ping's pong (which is
    left out). `pings`: how many pongs `raw` itself asks for (0 or 1)."""
    start, pongs = len(tap.frames), tap.pongs()
    await tap.ws.send(raw)
    await tap.ws.send(json.dumps({"type": "ping"}))
    await tap.board.until("the answer", lambda: tap.pongs() >= pongs + pings + 1, WAIT)
    assert not tap.closed.is_set(), f"the hub closed the socket after {raw[:200]!r}"
    # Frames published in the background (inbox.counts after a change) may land after the
    # pong before this coroutine resumes: the answer ends at the ping's own pong.
    answer = tap.frames[start:]
    pong_at = [i for i, frame in enumerate(answer) if frame["type"] == "pong"][pings]
    assert answer[pong_at] == {"type": "pong"}
    return answer[:pong_at]


def frame_type(raw: str) -> Any:
    """The `type` of a frame that is a JSON object, else None."""
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value.get("type") if isinstance(value, dict) else None


def is_ping(raw: str) -> int:
    return int(frame_type(raw) == "ping")


def errors_in(answer: list[Frame]) -> list[str]:
    return [frame["code"] for frame in answer if frame["type"] == "error"]


# --------------------------------------------------------------------------------------------
# Strategies: frames built field by field, each field valid, invalid or missing
# --------------------------------------------------------------------------------------------

# Characters that have broken text handling somewhere: NUL (PostgreSQL refuses it), the last
# code points of each plane, a byte-order mark, line separators, an emoji, combining marks.
ODD = st.sampled_from(["\x00", "\x7f", "\ufeff", "\u2028", "\uffff", "\U0001f600", "\u0301"])
# One character in twenty is odd; no lone surrogates (they are not text).
CHAR = st.integers(0, 19).flatmap(lambda n: ODD if n == 0 else st.characters(codec="utf-8"))


def text(min_size: int = 0, max_size: int | None = None) -> st.SearchStrategy[str]:
    """Text in which the odd characters are common (st.text would all but never pick them
    out of the million others); long texts are plain, so examples stay quick to make."""
    if max_size is not None and max_size > 300:
        return st.text(CHAR, min_size=min_size, max_size=max_size)
    return st.lists(CHAR, min_size=min_size, max_size=max_size).map("".join)


JSON_SCALAR = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text()
JSON = st.recursive(
    JSON_SCALAR,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text(max_size=8), inner),
    max_leaves=12,
)
NOT_A_STRING = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.lists(JSON_SCALAR, max_size=2)
    | st.dictionaries(text(max_size=4), JSON_SCALAR, max_size=2)
)
# pydantic's lax bool takes these strings (and 0, 1); anything else is not a bool
BOOL_WORDS = {"0", "off", "f", "false", "n", "no", "1", "on", "t", "true", "y", "yes"}
NOT_A_BOOL = (
    st.none()
    | st.integers().filter(lambda n: n not in (0, 1))
    | text(max_size=6).filter(lambda s: s.lower() not in BOOL_WORDS)
    | st.lists(JSON_SCALAR, max_size=2)
)
ID = text(min_size=1, max_size=128)
BAD_ID = NOT_A_STRING | st.just("") | text(min_size=129, max_size=140)
TEXT = text(min_size=1, max_size=300) | text(min_size=3990, max_size=4000)
LONG_TEXT = text(min_size=4001, max_size=4100)

Field = tuple[Any, str | None]  # (value or MISSING, the error code it earns or None)


def pick(*weighted: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """One of the strategies, each as often as its weight says."""
    choices = [strategy for weight, strategy in weighted for _ in range(weight)]
    return st.integers(0, len(choices) - 1).flatmap(lambda i: choices[i])


def field_of(valid: st.SearchStrategy[Any], invalid: st.SearchStrategy[Any]) -> Any:
    """A required field: mostly valid, else invalid or missing (bad_frame either way)."""
    return pick(
        (4, valid.map(lambda v: (v, None))),
        (1, invalid.map(lambda v: (v, "bad_frame"))),
        (1, st.just((MISSING, "bad_frame"))),
    )


TEXT_FIELD = pick(
    (4, TEXT.map(lambda v: (v, None))),
    (1, LONG_TEXT.map(lambda v: (v, "too_long"))),
    (1, (NOT_A_STRING | st.just("")).map(lambda v: (v, "bad_frame"))),
    (1, st.just((MISSING, "bad_frame"))),
)
FIELDS = {"type", "client_id", "text", "conversation_id", "active", "token"}
FIELDS |= {"visit_id", "session_id", "last_seq", "page_url"}
EXTRA = st.dictionaries(text(max_size=8).filter(lambda k: k not in FIELDS), JSON, max_size=2)


@dataclass
class Built:
    """A frame, and what the hub should make of it."""

    frame: Any
    error: str | None  # the code of the one error frame it must earn, or None


def build(type_: str, fields: dict[str, Field], extra: dict[str, Any]) -> Built:
    frame = {"type": type_, **extra}
    codes = []
    for name, (value, code) in fields.items():
        if value is not MISSING:
            frame[name] = value
        codes.append(code)
    # Validation first (any bad field is bad_frame), the length of `text` after it, and then
    # NUL characters (bad_frame: PostgreSQL cannot store them).
    nul = any(isinstance(value, str) and "\x00" in value for value, _ in fields.values())
    if "bad_frame" in codes:
        return Built(frame, "bad_frame")
    if "too_long" in codes:
        return Built(frame, "too_long")
    return Built(frame, "bad_frame" if nul else None)


@st.composite
def widget_frames(draw: st.DrawFn) -> Built:
    kinds = ["message.send", "message.send", "typing", "engage", "ping", "hello", "other"]
    kind = draw(st.sampled_from(kinds))
    extra = draw(EXTRA)
    if kind == "message.send":
        fields = {"client_id": draw(field_of(ID, BAD_ID)), "text": draw(TEXT_FIELD)}
        return build(kind, fields, extra)
    if kind == "typing":
        return build(kind, {"active": draw(field_of(st.booleans(), NOT_A_BOOL))}, extra)
    if kind in ("engage", "ping"):
        return build(kind, {}, extra)
    if kind == "hello":  # after welcome, always refused
        built = build(kind, {"visit_id": draw(field_of(ID, BAD_ID))}, extra)
        return Built(built.frame, "bad_frame")
    other = draw(NOT_A_STRING | text().filter(lambda t: t not in KNOWN_TYPES))
    return Built({**extra, "type": other} if draw(st.booleans()) else extra, "bad_frame")


KNOWN_TYPES = {
    "hello",
    "message.send",
    "typing",
    "engage",
    "ping",
    "auth",
    "conversation.takeover",
    "conversation.release",
    "rating",
    "rating.comment",
}

# Whole frames that are not frames at all: not JSON, JSON but not an object, odd escapes.
GARBAGE = st.one_of(
    text(max_size=200),
    JSON.map(json.dumps),
    st.sampled_from(
        [
            "",
            " ",
            "null",
            "[]",
            '"ping"',
            '{"type": "message.send", "client_id": "x", "text": "\\ud800"}',
            '{"type": "message.send", "client_id": "\\udfff", "text": "x"}',
            '{"type": "ping"',
            '{"type": "typing", "active": NaN}',
            '{"type": "message.send", "client_id": "x", "text": "a", "text": ""}',
        ]
    ),
)


# --------------------------------------------------------------------------------------------
# Socket frames
# --------------------------------------------------------------------------------------------


async def check_send_answer(
    target: Target, conversation_id: str, client_id: str, text: str, answer: list[Frame]
) -> int:
    """A stored (or resent) message was acknowledged exactly once; the number of new rows."""
    acks = [
        f["message"]
        for f in answer
        if f["type"] == "message.created" and f["message"]["client_id"] == client_id
    ]
    assert len(acks) == 1, answer
    (ack,) = acks
    assert ack["conversation_id"] == conversation_id
    earlier = target.known.get((conversation_id, client_id))
    if earlier is not None:  # a resend: the stored message, nothing new
        assert ack == earlier
        return 0
    assert ack["text"] == text
    target.known[(conversation_id, client_id)] = ack
    return 1


@FUZZ
@given(built=widget_frames())
async def test_widget_frames(target: Target, built: Built) -> None:
    raw = json.dumps(built.frame)
    before = await target.count()
    answer = await exchange(target.widget, raw, is_ping(raw))
    stored = 0
    if built.error is not None:
        assert errors_in(answer) == [built.error], answer
        assert [f for f in answer if f["type"] != "error"] == []
    else:
        assert errors_in(answer) == [], answer
        if built.frame["type"] == "message.send":
            frame = built.frame
            stored = await check_send_answer(
                target, target.conversation_id, frame["client_id"], frame["text"], answer
            )
    assert await target.count() == before + stored


@FUZZ
@given(raw=GARBAGE)
async def test_widget_garbage(target: Target, raw: str) -> None:
    before = await target.count()
    answer = await exchange(target.widget, raw, is_ping(raw))
    assert set(errors_in(answer)) <= WIDGET_ERRORS, answer
    assert answer or frame_type(raw) in ("typing", "engage", "ping"), "no answer"
    acks = [f for f in answer if f["type"] == "message.created"]
    if not acks:
        assert await target.count() == before  # a bad frame stores nothing
    else:  # by chance a good message.send
        message = acks[0]["message"]
        new = await check_send_answer(
            target, target.conversation_id, message["client_id"], message["text"], answer
        )
        assert await target.count() == before + new


@st.composite
def agent_frames(draw: st.DrawFn, target: Target) -> tuple[Built, str | None]:
    """An agent frame, and the conversation it names (when it names one validly)."""
    kind = draw(
        st.sampled_from(
            [
                "message.send",
                "message.send",
                "conversation.takeover",
                "conversation.release",
                "typing",
                "ping",
                "auth",
                "other",
            ]
        )
    )
    extra = draw(EXTRA)
    conversation = draw(
        st.sampled_from([target.conversation_id, target.opted_out_id, None])
    ) or draw(ID)
    conv_field = draw(field_of(st.just(conversation), BAD_ID))
    if kind == "message.send":
        fields = {
            "conversation_id": conv_field,
            "client_id": draw(field_of(ID, BAD_ID)),
            "text": draw(TEXT_FIELD),
        }
    elif kind in ("conversation.takeover", "conversation.release"):
        fields = {"conversation_id": conv_field}
    elif kind == "typing":
        fields = {
            "conversation_id": conv_field,
            "active": draw(field_of(st.booleans(), NOT_A_BOOL)),
        }
    elif kind == "ping":
        fields = {}
    elif kind == "auth":
        built = build(kind, {"token": draw(field_of(text(max_size=50), NOT_A_STRING))}, extra)
        return Built(built.frame, "bad_frame"), None
    else:
        other = draw(NOT_A_STRING | text().filter(lambda t: t not in KNOWN_TYPES))
        return Built({**extra, "type": other}, "bad_frame"), None
    built = build(kind, fields, extra)
    if built.error is None and kind != "ping":
        if conversation not in (target.conversation_id, target.opted_out_id):
            built.error = "not_found"
        elif kind == "message.send" and conversation == target.opted_out_id:
            built.error = "opted_out"
    return built, conversation if kind != "ping" else None


@FUZZ
@given(data=st.data())
async def test_agent_frames(target: Target, data: st.DataObject) -> None:
    built, conversation = data.draw(agent_frames(target))
    raw = json.dumps(built.frame)
    before = await target.count()
    answer = await exchange(target.agent, raw, is_ping(raw))
    stored = 0
    if built.error is not None:
        assert errors_in(answer) == [built.error], answer
    else:
        assert errors_in(answer) == [], answer
        frame = built.frame
        if frame["type"] == "message.send":
            assert conversation is not None
            stored = await check_send_answer(
                target, conversation, frame["client_id"], frame["text"], answer
            )
        elif frame["type"] != "ping":
            expected = "typing" if frame["type"] == "typing" else "conversation.updated"
            assert any(f["type"] == expected for f in answer), answer
    assert await target.count() == before + stored


@FUZZ
@given(raw=GARBAGE)
async def test_agent_garbage(target: Target, raw: str) -> None:
    before = await target.count()
    answer = await exchange(target.agent, raw, is_ping(raw))
    assert set(errors_in(answer)) <= AGENT_ERRORS, answer
    assert answer or frame_type(raw) == "ping", "no answer"
    if not any(f["type"] == "message.created" for f in answer):
        assert await target.count() == before


# The handshakes: a socket of its own for each example.


@st.composite
def hellos(draw: st.DrawFn, session_id: str) -> Built:
    session = st.one_of(
        st.just(session_id).map(lambda v: (v, None)),
        (st.none() | text(max_size=256)).map(lambda v: (v, None)),
        (text(min_size=257, max_size=300) | NOT_A_STRING.filter(lambda v: v is not None)).map(
            lambda v: (v, "bad_frame")
        ),
        st.just((MISSING, None)),
    )
    last_seq = st.one_of(
        st.integers(min_value=0).map(lambda v: (v, None)),
        (st.integers(max_value=-1) | st.sampled_from(["", "x", "1.5", "-3", "1e3", "[]"])).map(
            lambda v: (v, "bad_frame")
        ),
        st.just((MISSING, None)),
    )
    page_url = st.one_of(
        (st.none() | text(max_size=2000)).map(lambda v: (v, None)),
        text(min_size=2001, max_size=2100).map(lambda v: (v, "bad_frame")),
        st.just((MISSING, None)),
    )
    fields = {
        "visit_id": draw(field_of(ID, BAD_ID)),
        "session_id": draw(session),
        "last_seq": draw(last_seq),
        "page_url": draw(page_url),
    }
    return build("hello", fields, draw(EXTRA))


@FEW
@given(data=st.data())
async def test_hello(target: Target, data: st.DataObject) -> None:
    built = data.draw(hellos(target.session_id))
    before = await target.count()
    async with connect(f"{target.ws_base}/ws/widget?key={target.ch.company.widget_key}") as ws:
        client = Client(ws)
        await client.send(built.frame)
        first = await client.recv(WAIT)
        if built.error is not None:
            assert (first["type"], first["code"]) == ("error", built.error), first
        else:
            assert first["type"] == "welcome", first
            await client.send({"type": "ping"})
            await client.expect("pong", WAIT)  # replay (if any) done, the socket is up
    assert await target.count() == before


@FEW
@given(last_seq=st.integers(min_value=0, max_value=5) | st.integers(min_value=2**31 - 2))
async def test_resume_with_any_last_seq(target: Target, last_seq: int) -> None:
    """A resumed session sends only what is past `last_seq`, however large it is."""
    widget = await Widget.open(
        target.ws_base,
        target.ch.company.widget_key,
        session_id=target.session_id,
        last_seq=last_seq,
    )
    try:
        assert widget.welcome["session_id"] == target.session_id
        await widget.send({"type": "ping"})
        await widget.expect("pong", WAIT)  # the replay is done and the socket is up
        assert [m["seq"] for m in widget.messages()] == list(
            range(last_seq + 1, widget.welcome["last_seq"] + 1)
        )
    finally:
        await widget.close()


@FEW
@given(token=NOT_A_STRING | text(max_size=300))
async def test_auth(target: Target, token: Any) -> None:
    async with connect(f"{target.ws_base}/ws/agent") as ws:
        client = Client(ws)
        await client.send({"type": "auth", "token": token})
        if isinstance(token, str) and token:
            assert await client.closed(WAIT) == 4401
        else:
            assert (await client.recv(WAIT))["code"] == "bad_frame"


async def test_oversized_frames_close_with_1009(target: Target) -> None:
    for path in ("widget?key=" + target.ch.company.widget_key, "agent"):
        async with connect(f"{target.ws_base}/ws/{path}", max_size=None) as ws:
            client = Client(ws)
            await client.send("x" * (64 * 1024 + 1))
            assert await client.closed(WAIT) == 1009


# --------------------------------------------------------------------------------------------
# The HTTP API's counterpart of an agent's send
# --------------------------------------------------------------------------------------------


@st.composite
def reply_bodies(draw: st.DrawFn) -> tuple[str, str | None]:
    """A `POST …/messages` body (as sent), and the error code it must earn (None: stored)."""
    if draw(st.integers(0, 4)) == 0:
        return json.dumps(draw(JSON)), "bad_request?"  # anything at all
    client_id = pick(
        (4, ID.map(lambda v: (v, None))),
        (1, st.just((None, None))),
        (1, BAD_ID.filter(lambda v: v is not None).map(lambda v: (v, "bad_frame"))),
        (1, st.just((MISSING, None))),
    )
    built = build("-", {"text": draw(TEXT_FIELD), "client_id": draw(client_id)}, draw(EXTRA))
    del built.frame["type"]
    return json.dumps(built.frame), None if built.error is None else "bad_request"


@STORING
@given(body=reply_bodies())
async def test_http_reply_bodies(target: Target, body: tuple[str, str | None]) -> None:
    raw, error = body
    before = await target.count()
    response = await target.ch.http.post(
        target.ch.url(f"/api/conversations/{target.conversation_id}/messages"),
        content=raw,
        headers={"Authorization": f"Bearer {target.ch.company.agent_token}"},
    )
    assert_clear(response)
    stored = await target.count() - before
    if error == "bad_request":
        assert (response.status_code, response.json()["error"]["code"]) == (400, "bad_request")
    elif error is None:
        assert response.status_code in (200, 201), response.text
    if response.status_code == 201:
        assert stored == 1
        message = response.json()["message"]
        if message["client_id"] is not None:
            target.known[(target.conversation_id, message["client_id"])] = message
    else:
        assert stored == 0


# --------------------------------------------------------------------------------------------
# Webhooks
# --------------------------------------------------------------------------------------------


async def post_signed_form(
    ch: ChannelHub, path: str, params: list[tuple[str, str]]
) -> httpx.Response:
    signature = twilio_signature(AUTH_TOKEN, ch.url(path), params)
    return await ch.http.post(
        ch.url(path),
        content=twilio_form(params),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature,
        },
    )


def assert_clear(response: httpx.Response) -> None:
    """A 2xx, or a 4xx saying why in JSON; never a 5xx."""
    assert response.status_code < 500, response.text
    if response.status_code >= 300:
        assert 400 <= response.status_code < 500, response.status_code
        assert response.json()["error"]["code"], response.text


PHONE_TEXT = st.one_of(
    st.sampled_from(["+15551230001", "+1 (555) 123-0002", "5551230003", "+447700900123"]),
    text(max_size=20),
)
FORM_VALUE = text(max_size=40) | st.sampled_from(["", "0", "1", "-1", "99999999999999", "x"])


@st.composite
def sms_forms(draw: st.DrawFn) -> list[tuple[str, str]]:
    """An inbound SMS form, its values and names mutated, some dropped, some added."""
    sid = draw(st.sampled_from(["SM" + uuid.uuid4().hex, "SMfixed0000000000000000000000001"]))
    body = draw(text(max_size=200))
    media = draw(st.lists(st.tuples(text(max_size=30), text(max_size=20)), max_size=2))
    params = inbound_sms_params(
        ACCOUNT_SID, draw(PHONE_TEXT), TWILIO_NUMBER, body, message_sid=sid, media=media
    )
    mutated = []
    for name, value in params:
        roll = draw(st.integers(0, 9))
        if roll == 0:
            continue  # dropped
        if roll == 1:
            value = draw(FORM_VALUE)
        mutated.append((name, value))
    mutated += draw(st.lists(st.tuples(text(max_size=12), FORM_VALUE), max_size=3))
    return mutated


@STORING
@given(params=sms_forms())
async def test_twilio_sms_webhook(target: Target, params: list[tuple[str, str]]) -> None:
    before = await target.count()
    response = await post_signed_form(target.ch, "/webhooks/twilio/sms", params)
    assert_clear(response)
    stored = await target.count() - before
    if response.status_code == 200:
        assert response.headers["content-type"].startswith("text/xml")
        assert stored <= 1
        if stored:  # the one message for this MessageSid, however often it came
            sid = params_value(params, "MessageSid")
            count = "SELECT count(*) FROM messages WHERE provider_id = $1"
            assert await target.db.fetchval(count, sid) == 1
    else:
        assert stored == 0
    await target.assert_each_provider_message_once()


def params_value(params: list[tuple[str, str]], name: str) -> str:
    """The value a form parser keeps for a repeated name (the last)."""
    return [value for key, value in params if key == name][-1]


@st.composite
def status_forms(draw: st.DrawFn) -> list[tuple[str, str]]:
    status = draw(st.sampled_from(["queued", "sent", "delivered", "undelivered", "failed"]))
    params = status_callback_params(
        ACCOUNT_SID,
        draw(st.sampled_from(["SM" + uuid.uuid4().hex, "SMunknown"])),
        status,
        TWILIO_NUMBER,
        draw(PHONE_TEXT),
        draw(st.none() | st.integers(0, 99999)),
    )
    mutated = []
    for name, value in params:
        roll = draw(st.integers(0, 7))
        if roll == 0:
            continue
        if roll == 1:
            value = draw(FORM_VALUE)
        mutated.append((name, value))
    return mutated


@settings(FUZZ, max_examples=int(50 * SCALE))
@given(params=status_forms())
async def test_twilio_status_webhook(target: Target, params: list[tuple[str, str]]) -> None:
    before = await target.count()
    response = await post_signed_form(target.ch, "/webhooks/twilio/status", params)
    assert_clear(response)
    assert await target.count() == before  # a report never makes a message


@FUZZ
@given(raw=st.binary(max_size=300))
async def test_twilio_raw_bodies(target: Target, raw: bytes) -> None:
    """Anything at all, unsigned: refused, never a crash."""
    before = await target.count()
    for path in ("/webhooks/twilio/sms", "/webhooks/twilio/status", "/webhooks/kapso"):
        response = await target.ch.http.post(
            target.ch.url(path),
            content=raw,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert_clear(response)
        assert response.status_code != 200, path
    assert await target.count() == before


def mutate_json(draw: st.DrawFn, value: Any, depth: int = 0) -> Any:
    """`value` with some of its members dropped, replaced by any JSON, or kept."""
    if isinstance(value, dict):
        out = {}
        for key, member in value.items():
            roll = draw(st.integers(0, 11))
            if roll == 0 and key != "phone_number_id":
                continue
            out[key] = draw(JSON) if roll == 1 else mutate_json(draw, member, depth + 1)
        return out
    if isinstance(value, list):
        return [mutate_json(draw, member, depth + 1) for member in value]
    return value


@st.composite
def kapso_bodies(draw: st.DrawFn) -> tuple[Any, str, bool]:
    """A Kapso delivery (single or batched), mutated: (body, X-Webhook-Event, batch header)."""

    def one() -> Frame:
        wamid = draw(st.sampled_from(["wamid.HBgFIXED", "wamid." + uuid.uuid4().hex]))
        if draw(st.booleans()):
            kind = draw(st.sampled_from(["text", "image", "location", "interactive", "reaction"]))
            return kapso_message_received(
                PHONE_NUMBER_ID,
                draw(st.sampled_from(["15551230001", "447700900123", "12"])),
                draw(text(max_size=100)),
                wamid=wamid,
                type_=kind,
                media=None if kind == "text" else draw(st.dictionaries(text(max_size=8), JSON)),
            )
        status = draw(st.sampled_from(list(KAPSO_STATUS_EVENTS)))
        return kapso_status_event(PHONE_NUMBER_ID, wamid, status, to_digits="15551230001")

    events = [mutate_json(draw, one()) for _ in range(draw(st.integers(1, 3)))]
    event_type = draw(
        st.sampled_from([*KAPSO_STATUS_EVENTS.values(), "whatsapp.message.received", "other"])
    )
    if len(events) == 1 and draw(st.booleans()):
        return events[0], event_type, False
    body = {"type": event_type, "batch": True, "data": events}
    return mutate_json(draw, body), event_type, draw(st.booleans())


@STORING
@given(delivery=kapso_bodies())
async def test_kapso_webhook(target: Target, delivery: tuple[Any, str, bool]) -> None:
    body, event_type, batch_header = delivery
    raw = kapso_raw(body)
    headers = {
        "Content-Type": "application/json",
        "X-Webhook-Event": event_type,
        "X-Webhook-Signature": kapso_signature(KAPSO_SECRET, raw),
    }
    if batch_header:
        headers["X-Webhook-Batch"] = "true"
    before = await target.count()
    response = await target.ch.http.post(
        target.ch.url("/webhooks/kapso"), content=raw, headers=headers
    )
    assert_clear(response)
    stored = await target.count() - before
    if response.status_code != 200:
        assert stored == 0
    else:
        events = body.get("data") if isinstance(body, dict) and "data" in body else [body]
        assert stored <= (len(events) if isinstance(events, list) else 1)
    await target.assert_each_provider_message_once()


@FUZZ
@given(body=JSON, routed=st.booleans())
async def test_kapso_any_json(target: Target, body: Any, routed: bool) -> None:
    """Any JSON at all, signed, and routed to our number when it is an object."""
    if isinstance(body, dict) and routed:
        body["phone_number_id"] = PHONE_NUMBER_ID
    raw = kapso_raw(body) if isinstance(body, dict) else json.dumps(body).encode()
    before = await target.count()
    response = await target.ch.http.post(
        target.ch.url("/webhooks/kapso"),
        content=raw,
        headers={"X-Webhook-Signature": kapso_signature(KAPSO_SECRET, raw)},
    )
    assert_clear(response)
    assert await target.count() == before  # nothing here is a message
