"""Wire frames from clients (pydantic discriminated unions), error and close codes."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from hub.conversations.service import MAX_TEXT
from hub.errors import HubError

T = TypeVar("T")


class Close:
    """WebSocket close codes the hub uses (docs/protocol.md)."""

    NORMAL = 1000
    POLICY = 1008  # flooding past the rate limit
    TOO_BIG = 1009  # a frame over the size limit
    TRY_AGAIN = 1013  # this socket fell too far behind; reconnect and resume by seq
    UNAUTHORIZED = 4401
    FORBIDDEN = 4403
    HANDSHAKE_TIMEOUT = 4408
    RATE_LIMITED = 4429


class FrameError(HubError):
    """A client frame the hub will not act on; answered with an `error` frame."""


class _Frame(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


Id = Annotated[str, Field(min_length=1, max_length=128)]
Text = Annotated[str, Field(min_length=1)]


Zone = Annotated[str, Field(max_length=64, pattern=r"^[A-Za-z][A-Za-z0-9_+\-/]*$")]


class Hello(_Frame):
    type: Literal["hello"]
    visit_id: Id
    session_id: Annotated[str, Field(max_length=256)] | None = None
    last_seq: Annotated[int, Field(ge=0)] = 0
    page_url: Annotated[str, Field(max_length=2000)] | None = None
    # The browser's IANA time zone (Intl): the inbox shows the visitor's place and local time.
    timezone: Zone | None = None
    # A signed-in user of the company's site: their id and its HMAC (docs/protocol.md).
    user_id: Id | None = None
    user_hash: Annotated[str, Field(max_length=128)] | None = None


class Profile(_Frame):
    """What the visitor says of themselves: the pre-chat form, or the page's signed-in user."""

    type: Literal["profile"]
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    email: Annotated[str, Field(max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = (
        None
    )
    # The visitor typed the email in the widget (its pre-chat form or its away ask), not the
    # page: an agent's later answer may be mailed to it.
    typed: bool = False


# Uploads a message carries (hub.workspace.attachments): with any, the text may be empty.
AttachmentIds = Annotated[tuple[Id, ...], Field(max_length=10)]


class _Sends(_Frame):
    text: str = ""
    attachments: AttachmentIds = ()

    @model_validator(mode="after")
    def _something(self) -> _Sends:
        if not self.text and not self.attachments:
            raise ValueError("text must be 1 to 4000 characters, unless attachments are sent")
        return self


class WidgetSend(_Sends):
    type: Literal["message.send"]
    client_id: Id


class Engage(_Frame):
    type: Literal["engage"]


class WidgetTyping(_Frame):
    type: Literal["typing"]
    active: bool


class Ping(_Frame):
    type: Literal["ping"]


class Rate(_Frame):
    """The visitor's rating of its resolved conversation (hub.conversations.ratings)."""

    type: Literal["rating"]
    score: Annotated[StrictInt, Field(ge=1, le=5)]
    comment: Annotated[str, Field(max_length=1000)] | None = None


class RateComment(_Frame):
    """The visitor's comment, after the star, on the rating it already sent: it updates
    that rating (hub.conversations.ratings), never makes a second."""

    type: Literal["rating.comment"]
    comment: Annotated[str, Field(min_length=1, max_length=1000)]


class Resume(_Frame):
    """What a reconnecting agent holds: the newest message's `created_at`, and the last seq
    of the conversations it follows (the hub then sends every message it misses)."""

    since: dt.datetime
    seqs: Annotated[dict[Id, Annotated[int, Field(ge=0)]], Field(max_length=1000)] = {}


class Auth(_Frame):
    type: Literal["auth"]
    token: Annotated[str, Field(min_length=1, max_length=4096)]
    resume: Resume | None = None


class AgentSend(_Sends):
    type: Literal["message.send"]
    conversation_id: Id
    client_id: Id


class Takeover(_Frame):
    type: Literal["conversation.takeover"]
    conversation_id: Id


class Release(_Frame):
    type: Literal["conversation.release"]
    conversation_id: Id


class AgentTyping(_Frame):
    type: Literal["typing"]
    conversation_id: Id
    active: bool


InboxStatus = Literal["open", "pending", "snoozed", "resolved"]


class SetStatus(_Frame):
    type: Literal["conversation.status"]
    conversation_id: Id
    status: InboxStatus
    snoozed_until: dt.datetime | None = None  # required to snooze; ISO-8601 with a zone


class Assign(_Frame):
    type: Literal["conversation.assign"]
    conversation_id: Id
    agent_id: Id | None  # null: assigned to nobody


class NoteCreate(_Frame):
    type: Literal["note.create"]
    conversation_id: Id
    client_id: Id
    text: Text


class PresenceSet(_Frame):
    type: Literal["presence.set"]
    status: Literal["online", "away"]


WidgetFrame = Annotated[
    Hello | WidgetSend | Engage | WidgetTyping | Ping | Profile | Rate | RateComment,
    Field(discriminator="type"),
]
AgentFrame = Annotated[
    Auth
    | AgentSend
    | Takeover
    | Release
    | AgentTyping
    | SetStatus
    | Assign
    | NoteCreate
    | PresenceSet
    | Ping,
    Field(discriminator="type"),
]

WIDGET_FRAMES: TypeAdapter[WidgetFrame] = TypeAdapter(WidgetFrame)
AGENT_FRAMES: TypeAdapter[AgentFrame] = TypeAdapter(AgentFrame)


def parse(adapter: TypeAdapter[T], raw: str) -> T:
    """Validate one client frame or raise FrameError with the contract's error code."""
    try:
        frame = adapter.validate_json(raw)
    except ValidationError as exc:
        raise _frame_error(exc) from None
    text = getattr(frame, "text", None)
    if text is not None and len(text) > MAX_TEXT:
        raise FrameError("too_long", f"text is longer than {MAX_TEXT} characters")
    return frame


def _frame_error(exc: ValidationError) -> FrameError:
    first = exc.errors()[0]
    kind = first["type"]
    where = ".".join(str(part) for part in first["loc"][1:] if part != "type") or "frame"
    if kind == "json_invalid" or kind == "json_type":
        return FrameError("bad_frame", "frame is not a JSON object")
    if kind in ("union_tag_invalid", "union_tag_not_found", "model_attributes_type"):
        if kind == "model_attributes_type":
            return FrameError("bad_frame", "frame is not a JSON object")
        return FrameError("bad_frame", "unknown or missing frame type")
    if kind == "missing":
        return FrameError("bad_frame", f"missing field: {where}")
    if kind == "value_error" and where == "frame":  # a check across fields (_Sends)
        return FrameError("bad_frame", str(first["ctx"]["error"]))
    return FrameError("bad_frame", f"bad field {where}: {first['msg']}")


def error_frame(code: str, message: str) -> dict[str, str]:
    return {"type": "error", "code": code, "message": message}
