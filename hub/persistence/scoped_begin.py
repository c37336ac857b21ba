"""A PostgreSQL connection that opens a tenant's transaction in one round trip.

A tenant's transaction (hub.persistence.tenancy) must switch to the `hub_tenant` role and set
`app.company_id` before its first statement. Sent as a statement of its own, that was a
round trip of every tenant transaction beside asyncpg's BEGIN: 15% of a PostgreSQL hub's
samples under the two-way workload (bench/README.md, issue 20). `Database` arms the scope
on the connection before the transaction starts; asyncpg's BEGIN, a simple-protocol
message, then carries the `set_config` calls with it.

Fail-safe: an armed scope that reaches any statement other than a BEGIN raises instead of
letting that statement run without its company's walls.
"""

from __future__ import annotations

import re
from typing import Any

from asyncpg import Connection  # type: ignore[import-untyped]
from asyncpg.exceptions import InterfaceError  # type: ignore[import-untyped]

from hub.persistence.tenancy import COMPANY_SETTING, TENANT_ROLE

# Only an id of these characters is inlined in SQL (the hub's ids are 32 hex digits); any
# other takes the parameterised statement (`inline_scope` answers None).
_INLINE_SAFE = re.compile(r"[0-9A-Za-z_-]{1,64}")


def inline_scope(company_id: str) -> str | None:
    """The statement that scopes a transaction to `company_id`, with the id inlined, or None
    when the id holds a character that is not safe to inline."""
    if _INLINE_SAFE.fullmatch(company_id) is None:
        return None
    return (
        f"SELECT set_config('role', '{TENANT_ROLE}', true), "
        f"set_config('{COMPANY_SETTING}', '{company_id}', true)"
    )


class ScopedBeginConnection(Connection):  # type: ignore[misc]
    """asyncpg's connection, whose next BEGIN may carry a tenant scope (`arm`)."""

    _hub_scope: str | None = None

    def arm(self, scope: str) -> None:
        """Send `scope` with the next BEGIN, which must be the next statement."""
        self._hub_scope = scope

    def disarm(self) -> None:
        """Forget an armed scope no statement took (a transaction that ran nothing)."""
        self._hub_scope = None

    def _take(self, query: str) -> str:
        scope, self._hub_scope = self._hub_scope, None
        if scope is None:
            return query
        if not query.startswith("BEGIN"):
            raise InterfaceError("a tenant scope was armed but the statement is not a BEGIN")
        return f"{query};{scope}"

    async def execute(self, query: str, *args: Any, **kwargs: Any) -> str:
        if self._hub_scope is not None:
            if args:
                raise InterfaceError("a tenant scope was armed but the statement is not a BEGIN")
            query = self._take(query)
        result: str = await super().execute(query, *args, **kwargs)
        return result

    async def prepare(self, query: str, **kwargs: Any) -> Any:
        if self._hub_scope is not None:
            self._take(query)  # raises: a statement before the scoped BEGIN
        return await super().prepare(query, **kwargs)

    async def executemany(self, command: str, args: Any, **kwargs: Any) -> None:
        if self._hub_scope is not None:
            self._take(command)  # raises, as above
        await super().executemany(command, args, **kwargs)

    async def fetch(self, query: str, *args: Any, **kwargs: Any) -> Any:
        if self._hub_scope is not None:
            self._take(query)  # raises, as above
        return await super().fetch(query, *args, **kwargs)

    async def fetchrow(self, query: str, *args: Any, **kwargs: Any) -> Any:
        if self._hub_scope is not None:
            self._take(query)  # raises, as above
        return await super().fetchrow(query, *args, **kwargs)

    async def fetchval(self, query: str, *args: Any, **kwargs: Any) -> Any:
        if self._hub_scope is not None:
            self._take(query)  # raises, as above
        return await super().fetchval(query, *args, **kwargs)
