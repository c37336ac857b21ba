"""Accounts on the embedded default (no outside service): sign-up of a company and its
owner, email verification, sign-in by email and password, password reset.

OWASP's authentication and forgot-password rules: argon2id (hub.identity.passwords);
single-use, expiring links whose secrets are kept as SHA-256 (`account_tokens`); throttling
per address and per account; and the same answer whether or not an email has an account
(sign-up of a known email mails that address instead; a reset for an unknown one sends
nothing). Mails go through `hub.runtime.mailer`, in the background so that an answer takes
as long with a mail as without one.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.identity.links import LinkInvalid, digest, normal_email
from hub.identity.passwords import check_rules, hash_password, verify_password
from hub.identity.tokens import AgentIdentity
from hub.persistence import repository as repo
from hub.persistence.db import Database
from hub.persistence.models import new_id, utcnow
from hub.runtime.mailer import Mail, Mailer, MailError
from hub.runtime.ratelimit import AccountLimits
from hub.settings import Settings

log = logging.getLogger("hub.accounts")

VERIFY_TTL = dt.timedelta(hours=24)
RESET_TTL = dt.timedelta(hours=1)

# Creates a company in the caller's transaction, returns its id (hub.workspace.companies,
# wired by hub.app.build_hub: identity sits below the workspace).
NewCompany = Callable[[AsyncConnection, str], Awaitable[str]]


class Throttled(Exception):
    """Too many attempts from this address or for this account."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("too many attempts; try again later")
        self.retry_after = retry_after


class SignInFailed(Exception):
    """The email and password match no active account (one answer for every reason)."""


class Unverified(Exception):
    """The password is right but the email is not verified yet (a new link was mailed)."""


class Accounts:
    def __init__(self, db: Database, settings: Settings, mailer: Mailer, limits: AccountLimits):
        self.db = db
        self.settings = settings
        self.mailer = mailer
        self.limits = limits
        self.new_company: NewCompany | None = None
        self._mailing: set[asyncio.Task[None]] = set()

    # -- sign-up and verification -----------------------------------------------------------

    async def sign_up(
        self, company: str, name: str, email: str, password: str, address: str
    ) -> None:
        """A company and its owner, unverified, and a verification mail; for an email that
        already has an account, a mail saying so instead. Raises PasswordRefused, Throttled."""
        email = normal_email(email)
        self._throttle(self.limits.mail_refused(address, email))
        check_rules(password, email)
        hashed = await hash_password(password)  # paid for known emails too: the same time
        if await self._agents_by_email(email):
            self._send(Mail(email, "You already have a LeadOp Hub account", _known(self.base)))
            return
        assert self.new_company is not None, "hub.app.build_hub wires new_company"
        async with self.db.write(system=True) as conn:
            company_id = await self.new_company(conn, company)
            agent_id = new_id()
            values = {"name": name, "email": email, "role": "owner", "password_hash": hashed}
            await conn.execute(
                insert(repo.agents).values(id=agent_id, company_id=company_id, **values)
            )
            secret = await _link(conn, company_id, agent_id, "verify", VERIFY_TTL)
        self._send(_verify_mail(email, self.base, secret))

    async def verify(self, secret: str) -> AgentIdentity:
        """Mark the link's agent verified; its identity (the caller signs it in)."""
        async with self.db.write(system=True) as conn:
            row = await _consume(conn, secret, "verify")
            await conn.execute(
                update(repo.agents)
                .where(repo.agents.c.id == row.id, repo.agents.c.email_verified_at.is_(None))
                .values(email_verified_at=utcnow())
            )
        return AgentIdentity(row.id, row.company_id, row.role)

    # -- sign-in ----------------------------------------------------------------------------

    async def sign_in(self, email: str, password: str, address: str) -> AgentIdentity:
        """The active agent with this email and password. Raises SignInFailed (whatever was
        wrong), Unverified (a new link mailed), Throttled."""
        email = normal_email(email)
        self._throttle(self.limits.sign_in_refused(address, email))
        rows = await self._agents_by_email(email)
        match = None
        for row in rows:  # one email may belong to agents of several companies
            if await verify_password(row.password_hash, password):
                match = row
                break
        if not rows:
            await verify_password(None, password)  # as slow as a real check
        if match is None:
            raise SignInFailed
        if match.email_verified_at is None:
            await self._resend_verification(match, address)
            raise Unverified
        async with self.db.write(system=True) as conn:
            await repo.sign_in_agent(conn, match.id, match.company_id)
        return AgentIdentity(match.id, match.company_id, match.role)

    async def _resend_verification(self, row: Any, address: str) -> None:
        if self.limits.mail_refused(address, row.email) is not None:
            return  # the last link is still on its way
        async with self.db.write(system=True) as conn:
            secret = await _link(conn, row.company_id, row.id, "verify", VERIFY_TTL)
        self._send(_verify_mail(row.email, self.base, secret))

    # -- password reset ---------------------------------------------------------------------

    async def forgot(self, email: str, address: str) -> None:
        """Mail a reset link when the email has an active account; nothing otherwise (the
        caller answers the same). Raises Throttled."""
        email = normal_email(email)
        self._throttle(self.limits.mail_refused(address, email))
        rows = await self._agents_by_email(email)
        if not rows:
            return
        row = rows[0]  # the most recently signed-in of its companies
        async with self.db.write(system=True) as conn:
            secret = await _link(conn, row.company_id, row.id, "reset", RESET_TTL)
        url = f"{self.base}/reset#token={secret}"
        text = (
            "Someone (we hope you) asked to reset the password of your LeadOp Hub account.\n\n"
            f"Choose a new password here within the hour:\n{url}\n\n"
            "If it was not you, ignore this mail: your password stays as it is."
        )
        self._send(Mail(email, "Reset your LeadOp Hub password", text))

    async def reset(self, secret: str, password: str) -> AgentIdentity:
        """Set the link's agent's new password (which also proves its email). The caller
        ends its sessions. Raises LinkInvalid, PasswordRefused."""
        check_rules(password)
        hashed = await hash_password(password)
        async with self.db.write(system=True) as conn:
            row = await _consume(conn, secret, "reset")
            check_rules(password, row.email)
            verified = func.coalesce(repo.agents.c.email_verified_at, utcnow())
            await conn.execute(
                update(repo.agents)
                .where(repo.agents.c.id == row.id)
                .values(password_hash=hashed, email_verified_at=verified)
            )
        return AgentIdentity(row.id, row.company_id, row.role)

    # -- helpers ----------------------------------------------------------------------------

    @property
    def base(self) -> str:
        """Links point at PUBLIC_URL, never at the request's Host (which a caller forges)."""
        return self.settings.public_url

    async def _agents_by_email(self, email: str) -> list[Any]:
        a = repo.agents
        stmt = (
            select(a)
            .where(func.lower(a.c.email) == email, a.c.revoked.is_(False))
            .order_by(a.c.last_sign_in_at.desc().nulls_last(), a.c.created_at)
        )
        async with self.db.read(system=True) as conn:
            return list((await conn.execute(stmt)).all())

    def _throttle(self, retry_after: int | None) -> None:
        if retry_after is not None:
            raise Throttled(retry_after)

    def _send(self, mail: Mail) -> None:
        """Send in the background: the answer must not wait on (or reveal) the mail."""
        task = asyncio.create_task(self._deliver(mail))
        self._mailing.add(task)
        task.add_done_callback(self._mailing.discard)

    async def _deliver(self, mail: Mail) -> None:
        try:
            await self.mailer.send(mail)
        except MailError:  # logged by the mailer; the user can ask again
            log.warning("account mail to %s not sent", mail.to)

    async def drain(self) -> None:
        """Wait for mails still being sent (shutdown)."""
        if self._mailing:
            await asyncio.gather(*self._mailing, return_exceptions=True)


async def _link(
    conn: AsyncConnection, company_id: str, agent_id: str, purpose: str, ttl: dt.timedelta
) -> str:
    """A new single-use link secret for the agent (256 random bits, stored as SHA-256)."""
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    await conn.execute(
        insert(repo.account_tokens).values(
            id=digest(secret),
            company_id=company_id,
            agent_id=agent_id,
            purpose=purpose,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    return secret


async def _consume(conn: AsyncConnection, secret: str, purpose: str) -> Any:
    """Use the link once: its active agent's row, else LinkInvalid (changes nothing)."""
    t, a = repo.account_tokens, repo.agents
    now = utcnow()
    used = await conn.execute(
        update(t)
        .where(
            t.c.id == digest(secret),
            t.c.purpose == purpose,
            t.c.used_at.is_(None),
            t.c.expires_at > now,
        )
        .values(used_at=now)
    )
    if used.rowcount != 1:
        raise LinkInvalid
    stmt = (
        select(a)
        .join(t, t.c.agent_id == a.c.id)
        .where(t.c.id == digest(secret), a.c.revoked.is_(False))
    )
    row = await repo.one(conn, stmt)
    if row is None:
        raise LinkInvalid  # the transaction's caller rolls the use back with it
    return row


def _verify_mail(email: str, base: str, secret: str) -> Mail:
    text = (
        "Welcome to LeadOp Hub.\n\n"
        f"Confirm your email address to sign in (the link works once, for 24 hours):\n"
        f"{base}/verify#token={secret}\n\n"
        "If you did not sign up, ignore this mail."
    )
    return Mail(email, "Confirm your email for LeadOp Hub", text)


def _known(base: str) -> str:
    return (
        "Someone (we hope you) tried to sign up to LeadOp Hub with this email address, "
        "which already has an account.\n\n"
        f"Sign in: {base}/login\n"
        f"Forgot your password? {base}/forgot\n\n"
        "If it was not you, ignore this mail."
    )
