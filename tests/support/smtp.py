"""A real SMTP server on 127.0.0.1 (aiosmtpd) for one test, and the mail it received."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
from collections.abc import AsyncIterator
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.processes import free_port


class Inbox:
    """What the server received, parsed; `wait` for the next one."""

    def __init__(self) -> None:
        self.mails: list[EmailMessage] = []
        self._arrived = asyncio.Event()
        self._loop = asyncio.get_running_loop()

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self._loop.call_soon_threadsafe(self._add, parsed)
        return "250 OK"

    def _add(self, mail: EmailMessage) -> None:
        self.mails.append(mail)
        self._arrived.set()

    async def wait(self, count: int = 1, timeout: float = 10.0) -> list[EmailMessage]:
        """Until at least `count` mails arrived; all of them."""
        async with asyncio.timeout(timeout):
            while len(self.mails) < count:
                self._arrived.clear()
                await self._arrived.wait()
        return self.mails


@contextlib.asynccontextmanager
async def smtp_server() -> AsyncIterator[tuple[str, Inbox]]:
    """(its smtp:// URL, the inbox), the server stopped after."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()  # runs in its own thread
    try:
        yield f"smtp://127.0.0.1:{port}?starttls=false", inbox
    finally:
        controller.stop()
