"""Errors over HTTP: a status with `{"error": {"code", "message"}}`.

Any `HubError` raised below a handler (a refused reply, an unknown conversation, a failed
phone check) is answered here by its code; handlers raise `ApiError` for HTTP's own cases.
"""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from hub.errors import HubError
from hub.persistence.db import STORAGE_ERRORS, database_unavailable

log = logging.getLogger("hub.api")

RETRY_AFTER = "5"  # seconds, on a 503 while the database is unreachable

# The status of each HubError code; a code not listed is a refusal of the request as it
# stands (opted_out, window_closed, not_configured): 409.
STATUSES = {
    "bad_request": 400,
    "bad_url": 400,  # a webhook endpoint's URL (hub.webhooks.addresses)
    "address_refused": 400,
    "unresolvable": 400,
    "bad_attachment": 400,
    "too_large": 413,
    "unsupported_type": 415,
    "bad_phone": 400,
    "wrong_code": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "identity_refused": 403,
    "not_found": 404,
    "conflict": 409,
    "rate_limited": 429,
    "provider_error": 502,
}


class ApiError(HubError):
    """An HTTP answer with its own status."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(code, message)
        self.status = status


def error_response(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


async def hub_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HubError)
    status = exc.status if isinstance(exc, ApiError) else STATUSES.get(exc.code, 409)
    return error_response(status, exc.code, exc.message)


async def http_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return error_response(exc.status_code, code, str(exc.detail))


async def storage_error(request: Request, exc: Exception) -> Response:
    """503 while the database is unreachable (providers and clients retry), else 500."""
    if not database_unavailable(exc):
        return await internal_error(request, exc)
    log.warning("%s %s: database unavailable (%r)", request.method, request.url.path, exc)
    response = error_response(503, "unavailable", "the database is unreachable; try again")
    response.headers["Retry-After"] = RETRY_AFTER
    return response


async def internal_error(_request: Request, exc: Exception) -> Response:
    log.error("request failed", exc_info=exc)
    return error_response(500, "internal", "the hub could not handle this request")


async def client_gone(request: Request, _exc: Exception) -> Response:
    """The client went away, or was cut off for sending too slowly (HUB_BODY_TIMEOUT),
    before its body arrived: nothing failed here, and nobody is left to answer."""
    log.info("%s %s: the client left before sending its body", request.method, request.url.path)
    return Response(status_code=400)


# Storage errors get their own handler so that a 503 is not also re-raised to the server
# (Starlette re-raises whatever reaches the catch-all `Exception` handler).
HANDLERS = {
    HubError: hub_error,
    HTTPException: http_error,
    ClientDisconnect: client_gone,
    **dict.fromkeys(STORAGE_ERRORS, storage_error),
    Exception: internal_error,
}
