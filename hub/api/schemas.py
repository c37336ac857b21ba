"""Pydantic models of the API's answers, for the OpenAPI document (hub.api.openapi).

The handlers build their answers as dicts; these models say their shape (docs/protocol.md
and /work/shared/CONTRACT.md are the contract they follow). Only the objects scripts use
most are modelled; other answers are documented as JSON objects.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

Scope = Literal["read", "write", "admin"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    """Every 4xx and 5xx answer."""

    error: ErrorDetail


class Message(BaseModel):
    id: str
    conversation_id: str
    seq: int
    channel: str
    direction: Literal["inbound", "outbound"]
    sender: Literal["visitor", "contact", "agent", "ai"]
    text: str
    client_id: str | None
    status: str
    created_at: str


class MessageAnswer(BaseModel):
    message: Message


class MessagePage(BaseModel):
    messages: list[Message]


class ContactRef(BaseModel):
    id: str
    name: str | None
    phone: str | None


class Conversation(BaseModel):
    id: str
    channel: str
    status: str
    handled_by: Literal["ai", "human"]
    needs_human: bool
    contact: ContactRef
    last_message: Message | None
    updated_at: str


class ConversationList(BaseModel):
    conversations: list[Conversation]


class KeyCreator(BaseModel):
    id: str
    name: str | None
    email: str | None


class ApiKey(BaseModel):
    id: str
    name: str
    role: Literal["owner", "agent"]
    scopes: list[Scope]
    prefix: str
    created_at: str
    last_used_at: str | None
    created_by: KeyCreator


class ApiKeyList(BaseModel):
    api_keys: list[ApiKey]


class NewApiKey(BaseModel):
    api_key: ApiKey
    key: str  # shown this once only


Interval = tuple[str, str]  # ["HH:MM", "HH:MM"], opening before closing


class HoursBody(BaseModel):
    """`PUT /api/business-hours` (parsed by hub.workspace.business_hours.parse)."""

    timezone: str = Field(min_length=1, max_length=64, description="IANA, e.g. Europe/Madrid")
    schedule: dict[Weekday, list[Interval]] = Field(description="at most 6 intervals a day")
    holidays: list[str] = Field(default_factory=list, max_length=366, description="YYYY-MM-DD")
    reply_minutes: int | None = Field(default=None, ge=1, le=10_080)
    reply_text: str | None = Field(default=None, max_length=200)
    away_message: str | None = Field(default=None, max_length=500)


class ConversationAnswer(BaseModel):
    conversation: Conversation


class StatusCounts(BaseModel):
    open: int
    pending: int
    snoozed: int
    resolved: int


class InboxCounts(BaseModel):
    all: StatusCounts
    unassigned: StatusCounts
    by_assignee: dict[str, StatusCounts]
    mine: StatusCounts


class Note(BaseModel):
    id: str
    conversation_id: str
    agent_id: str | None
    text: str
    client_id: str | None
    created_at: str


class NoteList(BaseModel):
    notes: list[Note]


class NoteAnswer(BaseModel):
    note: Note


class CannedResponse(BaseModel):
    id: str
    shortcut: str
    text: str
    updated_at: str


class CannedList(BaseModel):
    responses: list[CannedResponse]


class Company(BaseModel):
    name: str
    website: str | None
    description: str | None
    facts: list[str]
    allowed_origins: list[str]
    retention_days: int | None


class QaPair(BaseModel):
    id: str
    question: str
    answer: str


class QaPairs(BaseModel):
    pairs: list[QaPair]


class AiSettings(BaseModel):
    enabled: bool
    model: str
    use_case: str
    instructions: str
    temperature: float
    max_tokens: int
    answer_off_hours: bool


class InboxSettings(BaseModel):
    auto_assign: bool
    assign_cap: int


# As answered: a pair as a two-item list (pydantic's serialization schema of a tuple uses
# `items` as an array, which OpenAPI 3.1 does not allow).
Pair = Annotated[list[str], Field(min_length=2, max_length=2)]


class BusinessHours(BaseModel):
    timezone: str
    schedule: dict[Weekday, list[Pair]]
    holidays: list[str]
    reply_minutes: int | None
    reply_text: str | None
    away_message: str | None
    configured: bool
