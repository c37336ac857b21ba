"""Every route of the hub, in one table: HTTP and the two sockets (docs/protocol.md)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket

from hub.api import (
    accounts,
    agents,
    analytics,
    api_keys,
    attachments,
    business_hours,
    conversations,
    data_rights,
    health,
    inbox,
    integrations,
    knowledge,
    labels,
    onboarding,
    openapi,
    outgoing_webhooks,
    pages,
    profiles,
    saved_views,
    search,
    teams,
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
    # the API's own description (issue 21), built from these routes (hub.api.openapi)
    Route("/api/openapi.json", openapi.openapi_json, methods=GET),
    Route("/api/docs", openapi.docs_page, methods=GET),
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
    # issue 21: teams (round robin within one) and each agent's saved views
    Route("/api/conversations/{conversation_id}/team", teams.set_team, methods=PUT),
    Route("/api/teams", teams.list_teams, methods=GET),
    Route("/api/teams", teams.create_team, methods=POST),
    Route("/api/teams/{team_id}/members", teams.add_member, methods=POST),
    Route("/api/teams/{team_id}/members/{agent_id}", teams.remove_member, methods=DELETE),
    Route("/api/teams/{team_id}", teams.update_team, methods=PATCH),
    Route("/api/teams/{team_id}", teams.delete_team, methods=DELETE),
    Route("/api/views", saved_views.list_views, methods=GET),
    Route("/api/views", saved_views.create_view, methods=POST),
    Route("/api/views/{view_id}", saved_views.update_view, methods=PATCH),
    Route("/api/views/{view_id}", saved_views.delete_view, methods=DELETE),
    # labels and priority (issue 21, hub.api.labels)
    Route("/api/labels", labels.list_labels, methods=GET),
    Route("/api/labels", labels.create_label, methods=POST),
    Route("/api/labels/{label_id}", labels.update_label, methods=PATCH),
    Route("/api/labels/{label_id}", labels.delete_label, methods=DELETE),
    Route("/api/conversations/{conversation_id}/labels", labels.label_conversation, methods=PUT),
    Route("/api/conversations/{conversation_id}/priority", labels.set_priority, methods=PUT),
    Route("/api/contacts/{contact_id}/labels", labels.label_contact, methods=PUT),
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
    # availability (issue 19): business hours; the widget's online / away follows them
    Route("/api/business-hours", business_hours.business_hours, methods=["GET", "PUT"]),
    # agents (`/api/agents/me` before `/api/agents/{agent_id}`)
    Route("/api/agents/me", verify.me, methods=GET),
    Route("/api/agents/me", verify.rename_me, methods=PATCH),
    Route("/api/agents/me/presence", inbox.set_presence, methods=PUT),
    Route("/api/agents/me/phone", verify.start_phone, methods=POST),
    Route("/api/agents/me/phone/check", verify.check_phone, methods=POST),
    Route("/api/agents", agents.list_agents, methods=GET),
    Route("/api/agents", agents.invite_agent, methods=POST),
    Route("/api/agents/{agent_id}", agents.revoke_agent, methods=DELETE),
    # API keys (issue 19): an owner's named keys for scripts, shown once (hub.api.api_keys)
    Route("/api/api-keys", api_keys.list_api_keys, methods=GET),
    Route("/api/api-keys", api_keys.create_api_key, methods=POST),
    Route("/api/api-keys/{key_id}", api_keys.revoke_api_key, methods=DELETE),
    # profiles: an agent's own avatar, and every avatar served publicly (hub.api.profiles)
    Route("/api/agents/me/avatar", profiles.put_avatar, methods=PUT),
    Route("/api/agents/me/avatar", profiles.delete_avatar, methods=DELETE),
    Route("/avatars/{agent_id}", profiles.get_avatar, methods=GET),
    # accounts & teammates (issue 19): sign-up, sign-in, sessions, invitations, roles
    Route("/api/account/signup", accounts.sign_up, methods=POST),
    Route("/api/account/verify", accounts.verify, methods=POST),
    Route("/api/account/signin", accounts.sign_in, methods=POST),
    Route("/api/account/forgot", accounts.forgot, methods=POST),
    Route("/api/account/reset", accounts.reset, methods=POST),
    Route("/api/account/invitation", accounts.invitation, methods=POST),
    Route("/api/account/accept", accounts.accept, methods=POST),
    Route("/api/session", accounts.current_session, methods=GET),
    Route("/api/session", accounts.token_session, methods=POST),
    Route("/api/session", accounts.sign_out, methods=DELETE),
    Route("/api/session/socket-token", accounts.socket_token, methods=GET),
    Route("/api/sessions", accounts.list_sessions, methods=GET),
    Route("/api/sessions/others", accounts.revoke_other_sessions, methods=DELETE),
    Route("/api/sessions/{session_id}", accounts.revoke_session, methods=DELETE),
    Route("/api/agents/{agent_id}/role", agents.set_role, methods=PUT),
    Route("/api/agents/{agent_id}/deactivate", agents.deactivate_agent, methods=POST),
    Route("/api/agents/{agent_id}/reactivate", agents.reactivate_agent, methods=POST),
    Route("/api/agents/{agent_id}/transfer-ownership", agents.transfer_ownership, methods=POST),
    Route("/api/invitations", agents.list_invitations, methods=GET),
    Route("/api/invitations", agents.create_invitation, methods=POST),
    Route("/api/invitations/{invitation_id}/resend", agents.resend_invitation, methods=POST),
    Route("/api/invitations/{invitation_id}", agents.cancel_invitation, methods=DELETE),
    *(Route(path, pages.account, methods=GET) for path in pages.ACCOUNT_PAGES),
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
    # outgoing webhooks (issue 21): an owner's endpoints, their deliveries (hub.webhooks)
    Route("/api/webhooks", outgoing_webhooks.list_endpoints, methods=GET),
    Route("/api/webhooks", outgoing_webhooks.create_endpoint, methods=POST),
    Route("/api/webhooks/{endpoint_id}", outgoing_webhooks.get_endpoint, methods=GET),
    Route("/api/webhooks/{endpoint_id}", outgoing_webhooks.update_endpoint, methods=PATCH),
    Route("/api/webhooks/{endpoint_id}", outgoing_webhooks.delete_endpoint, methods=DELETE),
    Route(
        "/api/webhooks/{endpoint_id}/rotate-secret", outgoing_webhooks.rotate_secret, methods=POST
    ),
    Route("/api/webhooks/{endpoint_id}/deliveries", outgoing_webhooks.list_deliveries, methods=GET),
    Route(
        "/api/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver",
        outgoing_webhooks.redeliver,
        methods=POST,
    ),
    Route("/api/webhooks/{endpoint_id}/test", outgoing_webhooks.send_test, methods=POST),
    # provider webhooks
    Route("/webhooks/twilio/sms", webhooks.twilio_sms, methods=POST),
    Route("/webhooks/twilio/status", webhooks.twilio_status, methods=POST),
    Route("/webhooks/kapso", webhooks.kapso_webhook, methods=POST),
    # onboarding: the owners' walkthrough's checklist, and the widget's preview page
    Route("/api/onboarding", onboarding.get_onboarding, methods=GET),
    Route("/api/onboarding", onboarding.put_onboarding, methods=PUT),
    Route("/preview", onboarding.preview, methods=GET),
    # pages
    Route("/widget.js", pages.asset, methods=GET, name="widget"),
    Route("/static/{name}", pages.asset, methods=GET),
    Route("/inbox", pages.inbox, methods=GET),
    Route("/demo", pages.demo, methods=GET),
    *(WebSocketRoute(path, endpoint) for path, endpoint in SOCKETS.items()),
]
