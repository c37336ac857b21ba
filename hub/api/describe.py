"""What an HTTP handler tells the API document (hub.api.openapi) about itself.

`@describe(...)` sits on each handler: who may call it, the pydantic models of its body,
query and answer, and its success status. The summary is the handler's name unless given,
the description its docstring's first paragraph, the tag its module. `@undocumented(reason)`
marks a route that is not part of the JSON API (pages, static files, provider webhooks:
docs/protocol.md has those). A route with neither makes hub.api.openapi.build refuse to
build the document, so a new route cannot ship undescribed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import UnionType
from typing import Literal, TypeVar

from pydantic import BaseModel

from hub.identity import scopes

# Who may call an operation:
# public: anyone; agent: an agent's bearer token, API key or browser session;
# owner: the same, as an owner (an API key needs its `admin` scope);
# session: only a browser session (its cookie); widget: a visitor's widget key and session;
# form: a hub page's JSON form (same-origin only, no credentials).
Auth = Literal["public", "agent", "owner", "session", "widget", "form"]
Model = type[BaseModel] | UnionType  # a model, or models joined by `|` (one of them)
F = TypeVar("F", bound=Callable[..., object])
ANY = "*"  # the operation of every method the route has


@dataclass(frozen=True)
class Operation:
    """One method of one route, as the document shows it."""

    summary: str
    description: str
    tag: str
    auth: Auth
    body: Model | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    upload: str | None = None  # a raw body of this media type (a file), instead of JSON
    produces: str = "application/json"


def describe(
    *methods: str,
    auth: Auth = "agent",
    summary: str | None = None,
    body: Model | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    upload: str | None = None,
    produces: str = "application/json",
) -> Callable[[F], F]:
    """Describe `methods` of the decorated handler (all of its route's when none given);
    stack one per method when a handler serves several differently."""

    def mark(handler: F) -> F:
        doc = (handler.__doc__ or "").strip().split("\n\n")[0]
        operation = Operation(
            summary=summary or handler.__name__.replace("_", " ").capitalize(),
            description=" ".join(doc.split()),
            tag=handler.__module__.rsplit(".", 1)[-1].replace("_", "-"),
            auth=auth,
            body=body,
            query=query,
            response=response,
            status=status,
            upload=upload,
            produces=produces,
        )
        table: dict[str, Operation] = dict(getattr(handler, "__openapi__", {}))
        for method in methods or (ANY,):
            table[method] = operation
        handler.__openapi__ = table  # type: ignore[attr-defined]
        return handler

    return mark


def undocumented(reason: str) -> Callable[[F], F]:
    """Mark a handler that is not part of the JSON API document, and why."""

    def mark(handler: F) -> F:
        handler.__undocumented__ = reason  # type: ignore[attr-defined]
        return handler

    return mark


def operation_of(handler: object, method: str) -> Operation | None:
    table: dict[str, Operation] = getattr(handler, "__openapi__", {})
    return table.get(method) or table.get(ANY)


def is_undocumented(handler: object) -> bool:
    return isinstance(getattr(handler, "__undocumented__", None), str)


def scopes_of(operation: Operation, method: str) -> list[str]:
    """The API-key scope the operation needs: the rule hub.api.requests enforces."""
    if operation.auth not in ("agent", "owner"):
        return []
    return [scopes.needed(method, owner_only=operation.auth == "owner")]
