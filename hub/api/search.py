"""`GET /api/search` (messages and contacts) and `GET /api/contacts` (the contacts list)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from hub.api.describe import describe
from hub.api.errors import ApiError
from hub.api.queries import ContactsQuery, SearchQuery
from hub.api.requests import agent_of
from hub.state import hub_of
from hub.workspace.contacts import contact_profile

MAX_QUERY = 200  # characters of `q`
MAX_LIMIT = 100
CONTACT_HITS = 10  # contacts shown beside the messages in a search


def query_of(request: Request, *, required: bool) -> str | None:
    """`q`: 1 to 200 characters, no NUL (400 otherwise); None when absent and optional."""
    q = request.query_params.get("q")
    if q is None or (not q.strip() and not required):
        if required:
            raise ApiError(400, "bad_request", "q: 1 to 200 characters")
        return None
    if not q.strip() or len(q) > MAX_QUERY:
        raise ApiError(400, "bad_request", "q: 1 to 200 characters")
    if "\x00" in q:
        raise ApiError(400, "bad_request", "NUL characters are not allowed")
    return q.strip()


def limit_of(request: Request, default: int = 50) -> int:
    """`limit`: 1 to 100 (400 otherwise)."""
    raw = request.query_params.get("limit", str(default))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise ApiError(400, "bad_request", f"limit: an integer from 1 to {MAX_LIMIT}")
    return int(raw)


@describe(query=SearchQuery, summary="Search")
async def search(request: Request) -> JSONResponse:
    """The caller's company's newest messages matching `q`, and its contacts matching it."""
    agent = await agent_of(request)
    q = query_of(request, required=True)
    assert q is not None
    limit = limit_of(request)
    hub = hub_of(request)
    messages = await hub.search.messages(agent.company_id, q, limit)
    contacts = await hub.contacts.page(agent.company_id, q, limit=min(limit, CONTACT_HITS))
    return JSONResponse({"messages": messages, "contacts": contacts["contacts"]})


@describe(query=ContactsQuery, summary="List contacts")
async def contacts(request: Request) -> JSONResponse:
    """The caller's company's contacts, newest activity first, `q` filtering them."""
    agent = await agent_of(request)
    q = query_of(request, required=False)
    limit = limit_of(request)
    before = request.query_params.get("before") or None
    page = await hub_of(request).contacts.page(agent.company_id, q, before, limit)
    return JSONResponse(page)


@describe(summary="A contact")
async def contact(request: Request) -> JSONResponse:
    """A contact's page: `{"contact": {...}, "conversations": [Conversation, ...]}`, their
    newest 100 conversations first (404 for another company's or an unknown id)."""
    agent = await agent_of(request)
    hub = hub_of(request)
    found = await contact_profile(hub.db, agent.company_id, request.path_params["contact_id"])
    if found is None:
        raise ApiError(404, "not_found", "no such contact")
    ids = found.conversation_ids
    views = await hub.conversations.inbox(agent.company_id, len(ids), ids) if ids else []
    return JSONResponse({"contact": found.contact, "conversations": views})
