"""The conversations API: the inbox and its counts, a conversation's messages and notes, an
agent's reply, and the workflow (status, assignee)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field, model_validator
from starlette.requests import Request
from starlette.responses import JSONResponse

from hub.api.describe import describe
from hub.api.errors import ApiError
from hub.api.queries import ConversationFilter, MessagePageQuery
from hub.api.requests import agent_of, json_body
from hub.api.schemas import (
    Conversation,
    ConversationAnswer,
    ConversationList,
    InboxCounts,
    MessageAnswer,
    MessagePage,
    NoteAnswer,
    NoteList,
)
from hub.conversations.counts import STATUSES
from hub.conversations.service import MAX_TEXT, PAGE_LIMIT
from hub.conversations.workflow import snooze_problem
from hub.state import hub_of
from hub.workspace.labels import PRIORITIES

MAX_SEQ = 2**31 - 1  # the largest seq the database holds (INTEGER, 32 bits on PostgreSQL)


class ReplyBody(BaseModel):
    text: str = Field(default="", max_length=MAX_TEXT)
    client_id: str | None = Field(default=None, min_length=1, max_length=128)
    # Uploads (POST /api/conversations/{id}/attachments) the reply carries; with any, the
    # text may be empty.
    attachments: tuple[str, ...] = Field(default=(), max_length=10)

    @model_validator(mode="after")
    def _something(self) -> ReplyBody:
        if not self.text and not self.attachments:
            raise ValueError("text must be 1 to 4000 characters, unless attachments are sent")
        return self


class StatusBody(BaseModel):
    status: Literal["open", "pending", "snoozed", "resolved"]
    snoozed_until: dt.datetime | None = None


class AssigneeBody(BaseModel):
    agent_id: str | None = Field(min_length=1, max_length=128)


@describe(query=ConversationFilter, response=ConversationList, summary="List conversations")
async def list_conversations(request: Request) -> JSONResponse:
    """`?status=` one inbox status, `?assignee=me|none|AGENT_ID`, `?team=none|TEAM_ID`,
    `?label=LABEL_ID`, `?priority=` one priority: the 200 most recent of those."""
    agent = await agent_of(request)
    status = request.query_params.get("status")
    if status is not None and status not in STATUSES:
        raise ApiError(400, "bad_request", f"status must be one of {', '.join(STATUSES)}")
    priority = request.query_params.get("priority")
    if priority is not None and priority not in PRIORITIES:
        raise ApiError(400, "bad_request", f"priority must be one of {', '.join(PRIORITIES)}")
    assignee = request.query_params.get("assignee")
    if assignee == "me":
        assignee = agent.agent_id
    elif assignee == "none":
        assignee = ""
    team = request.query_params.get("team")
    if team == "none":
        team = ""
    inbox = await hub_of(request).conversations.inbox(
        agent.company_id,
        status=status,
        assignee=assignee,
        label=request.query_params.get("label") or None,
        priority=priority,
        team=team,
    )
    return JSONResponse({"conversations": inbox})


@describe(response=InboxCounts, summary="Inbox counts")
async def counts(request: Request) -> JSONResponse:
    """The inbox counts (as `inbox.counts`), plus `mine`: the caller's own."""
    agent = await agent_of(request)
    counted = await hub_of(request).workflow.counts(agent.company_id)
    mine = counted["by_assignee"].get(agent.agent_id, dict.fromkeys(STATUSES, 0))
    return JSONResponse({**counted, "mine": mine})


@describe(query=MessagePageQuery, response=MessagePage, summary="List messages")
async def list_messages(request: Request) -> JSONResponse:
    agent = await agent_of(request)
    conversation_id = request.path_params["conversation_id"]
    try:
        # Clamped to what a seq can be (a larger one was a 500: the API fuzz run).
        after = min(max(int(request.query_params.get("after_seq", "0")), 0), MAX_SEQ)
        limit = min(int(request.query_params.get("limit", PAGE_LIMIT)), PAGE_LIMIT)
    except ValueError:
        raise ApiError(400, "bad_request", "after_seq and limit must be integers") from None
    service = hub_of(request).conversations
    await service.require(agent.company_id, conversation_id)
    messages = await service.history(agent.company_id, conversation_id, after, max(limit, 1))
    return JSONResponse({"messages": messages})


@describe(body=ReplyBody, response=MessageAnswer, status=201, summary="Reply")
async def post_message(request: Request) -> JSONResponse:
    """An agent's reply, as over the socket (409 when the channel refuses it)."""
    agent = await agent_of(request)
    body: ReplyBody = await json_body(request, ReplyBody)
    appended = await hub_of(request).attachments.agent_reply(
        agent, request.path_params["conversation_id"], body.client_id, body.text, body.attachments
    )
    return JSONResponse({"message": appended.message}, status_code=201 if appended.created else 200)


@describe(body=StatusBody, response=ConversationAnswer, summary="Set the status")
async def set_status(request: Request) -> JSONResponse:
    """As the socket's `conversation.status`."""
    agent = await agent_of(request)
    body: StatusBody = await json_body(request, StatusBody)
    problem = snooze_problem(body.status, body.snoozed_until)
    if problem is not None:
        raise ApiError(400, "bad_request", problem)
    view = await hub_of(request).workflow.set_status(
        agent.company_id, request.path_params["conversation_id"], body.status, body.snoozed_until
    )
    return JSONResponse({"conversation": view})


@describe(body=AssigneeBody, response=ConversationAnswer, summary="Assign")
async def set_assignee(request: Request) -> JSONResponse:
    """As the socket's `conversation.assign` (404 for an agent not in the company)."""
    agent = await agent_of(request)
    body: AssigneeBody = await json_body(request, AssigneeBody)
    view = await hub_of(request).workflow.assign(
        agent.company_id, request.path_params["conversation_id"], body.agent_id
    )
    return JSONResponse({"conversation": view})


@describe(response=NoteList, summary="List private notes")
async def list_notes(request: Request) -> JSONResponse:
    agent = await agent_of(request)
    notes = await hub_of(request).notes.list(
        agent.company_id, request.path_params["conversation_id"]
    )
    return JSONResponse({"notes": notes})


@describe(body=ReplyBody, response=NoteAnswer, status=201, summary="Add a private note")
async def post_note(request: Request) -> JSONResponse:
    """As the socket's `note.create`: 201 when stored, 200 with the stored one on a repeat."""
    agent = await agent_of(request)
    body: ReplyBody = await json_body(request, ReplyBody)
    note, created = await hub_of(request).notes.add(
        agent, request.path_params["conversation_id"], body.client_id, body.text
    )
    return JSONResponse({"note": note}, status_code=201 if created else 200)


@describe(response=Conversation, summary="Get a conversation")
async def get_conversation(request: Request) -> JSONResponse:
    """One conversation of the agent's company, as in the inbox (404 for any other): what the
    inbox opens from a search result or a contact outside its loaded list."""
    agent = await agent_of(request)
    conversation_id = request.path_params["conversation_id"]
    found = await hub_of(request).conversations.inbox(agent.company_id, 1, (conversation_id,))
    if not found:
        raise ApiError(404, "not_found", "no such conversation")
    return JSONResponse(found[0])
