"""The conversation events of outgoing webhooks (hub.webhooks), recorded from this package.

`after_append` is the message write path's one call: the group commit owns that
transaction, so the events are recorded just after it, in a transaction shared with the other
messages' events of the moment, and not at all (no query, no insert) while the company's
cached subscriptions hold none of them.
`conversation_changed` records inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from hub.persistence import repository as repo
from hub.webhooks import catalog
from hub.webhooks.payloads import contact_data, conversation_data
from hub.webhooks.record import Recorder

NEW_CONTACT = dt.timedelta(seconds=2)  # a contact stored with its conversation, in one commit


def _types(message: dict[str, Any], reopened: bool, changes: Mapping[str, Any]) -> list[str]:
    """The conversation events a stored message brings with it, in the order they happened."""
    types = []
    if message["seq"] == 1:  # a conversation's first message is stored with it
        types.append(catalog.CONVERSATION_CREATED)
    if reopened or "status" in changes:
        types.append(catalog.CONVERSATION_STATUS_CHANGED)
    if changes.get("assignee_id") is not None:
        types.append(catalog.CONVERSATION_ASSIGNED)
    return types


async def after_append(
    recorder: Recorder,
    company_id: str,
    message: dict[str, Any],
    *,
    reopened: bool,
    changes: Mapping[str, Any],
) -> None:
    """`message.created` of a stored message, and the conversation events it made."""
    conversation_id = message["conversation_id"]
    types = _types(message, reopened, changes)
    new_contact = message["seq"] == 1 and message["channel"] == "widget"
    wanted = [*types, catalog.MESSAGE_CREATED]
    if new_contact:
        wanted.append(catalog.CONTACT_CREATED)
    if not await recorder.any_subscribed(company_id, wanted):
        return

    async def write(conn: AsyncConnection) -> None:
        if new_contact:
            await _contact_created(recorder, conn, company_id, conversation_id)
        await conversation_changed(recorder, conn, company_id, conversation_id, *types)
        data = {"message": message}
        await recorder.record(
            conn, company_id, catalog.MESSAGE_CREATED, data, conversation_id=conversation_id
        )

    await recorder.in_batch(write)  # one transaction with the other messages' events


async def conversation_changed(
    recorder: Recorder,
    conn: AsyncConnection,
    company_id: str,
    conversation_id: str,
    *types: str,
) -> None:
    """Record each of `types` with the conversation as it now is (read once, and only when
    someone subscribes to one of them)."""
    subscribed = [t for t in types if await recorder.subscribed(conn, company_id, t)]
    if not subscribed:
        return
    row = await repo.conversation(conn, company_id, conversation_id)
    if row is None:
        return
    data = {"conversation": conversation_data(row)}
    for type_ in subscribed:
        await recorder.record(conn, company_id, type_, data, conversation_id=conversation_id)


async def _contact_created(
    recorder: Recorder, conn: AsyncConnection, company_id: str, conversation_id: str
) -> None:
    """A widget conversation's first message: its visitor's contact is new with it."""
    if not await recorder.subscribed(conn, company_id, catalog.CONTACT_CREATED):
        return
    conv = await repo.conversation(conn, company_id, conversation_id)
    if conv is None:
        return
    contact = await repo.contact(conn, company_id, conv.contact_id)
    # An identified visitor's contact may be older than this conversation: not new then.
    if contact is not None and abs(conv.created_at - contact.created_at) < NEW_CONTACT:
        data = {"contact": contact_data(contact)}
        await recorder.record(
            conn, company_id, catalog.CONTACT_CREATED, data, contact_id=contact.id
        )
