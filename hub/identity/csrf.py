"""CSRF protection for requests a session cookie authenticates (OWASP's HMAC-based token).

The token is HMAC-SHA256 of the session's id under HUB_SECRET_KEY: nothing stored, bound to
one session (a sign-in gets a new one), unknowable to another site. The inbox reads it from
`GET /api/session` and sends it in `X-CSRF-Token` with every state-changing request; the
`Origin` header, when the browser sends one, must be the hub's own. Bearer-token requests
(scripts) carry no ambient credential and need neither.
"""

from __future__ import annotations

import hashlib
import hmac

from hub.settings import Secret

HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfRefused(Exception):
    """The request is not the hub's own page's: its message says why."""


def csrf_token(secret: Secret, session_id: str) -> str:
    """The CSRF token of the session whose cookie value is `session_id`."""
    key = hashlib.sha256(b"csrf:" + secret.reveal().encode()).digest()
    return hmac.new(key, session_id.encode(), hashlib.sha256).hexdigest()


def check_origin(origin: str | None, own: str, fetch_site: str | None = None) -> None:
    """Refuse a request another site's page sent: a foreign `Origin`, or a browser's
    `Sec-Fetch-Site: cross-site`. Requests without them (old browsers, scripts) pass."""
    if origin is not None and origin != "null" and origin.rstrip("/") != own:
        raise CsrfRefused("the request came from another site")
    if origin == "null" or fetch_site == "cross-site":
        raise CsrfRefused("the request came from another site")


def check(
    secret: Secret,
    session_id: str,
    sent: str | None,
    origin: str | None,
    own: str,
    fetch_site: str | None = None,
) -> None:
    """Raise CsrfRefused unless the request is same-origin and carries the session's token."""
    check_origin(origin, own, fetch_site)
    if not sent or not hmac.compare_digest(sent, csrf_token(secret, session_id)):
        raise CsrfRefused(f"send the session's CSRF token in {HEADER}")
