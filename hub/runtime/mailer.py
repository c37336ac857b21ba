"""Mail out of the hub, behind one interface with two implementations, like the bus.

`SmtpMailer` sends over SMTP (aiosmtplib: STARTTLS or implicit TLS, authentication, timeouts)
when `HUB_SMTP_URL` is set; `LogMailer`, the embedded default, writes each mail to the log
(`hub.mail`) and keeps the last few for the demo, so a laptop with no mail server still shows
every link the hub would have sent.
"""

from __future__ import annotations

import abc
import logging
import urllib.parse
from collections import deque
from dataclasses import dataclass
from email.message import EmailMessage

import aiosmtplib

log = logging.getLogger("hub.mail")

SEND_TIMEOUT = 10.0  # seconds for one SMTP conversation
KEPT = 50  # mails the log mailer keeps for the demo


@dataclass(frozen=True)
class Mail:
    """One plain-text mail to one address."""

    to: str
    subject: str
    text: str


class MailError(Exception):
    """The mail could not be handed to the SMTP server."""


class Mailer(abc.ABC):
    @abc.abstractmethod
    async def send(self, mail: Mail) -> None:
        """Hand `mail` over for delivery; `MailError` when that failed."""


class LogMailer(Mailer):
    """Writes each mail to the log and keeps the last `KEPT` (newest last)."""

    def __init__(self) -> None:
        self.sent: deque[Mail] = deque(maxlen=KEPT)

    async def send(self, mail: Mail) -> None:
        self.sent.append(mail)
        log.info("mail to %s: %s\n%s", mail.to, mail.subject, mail.text)


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to reach the SMTP server, from `smtp://` or `smtps://` URLs."""

    host: str
    port: int
    username: str | None
    password: str | None
    implicit_tls: bool
    starttls: bool | None  # None: upgrade when the server offers it

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        """`smtp://[user:password@]host[:port][?starttls=true|false]`, or `smtps://` for
        TLS from the first byte (port 465 by default)."""
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("an SMTP URL is smtp://host[:port] or smtps://host[:port]")
        implicit = parts.scheme == "smtps"
        query = urllib.parse.parse_qs(parts.query)
        starttls = query.get("starttls", [None])[0]
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if implicit else 587),
            username=urllib.parse.unquote(parts.username) if parts.username else None,
            password=urllib.parse.unquote(parts.password) if parts.password else None,
            implicit_tls=implicit,
            starttls=None if starttls is None else starttls.lower() in ("1", "true", "yes"),
        )


class SmtpMailer(Mailer):
    """Sends each mail in its own SMTP conversation (mail is rare: no pool to keep)."""

    def __init__(self, server: SmtpServer, sender: str) -> None:
        self.server = server
        self.sender = sender

    async def send(self, mail: Mail) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message.set_content(mail.text)
        server = self.server
        try:
            await aiosmtplib.send(
                message,
                hostname=server.host,
                port=server.port,
                username=server.username,
                password=server.password,
                use_tls=server.implicit_tls,
                start_tls=server.starttls,
                timeout=SEND_TIMEOUT,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            log.warning("mail to %s not sent: %s", mail.to, exc)
            raise MailError(str(exc)) from exc


def make_mailer(smtp_url: str | None, sender: str) -> Mailer:
    """SMTP when a URL is configured, else the log."""
    if smtp_url is None:
        return LogMailer()
    return SmtpMailer(SmtpServer.from_url(smtp_url), sender)
