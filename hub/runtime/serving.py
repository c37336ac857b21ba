"""How uvicorn serves the hub: one set of options for `hub serve` and the test servers, and
the HTTP protocol that bounds how long a client may take to send a request."""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from hub.settings import Settings


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The keyword arguments `hub serve` gives uvicorn (beyond the app, host and port).

    Forwarded headers are believed only from `settings.trusted_proxies`: from anyone else
    they would let a client pick the address its rate limits are counted against and the
    address agents are shown."""
    return {
        "http": timed_protocol(settings.header_timeout, settings.body_timeout),
        "proxy_headers": True,
        "forwarded_allow_ips": list(settings.trusted_proxies),
        "ws_max_size": settings.max_frame_bytes,
        # PERFORMANCE.md: ~150-byte frames gain little from it, and it costs memory per socket
        "ws_per_message_deflate": False,
    }


class TimedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with a deadline on each request head and body.

    uvicorn bounds only the idle time between requests (its keep-alive timeout): a
    connection that sends part of a request head, or of a WebSocket upgrade, or a body
    that never ends, was held for ever. Here the head must be complete `header_timeout`
    seconds after the connection opens or the next request begins, and the body
    `body_timeout` seconds after its head; past either, the connection is closed. Idle
    keep-alive connections and upgraded sockets are left to uvicorn as before.

    It overrides parser callbacks of uvicorn's HttpToolsProtocol, which are not a public
    API: pyproject.toml bounds uvicorn to the releases tests/test_serving.py has passed on.
    `--http hub.runtime.serving:TimedHttpProtocol` gives a bare uvicorn command these
    defaults; `hub serve` uses a subclass with the configured ones (`timed_protocol`).
    """

    header_timeout: float = Settings.header_timeout
    body_timeout: float = Settings.body_timeout
    _deadline: asyncio.TimerHandle | None = None
    _awaiting_head = True  # nothing of a request yet, or its head is arriving

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_deadline(self.header_timeout)

    def data_received(self, data: bytes) -> None:
        # Before parsing: the parser may complete the head within this very chunk. Bytes
        # between requests (even a bare CRLF) start the next head's clock.
        if self._awaiting_head and self._deadline is None:
            self._start_deadline(self.header_timeout)
        super().data_received(data)

    def on_message_begin(self) -> None:
        # A pipelined request can begin in the chunk that ended the one before it.
        if self._deadline is None:
            self._start_deadline(self.header_timeout)
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        self._awaiting_head = False
        self._cancel_deadline()
        self._start_deadline(self.body_timeout)
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._awaiting_head = True
        self._cancel_deadline()
        super().on_message_complete()

    def handle_websocket_upgrade(self) -> None:
        self._cancel_deadline()  # the socket is the WebSocket protocol's from here on
        super().handle_websocket_upgrade()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        super().connection_lost(exc)

    def _start_deadline(self, seconds: float) -> None:
        self._deadline = self.loop.call_later(seconds, self._too_slow)

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()


def timed_protocol(header_timeout: float, body_timeout: float) -> type[TimedHttpProtocol]:
    """TimedHttpProtocol with these deadlines (uvicorn builds the protocol itself, so they
    travel on the class)."""

    class Configured(TimedHttpProtocol):
        pass

    Configured.header_timeout = header_timeout
    Configured.body_timeout = body_timeout
    return Configured
