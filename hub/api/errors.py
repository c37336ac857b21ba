"""Errors over HTTP: a status with `{"error": {"code", "message"}}`."""

from __future__ import annotations

import logging

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.persistence.db import database_unavailable

log = logging.getLogger("hub.api")

RETRY_AFTER = "5"  # seconds, on a 503 while the database is unreachable


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def error_response(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


async def api_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message)


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


# DBAPIError and OSError get their own handler so that a 503 is not also re-raised to the
# server (Starlette re-raises whatever reaches the catch-all `Exception` handler).
HANDLERS = {
    ApiError: api_error,
    HTTPException: http_error,
    DBAPIError: storage_error,
    OSError: storage_error,
    PoolTimeout: storage_error,
    Exception: internal_error,
}
