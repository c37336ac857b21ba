"""The conversations API: the inbox, a conversation's messages, an agent's reply."""

from __future__ import annotations

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse

from hub.api.errors import ApiError
from hub.api.requests import agent_of, json_body
from hub.conversations.service import MAX_TEXT, PAGE_LIMIT
from hub.state import hub_of


class ReplyBody(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    client_id: str | None = Field(default=None, min_length=1, max_length=128)


async def list_conversations(request: Request) -> JSONResponse:
    agent = await agent_of(request)
    inbox = await hub_of(request).conversations.inbox(agent.company_id)
    return JSONResponse({"conversations": inbox})


async def list_messages(request: Request) -> JSONResponse:
    agent = await agent_of(request)
    conversation_id = request.path_params["conversation_id"]
    try:
        after = int(request.query_params.get("after_seq", "0"))
        limit = min(int(request.query_params.get("limit", PAGE_LIMIT)), PAGE_LIMIT)
    except ValueError:
        raise ApiError(400, "bad_request", "after_seq and limit must be integers") from None
    service = hub_of(request).conversations
    await service.require(agent.company_id, conversation_id)
    messages = await service.history(agent.company_id, conversation_id, after, max(limit, 1))
    return JSONResponse({"messages": messages})


async def post_message(request: Request) -> JSONResponse:
    """An agent's reply, as over the socket (409 when the channel refuses it)."""
    agent = await agent_of(request)
    body: ReplyBody = await json_body(request, ReplyBody)
    appended = await hub_of(request).conversations.agent_reply(
        agent, request.path_params["conversation_id"], body.client_id, body.text
    )
    return JSONResponse({"message": appended.message}, status_code=201 if appended.created else 200)
