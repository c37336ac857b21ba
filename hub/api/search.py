"""`GET /api/search` (messages and contacts) and `GET /api/contacts` (the contacts list)."""

from __future__ import annotations

import re
from typing import Any

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
LABEL_TERM = re.compile(r'label:(?:"([^"]+)"|(\S+))', re.IGNORECASE)


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
    """The caller's company's newest messages matching `q`, and its contacts matching it.
    With `label:NAME` terms in `q` (issue 21), see `labelled_search`."""
    agent = await agent_of(request)
    q = query_of(request, required=True)
    assert q is not None
    limit = limit_of(request)
    names, rest = label_terms(q)
    if names:
        return JSONResponse(await labelled_search(request, agent.company_id, names, rest, limit))
    hub = hub_of(request)
    messages = await hub.search.messages(agent.company_id, q, limit)
    contacts = await hub.contacts.page(agent.company_id, q, limit=min(limit, CONTACT_HITS))
    return JSONResponse({"messages": messages, "contacts": contacts["contacts"]})


def label_terms(q: str) -> tuple[list[str], str]:
    """The names of `q`'s `label:NAME` (or `label:"TWO WORDS"`) terms, and the rest of it."""
    names = [quoted or bare for quoted, bare in LABEL_TERM.findall(q)]
    return names, LABEL_TERM.sub(" ", q).strip()


async def labelled_search(
    request: Request, company_id: str, names: list[str], rest: str, limit: int
) -> dict[str, Any]:
    """Conversations, contacts and messages carrying every label named (nothing when one is
    unknown): the newest conversations with them, their contacts among those with them, and
    the messages matching the other words, among the newest matches, in them."""
    hub = hub_of(request)
    empty: dict[str, Any] = {"messages": [], "contacts": [], "conversations": []}
    ids = await hub.labels.named(company_id, names)
    if ids is None:
        return empty
    views = await hub.conversations.inbox(company_id, label=ids[0])
    kept = await hub.labels.keep_labelled([v["id"] for v in views], ids[1:])
    contacts = await hub.labels.contacts_labelled(company_id, ids, MAX_LIMIT)
    messages: list[dict[str, Any]] = []
    if rest:
        words = rest.lower().split()
        contacts = [c for c in contacts if all(w in _contact_text(c) for w in words)]
        found = await hub.search.messages(company_id, rest, MAX_LIMIT)
        hits = await hub.labels.keep_labelled([m["conversation_id"] for m in found], ids)
        messages = [m for m in found if m["conversation_id"] in hits][:limit]
    return {
        "messages": messages,
        "contacts": contacts[:CONTACT_HITS],
        "conversations": [v for v in views if v["id"] in kept][:limit],
    }


def _contact_text(contact: dict[str, Any]) -> str:
    return " ".join(str(contact.get(k) or "") for k in ("name", "email", "phone")).lower()


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
    labels = await hub.labels.of_contact(agent.company_id, found.contact["id"])
    return JSONResponse({"contact": found.contact | {"labels": labels}, "conversations": views})
