"""Companies and their agents: creation (CLI, demo) and token issuing."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import insert, select

from hub.identity.tokens import AgentIdentity, issue_token
from hub.persistence import repository as repo
from hub.persistence.db import Database
from hub.persistence.models import new_id
from hub.settings import Settings

DEMO_SLUG = "demo"
DEMO_EMAIL = "demo@example.com"  # the demo company's owner


@dataclass(frozen=True)
class CreatedCompany:
    company_id: str
    widget_key: str
    agent_token: str


async def create_company(
    db: Database,
    settings: Settings,
    name: str,
    website: str | None = None,
    description: str | None = None,
    slug: str | None = None,
    owner_email: str | None = None,
) -> CreatedCompany:
    """A company, its public widget key, and an owner (`owner_email`) with a token."""
    company_id = new_id()
    widget_key = "wk_" + secrets.token_urlsafe(18)
    async with db.write() as conn:
        await conn.execute(
            insert(repo.companies).values(
                id=company_id,
                name=name,
                website=website,
                description=description,
                widget_key=widget_key,
                allowed_origins=[],
                facts=[],
                slug=slug,
            )
        )
    token = await agent_token(db, settings, company_id, role="owner", email=owner_email)
    return CreatedCompany(company_id, widget_key, token)


async def agent_token(
    db: Database, settings: Settings, company_id: str, role: str, email: str | None
) -> str:
    """A token for the agent with `email` in the company (created if new)."""
    async with db.write() as conn:
        if await repo.company_by_id(conn, company_id) is None:
            raise LookupError(f"no company {company_id}")
        agent_id = None
        if email is not None:
            agent_id = (
                await conn.execute(
                    select(repo.agents.c.id).where(
                        repo.agents.c.company_id == company_id, repo.agents.c.email == email
                    )
                )
            ).scalar()
        if agent_id is None:
            agent_id = new_id()
            await conn.execute(
                insert(repo.agents).values(
                    id=agent_id, company_id=company_id, email=email, role=role
                )
            )
        else:
            await conn.execute(
                repo.agents.update().where(repo.agents.c.id == agent_id).values(role=role)
            )
    identity = AgentIdentity(agent_id, company_id, role)
    return issue_token(settings.secret_key, identity, settings.token_ttl_days)


async def demo_widget_key(db: Database) -> str | None:
    async with db.read() as conn:
        stmt = select(repo.companies.c.widget_key).where(repo.companies.c.slug == DEMO_SLUG)
        return (await conn.execute(stmt)).scalar()


async def demo_company(db: Database, settings: Settings) -> CreatedCompany:
    """The demo company, created once; a fresh owner token each time."""
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
            owner_email=DEMO_EMAIL,
        )
        await _seed_demo_knowledge(db, created.company_id)
        return created
    token = await agent_token(db, settings, row.id, role="owner", email=DEMO_EMAIL)
    return CreatedCompany(row.id, row.widget_key, token)


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
