"""The one error base of the hub: a stable `code` from the contract and a message for people.

Every layer raises its own subclass; each edge reports any of them the same way: an `error`
frame on a socket (the socket stays open), `{"error": {"code", "message"}}` over HTTP.
"""

from __future__ import annotations


class HubError(Exception):
    """A refusal the client is told about as `(code, message)`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class NotFound(HubError):
    """No such conversation (or other object) in the caller's company."""

    def __init__(self, message: str = "no such conversation in your company") -> None:
        super().__init__("not_found", message)
