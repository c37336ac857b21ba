"""Every route of the hub, in one table: HTTP and the two sockets (docs/protocol.md)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket

from hub.api import (
    agents,
    analytics,
    attachments,
    conversations,
    data_rights,
    health,
    inbox,
    integrations,
    knowledge,
    pages,
    search,
    verify,
    webhooks,
    widget_settings,
)
from hub.connections.agent import agent_endpoint
from hub.connections.widget import widget_endpoint

GET, POST, PUT, DELETE, PATCH = ["GET"], ["POST"], ["PUT"], ["DELETE"], ["PATCH"]

# Sockets are reached directly by hub.app.HubApp (no middleware on a socket's stack).
SOCKETS: dict[str, Callable[[WebSocket], Awaitable[None]]] = {
    "/ws/widget": widget_endpoint,
    "/ws/agent": agent_endpoint,
}

ROUTES: list[BaseRoute] = [
    Route("/healthz", health.healthz),
    Route("/metrics", health.metrics_page),
    # conversations and messages
    Route("/api/conversations", conversations.list_conversations),
    Route("/api/conversations/counts", conversations.counts, methods=GET),
    Route("/api/conversations/{conversation_id}", conversations.get_conversation, methods=GET),
    Route(
        "/api/conversations/{conversation_id}/messages", conversations.list_messages, methods=GET
    ),
    Route(
        "/api/conversations/{conversation_id}/messages", conversations.post_message, methods=POST
    ),
    # the inbox workflow: status, assignee, private notes, and what the inbox offers
    Route("/api/conversations/{conversation_id}/status", conversations.set_status, methods=POST),
    Route("/api/conversations/{conversation_id}/assignee", conversations.set_assignee, methods=PUT),
    Route("/api/conversations/{conversation_id}/notes", conversations.list_notes, methods=GET),
    Route("/api/conversations/{conversation_id}/notes", conversations.post_note, methods=POST),
    # attachments: uploads by agents and visitors, downloads never run (hub.api.attachments)
    Route(
        "/api/conversations/{conversation_id}/attachments", attachments.agent_upload, methods=POST
    ),
    Route("/api/widget/attachments", attachments.widget_upload, methods=["POST", "OPTIONS"]),
    Route("/api/attachments/{attachment_id}", attachments.download, methods=["GET", "OPTIONS"]),
    Route("/api/canned-responses", inbox.list_canned, methods=GET),
    Route("/api/canned-responses", inbox.create_canned, methods=POST),
    Route("/api/canned-responses/{response_id}", inbox.update_canned, methods=PUT),
    Route("/api/canned-responses/{response_id}", inbox.delete_canned, methods=DELETE),
    Route("/api/presence", inbox.presence, methods=GET),
    Route("/api/inbox-settings", inbox.inbox_settings, methods=["GET", "PUT"]),
    # the company, its knowledge and its AI
    Route("/api/company", knowledge.company, methods=["GET", "PUT"]),
    Route("/api/company", data_rights.erase_company, methods=DELETE),
    Route("/api/qa", knowledge.qa, methods=["GET", "POST"]),
    Route("/api/qa/{pair_id}", knowledge.update_qa, methods=PUT),
    Route("/api/qa/{pair_id}", knowledge.delete_qa, methods=DELETE),
    Route("/api/ai-settings", knowledge.ai_settings, methods=["GET", "PUT"]),
    Route("/api/appointments", knowledge.appointments, methods=GET),
    # the widget: its look, language, pre-chat form, and identity secret
    Route("/api/widget-settings", widget_settings.widget_settings, methods=["GET", "PUT"]),
    Route("/api/widget-settings/secret", widget_settings.new_widget_secret, methods=POST),
    Route("/api/analytics", analytics.get_analytics, methods=GET),
    # agents (`/api/agents/me` before `/api/agents/{agent_id}`)
    Route("/api/agents/me", verify.me, methods=GET),
    Route("/api/agents/me", verify.rename_me, methods=PATCH),
    Route("/api/agents/me/presence", inbox.set_presence, methods=PUT),
    Route("/api/agents/me/phone", verify.start_phone, methods=POST),
    Route("/api/agents/me/phone/check", verify.check_phone, methods=POST),
    Route("/api/agents", agents.list_agents, methods=GET),
    Route("/api/agents", agents.invite_agent, methods=POST),
    Route("/api/agents/{agent_id}", agents.revoke_agent, methods=DELETE),
    # provider accounts
    Route("/api/integrations/{provider}", integrations.get_integration, methods=GET),
    Route("/api/integrations/{provider}", integrations.put_integration, methods=PUT),
    # data rights
    Route("/api/audit", data_rights.audit_log, methods=GET),
    Route("/api/export", data_rights.export_company, methods=GET),
    Route("/api/search", search.search, methods=GET),
    Route("/api/contacts", search.contacts, methods=GET),
    Route("/api/contacts/{contact_id}/export", data_rights.export_contact, methods=GET),
    Route("/api/contacts/{contact_id}", data_rights.correct_contact, methods=PATCH),
    Route("/api/contacts/{contact_id}", data_rights.erase_contact, methods=DELETE),
    # issue 19, the contact page: the contact and their past conversations (edited with the
    # data rights' PATCH above)
    Route("/api/contacts/{contact_id}", search.contact, methods=GET),
    # provider webhooks
    Route("/webhooks/twilio/sms", webhooks.twilio_sms, methods=POST),
    Route("/webhooks/twilio/status", webhooks.twilio_status, methods=POST),
    Route("/webhooks/kapso", webhooks.kapso_webhook, methods=POST),
    # pages
    Route("/widget.js", pages.asset, methods=GET, name="widget"),
    Route("/static/{name}", pages.asset, methods=GET),
    Route("/inbox", pages.inbox, methods=GET),
    Route("/demo", pages.demo, methods=GET),
    *(WebSocketRoute(path, endpoint) for path, endpoint in SOCKETS.items()),
]
