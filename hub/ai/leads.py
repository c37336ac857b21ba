"""What the assistant's tools record: a contact's lead details and appointment requests.

The only writer of `appointments` and of `contacts.lead`; `appointments` also lists them for
`GET /api/appointments`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.channels.phones import BadPhone, e164
from hub.conversations.views import iso
from hub.persistence import repository as repo
from hub.persistence.db import Database
from hub.persistence.models import new_id
from hub.webhooks.catalog import APPOINTMENT_REQUESTED, LEAD_CAPTURED
from hub.webhooks.payloads import contact_data
from hub.webhooks.record import recorder

LEAD_FIELDS = ("need", "budget", "timeline")
APPOINTMENT_FIELDS = ("id", "contact_id", "conversation_id", "requested_slot", "name", "email")


async def record_lead(
    db: Database,
    company_id: str,
    contact_id: str,
    args: dict[str, str],
    *,
    conversation_id: str | None = None,
) -> None:
    """Merge the tool's lead details into the contact; fill its name, email and phone.
    Webhooks: `lead.captured`, with the contact as it now is."""
    async with db.write() as conn:
        contact = await repo.contact(conn, company_id, contact_id)
        assert contact is not None
        lead = {**(contact.lead or {})}
        lead.update({k: args[k] for k in LEAD_FIELDS if k in args})
        values: dict[str, Any] = {"lead": lead}
        for key in ("name", "email"):
            if key in args:
                values[key] = args[key]
        phone = _phone(args.get("phone"))
        if phone and not contact.phone and not await _phone_taken(conn, company_id, phone):
            values["phone"] = phone
        table = repo.contacts
        await conn.execute(update(table).where(table.c.id == contact.id).values(**values))
        updated = await repo.contact(conn, company_id, contact_id)
        data = {"conversation_id": conversation_id, "contact": contact_data(updated), "lead": lead}
        await recorder(db).record(
            conn,
            company_id,
            LEAD_CAPTURED,
            data,
            conversation_id=conversation_id,
            contact_id=contact_id,
        )


async def request_appointment(
    db: Database, company_id: str, contact_id: str, conversation_id: str, args: dict[str, str]
) -> None:
    """Store an appointment request (`requested_slot`, and name, email, phone, notes).
    Webhooks: `appointment.requested`."""
    fields = {k: args.get(k) for k in ("name", "email", "phone", "notes")}
    row = {
        "id": new_id(),
        "company_id": company_id,
        "contact_id": contact_id,
        "conversation_id": conversation_id,
        "requested_slot": args["requested_slot"][:200],
        **fields,
    }
    async with db.write() as conn:
        await conn.execute(repo.appointments.insert().values(**row))
        data = {"appointment": {k: v for k, v in row.items() if k != "company_id"}}
        await recorder(db).record(
            conn,
            company_id,
            APPOINTMENT_REQUESTED,
            data,
            conversation_id=conversation_id,
            contact_id=contact_id,
        )


async def appointments(db: Database, company_id: str) -> list[dict[str, Any]]:
    """The company's appointment requests, newest first."""
    table = repo.appointments
    stmt = select(table).where(table.c.company_id == company_id).order_by(table.c.created_at.desc())
    async with db.read() as conn:
        rows = (await conn.execute(stmt)).all()
    return [
        {
            **{f: getattr(r, f) for f in APPOINTMENT_FIELDS},
            "phone": r.phone,
            "notes": r.notes,
            "created_at": iso(r.created_at),
        }
        for r in rows
    ]


def _phone(raw: str | None) -> str | None:
    try:
        return e164(raw) if raw else None
    except BadPhone:
        return None


async def _phone_taken(conn: AsyncConnection, company_id: str, phone: str) -> bool:
    """Another contact of the company already has this number (it is unique per company)."""
    table = repo.contacts
    stmt = select(table.c.id).where(table.c.company_id == company_id, table.c.phone == phone)
    return (await conn.execute(stmt)).first() is not None
