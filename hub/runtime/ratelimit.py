"""Rate limits on the public surfaces: token buckets keyed by IP address, company or widget
session.

In-process: each hub process keeps its own buckets, so N processes behind a load balancer
allow up to N times the limit (docs/operations.md). Keys are bounded: the least recently
used are forgotten first.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

MAX_KEYS = 100_000


class Limiter:
    """`rate` events a second on average per key, `burst` at once."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = float(burst)
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        tokens, stamp = self._buckets.pop(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - stamp) * self.rate)
        allowed = tokens >= 1
        self._buckets[key] = (tokens - 1 if allowed else tokens, now)
        if len(self._buckets) > MAX_KEYS:
            self._buckets.popitem(last=False)
        return allowed

    def retry_after(self) -> int:
        return max(1, round(1 / self.rate)) if self.rate > 0 else 60


class WidgetLimits:
    """The widget socket's limits (docs/operations.md, *Rate limits*).

    `connects_per_ip`: every socket of an address, before its key is looked up.
    `sessions_per_ip`: new sessions per address and company, at the `hello`; a visitor
    resuming a known session is let through when it is empty, so a flood of new visitors
    behind a shared address does not lock out the ones already chatting.
    `connects_per_company`: every socket of a company, after the per-address checks, so that
    sockets refused per address do not spend their company's budget.
    `messages_per_session`: `message.send` frames of one visitor (its widget session), over
    all its sockets (tabs): the limit a visitor meets.
    `messages_per_ip`: the same frames of an address over all its sessions, a backstop sized
    for the crowd behind an office or carrier NAT, checked after the visitor's own bucket so
    that a visitor refused on its own does not spend its neighbours' budget.
    """

    def __init__(
        self,
        connects_per_ip: tuple[float, int],
        connects_per_company: tuple[float, int],
        messages_per_ip: tuple[float, int],
        sessions_per_ip: tuple[float, int],
        messages_per_session: tuple[float, int],
    ) -> None:
        self.connects_per_ip = Limiter(*connects_per_ip)
        self.sessions_per_ip = Limiter(*sessions_per_ip)
        self.connects_per_company = Limiter(*connects_per_company)
        self.messages_per_ip = Limiter(*messages_per_ip)
        self.messages_per_session = Limiter(*messages_per_session)

    def message_refused(self, session: str, address: str) -> str | None:
        """Why a visitor's `message.send` is refused (the `rate_limited` message), or None
        when both its session's and its address's buckets have a token for it."""
        if not self.messages_per_session.allow(session):
            return "too many messages from this visitor; slow down"
        if not self.messages_per_ip.allow(address):
            return "too many messages from this address"
        return None


class HttpRateLimit:
    """ASGI middleware: 429 for an IP calling /api (or loading /avatars, which reads the
    database too) or /webhooks faster than allowed."""

    def __init__(self, app: ASGIApp, api: Limiter, webhooks: Limiter) -> None:
        self.app = app
        self.limits = {"/api/": api, "/avatars/": api, "/webhooks/": webhooks}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            limiter = next((v for k, v in self.limits.items() if path.startswith(k)), None)
            if limiter is not None and not limiter.allow(client_ip(scope)):
                await _too_many(send, limiter.retry_after())
                return
        await self.app(scope, receive, send)


def client_ip(scope: Scope | Any) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


async def _too_many(send: Send, retry_after: int) -> None:
    body = json.dumps(
        {"error": {"code": "rate_limited", "message": "too many requests; slow down"}}
    ).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"retry-after", str(retry_after).encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class AccountLimits:
    """Sign-in attempts, and mails asked for (sign-up, reset, verification), each per address
    and per account (the email, known or not: the same answer either way)."""

    def __init__(
        self,
        sign_in_per_ip: tuple[float, int],
        sign_in_per_account: tuple[float, int],
        mail_per_ip: tuple[float, int],
        mail_per_account: tuple[float, int],
    ) -> None:
        self.sign_in = (Limiter(*sign_in_per_ip), Limiter(*sign_in_per_account))
        self.mail = (Limiter(*mail_per_ip), Limiter(*mail_per_account))

    def sign_in_refused(self, address: str, email: str) -> int | None:
        """Seconds to wait before another sign-in attempt, or None when it may go ahead."""
        return _refused(self.sign_in, address, email)

    def mail_refused(self, address: str, email: str) -> int | None:
        """Seconds to wait before asking for another mail, or None when it may go ahead."""
        return _refused(self.mail, address, email)


def _refused(limits: tuple[Limiter, Limiter], address: str, email: str) -> int | None:
    per_ip, per_account = limits
    if not per_ip.allow(address):
        return per_ip.retry_after()
    if not per_account.allow(email):
        return per_account.retry_after()
    return None
