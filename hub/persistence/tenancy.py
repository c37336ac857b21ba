"""The company a unit of work belongs to, carried in a context variable.

A request or socket sets it once it knows the caller's company; every transaction opened
under it on PostgreSQL switches to the `hub_tenant` role and sets `app.company_id`, so the
Row Level Security policies of migration 0005 hide every other company's rows even from a
query that forgot its filter. Work that spans companies (group commits, the outbox worker,
retention) opens its transactions with `system=True`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

TENANT_ROLE = "hub_tenant"
COMPANY_SETTING = "app.company_id"

_current: ContextVar[str | None] = ContextVar("hub_tenant", default=None)


def current_tenant() -> str | None:
    """The company of the running request or socket, if it has one."""
    return _current.get()


def enter_tenant(company_id: str) -> None:
    """Scope the rest of the running task (a request, a socket) to one company."""
    _current.set(company_id)


@contextlib.contextmanager
def tenant(company_id: str | None) -> Iterator[None]:
    """Scope a block to one company (or, with None, to none)."""
    token = _current.set(company_id)
    try:
        yield
    finally:
        _current.reset(token)
