"""The events an endpoint can subscribe to (docs/protocol.md, Webhooks), in one place."""

from __future__ import annotations

CONVERSATION_CREATED = "conversation.created"
CONVERSATION_STATUS_CHANGED = "conversation.status_changed"
CONVERSATION_ASSIGNED = "conversation.assigned"
CONVERSATION_RESOLVED = "conversation.resolved"
MESSAGE_CREATED = "message.created"
MESSAGE_STATUS_CHANGED = "message.delivery_status_changed"
CONTACT_CREATED = "contact.created"
CONTACT_UPDATED = "contact.updated"
CONTACT_ERASED = "contact.erased"
LEAD_CAPTURED = "lead.captured"
APPOINTMENT_REQUESTED = "appointment.requested"
RATING_GIVEN = "rating.given"
# Sent by `POST /api/webhooks/{id}/test` to that endpoint only; nobody subscribes to it.
TEST = "webhook.test"

EVENT_TYPES = (
    CONVERSATION_CREATED,
    CONVERSATION_STATUS_CHANGED,
    CONVERSATION_ASSIGNED,
    CONVERSATION_RESOLVED,
    MESSAGE_CREATED,
    MESSAGE_STATUS_CHANGED,
    CONTACT_CREATED,
    CONTACT_UPDATED,
    CONTACT_ERASED,
    LEAD_CAPTURED,
    APPOINTMENT_REQUESTED,
    RATING_GIVEN,
)
