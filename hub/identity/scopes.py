"""API-key scopes (issue 21): what a key may do, chosen when it is made.

`read` allows reading (GET), `write` allows every other call an agent may make, `admin`
allows the owner-only ones (settings, teammates, data rights), and still needs an owner's
key. Agent tokens and browser sessions carry no scopes: they may do whatever their role
allows. Keys made before scopes existed have all three (migration 0022).
"""

from __future__ import annotations

from collections.abc import Iterable

READ, WRITE, ADMIN = "read", "write", "admin"
SCOPES = (READ, WRITE, ADMIN)
ALL = " ".join(SCOPES)  # as stored: space-separated, in this order


def stored(scopes: Iterable[str]) -> str:
    """The scopes as the column keeps them (known ones only, in SCOPES order)."""
    chosen = set(scopes)
    return " ".join(s for s in SCOPES if s in chosen)


def parsed(column: str | None) -> frozenset[str]:
    return frozenset(s for s in (column or "").split() if s in SCOPES)


def needed(method: str, owner_only: bool) -> str:
    """The scope an HTTP call needs: admin for owner-only ones, else read for a safe method
    and write for the others."""
    if owner_only:
        return ADMIN
    return READ if method in ("GET", "HEAD", "OPTIONS") else WRITE
