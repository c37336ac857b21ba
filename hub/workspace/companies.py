"""Companies and their agents: creation (CLI, demo, sign-up) and token issuing."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.identity.links import normal_email
from hub.identity.passwords import hash_password
from hub.identity.tokens import AgentIdentity, issue_token
from hub.persistence import repository as repo
from hub.persistence.db import Database
from hub.persistence.models import new_id, utcnow
from hub.settings import Settings
from hub.workspace.onboarding import set_dismissed

DEMO_SLUG = "demo"
DEMO_OWNER_EMAIL = "demo@example.com"
DEMO_OWNER_NAME = "Demo Owner"


@dataclass(frozen=True)
class CreatedCompany:
    company_id: str
    widget_key: str
    agent_token: str


@dataclass(frozen=True)
class DemoCompany(CreatedCompany):
    """The demo company, with its owner's sign-in (`hub serve --demo` prints them once): a
    fresh password each start, since only its hash is kept."""

    owner_email: str = ""
    owner_password: str = ""


async def new_company(
    conn: AsyncConnection,
    name: str,
    website: str | None = None,
    description: str | None = None,
    slug: str | None = None,
) -> str:
    """Insert a company with its public widget key in the caller's transaction; its id."""
    company_id = new_id()
    await conn.execute(
        insert(repo.companies).values(
            id=company_id,
            name=name,
            website=website,
            description=description,
            widget_key="wk_" + secrets.token_urlsafe(18),
            allowed_origins=[],
            facts=[],
            slug=slug,
        )
    )
    return company_id


async def create_company(
    db: Database,
    settings: Settings,
    name: str,
    website: str | None = None,
    description: str | None = None,
    slug: str | None = None,
    owner_email: str | None = None,
    owner_name: str | None = None,
) -> CreatedCompany:
    """A company, its public widget key, and its owner with a token. The owner is named
    `owner_name`, else "NAME owner": never nameless (issue 19); `owner_email`, when given,
    lets them set a password with "Forgot your password?" on the sign-in page."""
    async with db.write() as conn:
        company_id = await new_company(conn, name, website, description, slug)
        widget_key = (
            await conn.execute(
                select(repo.companies.c.widget_key).where(repo.companies.c.id == company_id)
            )
        ).scalar_one()
        email = normal_email(owner_email) if owner_email else None
        owner_id = await _add_agent(conn, company_id, "owner", email, owner_name or owner_of(name))
    owner = AgentIdentity(owner_id, company_id, "owner")
    token = issue_token(settings.secret_key, owner, settings.token_ttl_days)
    return CreatedCompany(company_id, widget_key, token)


def owner_of(company_name: str) -> str:
    """The name of an owner nobody named: "Acme owner" (at most 200 characters)."""
    return f"{company_name.strip()[:194]} owner"


async def agent_token(
    db: Database,
    settings: Settings,
    company_id: str,
    role: str,
    email: str | None,
    name: str | None = None,
) -> str:
    """A token acting with `role` for an agent of the company (`hub token`).

    With `email`: that agent, added (named `name`, else from the email) if new, its role
    set to `role` (an owner keeps its name, or gets one). Without: the company's first
    active owner; never a new agent with no name or email, nor a nameless owner (issue 19).
    Raises LookupError for an unknown company, or one with no active owner and no `email`."""
    async with db.write() as conn:
        if await repo.company_by_id(conn, company_id) is None:
            raise LookupError(f"no company {company_id}")
        if email is None:
            agent_id = await _first_owner(conn, company_id)
        else:
            agent_id = await _agent_by_email(conn, company_id, email, role, name)
    identity = AgentIdentity(agent_id, company_id, role)
    return issue_token(settings.secret_key, identity, settings.token_ttl_days)


async def _first_owner(conn: AsyncConnection, company_id: str) -> str:
    a = repo.agents
    stmt = (
        select(a.c.id)
        .where(a.c.company_id == company_id, a.c.role == "owner", a.c.revoked.is_(False))
        .order_by(a.c.created_at, a.c.id)
        .limit(1)
    )
    agent_id = (await conn.execute(stmt)).scalar()
    if agent_id is None:
        raise LookupError(f"company {company_id} has no active owner: pass --email to add one")
    return str(agent_id)


async def _agent_by_email(
    conn: AsyncConnection, company_id: str, email: str, role: str, name: str | None
) -> str:
    """The company's agent with `email`, its role set to `role`; added if new. An agent
    added, or made an owner, without a name is named from the email's local part."""
    a = repo.agents
    email = normal_email(email)
    fallback = name or email.split("@", 1)[0]
    found = (
        await conn.execute(
            select(a.c.id).where(a.c.company_id == company_id, func.lower(a.c.email) == email)
        )
    ).scalar()
    if found is None:
        return await _add_agent(conn, company_id, role, email, fallback)
    changes: dict[str, Any] = {"role": role}
    if role == "owner":
        changes["name"] = func.coalesce(a.c.name, fallback)
    await conn.execute(a.update().where(a.c.id == found).values(**changes))
    return str(found)


async def _add_agent(
    conn: AsyncConnection, company_id: str, role: str, email: str | None, name: str | None
) -> str:
    agent_id = new_id()
    await conn.execute(
        insert(repo.agents).values(
            id=agent_id, company_id=company_id, email=email, name=name, role=role
        )
    )
    return agent_id


async def demo_widget_key(db: Database) -> str | None:
    async with db.read() as conn:
        stmt = select(repo.companies.c.widget_key).where(repo.companies.c.slug == DEMO_SLUG)
        return (await conn.execute(stmt)).scalar()


async def demo_company(db: Database, settings: Settings) -> DemoCompany:
    """The demo company, created once; its owner (demo@example.com, named) gets a fresh token
    and a fresh password each time, to sign in with at /login."""
    async with db.read() as conn:
        row = (
            await conn.execute(select(repo.companies).where(repo.companies.c.slug == DEMO_SLUG))
        ).first()
    if row is None:
        created = await create_company(
            db,
            settings,
            "Acme Demo Co.",
            website="https://example.com",
            description="A sample company that sells solar panels, for trying LeadOp Hub.",
            slug=DEMO_SLUG,
            owner_email=DEMO_OWNER_EMAIL,
        )
        await _seed_demo_knowledge(db, created.company_id)
        # A seeded company, not a new owner's: its inbox opens on the conversations (the
        # walkthrough stays one click away, behind "Get started").
        await set_dismissed(db, created.company_id, True)
        company_id, widget_key = created.company_id, created.widget_key
    else:
        company_id, widget_key = row.id, row.widget_key
    password = secrets.token_urlsafe(12)
    await _demo_owner_account(db, company_id, password)
    token = await agent_token(db, settings, company_id, role="owner", email=DEMO_OWNER_EMAIL)
    return DemoCompany(company_id, widget_key, token, DEMO_OWNER_EMAIL, password)


async def _demo_owner_account(db: Database, company_id: str, password: str) -> None:
    """The demo owner: named, verified, this password (the company's first, nameless owner
    becomes it, or it is added)."""
    hashed = await hash_password(password)
    agents = repo.agents
    mine = agents.c.company_id == company_id
    account = {"name": DEMO_OWNER_NAME, "password_hash": hashed, "email_verified_at": utcnow()}
    async with db.write() as conn:
        found = select(agents.c.id).where(mine, agents.c.email == DEMO_OWNER_EMAIL)
        if (await conn.execute(found)).first() is None:
            nameless = select(agents.c.id).where(
                mine, agents.c.email.is_(None), agents.c.role == "owner"
            )
            first = (await conn.execute(nameless.limit(1))).scalar()
            if first is None:
                await conn.execute(
                    insert(agents).values(
                        id=new_id(), company_id=company_id, email=DEMO_OWNER_EMAIL, role="owner"
                    )
                )
            else:
                stmt = agents.update().where(agents.c.id == first)
                await conn.execute(stmt.values(email=DEMO_OWNER_EMAIL))
        stmt = agents.update().where(mine, agents.c.email == DEMO_OWNER_EMAIL)
        await conn.execute(stmt.values(role="owner", revoked=False, **account))


# What a visitor of a solar installer asks first. Facts are stored as the company typed them
# (fragments, no full stop): the offline responder says them as sentences.
DEMO_FACTS = [
    "Open Monday to Friday, 9:00 to 17:00",
    "Installs across the whole county",
    "Contact us by phone on 555-0100 or by email at hello@example.com",
    "Our office and showroom are at 12 Main Street, Springfield",
]
DEMO_PAIRS = [
    ("How much does a solar installation cost?", "A typical home system costs $8,000 to $15,000."),
    ("How long does an installation take?", "Most installs take one or two days on site."),
    ("Do you offer financing?", "Yes: 0% financing over 5 years for approved customers."),
    (
        "What warranty do you give?",
        "Panels carry a 25-year performance warranty, and our workmanship is guaranteed "
        "for 10 years.",
    ),
    (
        "Do you install home batteries?",
        "Yes: we fit home batteries, with new panels or added to an existing system.",
    ),
    (
        "How do I get a quote?",
        "Book a free site survey here in the chat; a written quote follows within two "
        "working days.",
    ),
]


async def _seed_demo_knowledge(db: Database, company_id: str) -> None:
    """Facts and Q&A pairs, so the offline responder has something to answer from."""
    async with db.write() as conn:
        stmt = repo.companies.update().where(repo.companies.c.id == company_id)
        await conn.execute(stmt.values(facts=DEMO_FACTS))
        rows = [
            {"id": new_id(), "company_id": company_id, "question": q, "answer": a}
            for q, a in DEMO_PAIRS
        ]
        await conn.execute(repo.qa_pairs.insert(), rows)
