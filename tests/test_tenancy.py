"""The cross-tenant matrix: company A, holding its own tokens, names company B's ids on every
endpoint and in every agent frame, and only ever gets 403 or 404: never B's data, never a
change to it, never one of B's events. On SQLite and PostgreSQL.

The HTTP routes and the agent frame types are enumerated from the app and the protocol
themselves, so an endpoint or frame added later is in the matrix at once, and the test fails
until it is classified here.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
import re
import typing
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from pydantic import BaseModel
from sqlalchemy import insert, select
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from websockets.asyncio.client import connect

from hub.app import create_app
from hub.connections.protocol import AgentFrame, Close
from hub.identity.tokens import AgentIdentity, issue_token
from hub.persistence import repository as repo
from hub.persistence.models import Base, new_id
from hub.settings import Secret
from hub.workspace.companies import CreatedCompany
from tests.channel_support import free_port
from tests.conftest import make_settings
from tests.fakes.kapso import FakeKapso
from tests.fakes.serve import serve
from tests.fakes.twilio import FakeTwilio, FakeVerify
from tests.fakes.webhooks import (
    inbound_sms_params,
    kapso_message_received,
    kapso_status_event,
    post_kapso,
    post_twilio,
    status_callback_params,
)
from tests.support.clients import Agent, Client, Widget
from tests.support.server import HubServer, start_hub

RECEIVED = "whatsapp.message.received"
VERIFY_SID, VERIFY_TOKEN, VERIFY_SERVICE = "AC" + "7" * 32, "verify-token-0001", "VA" + "8" * 32

# -- what every route is ----------------------------------------------------------------------

PUBLIC = "public"  # not company-scoped by design (tested below where it has a wall)
OWN = "own"  # the caller's own company; no id of any object in the path
FOREIGN = "foreign"  # names an object by id: another company's is always 403 or 404
ERASE = "erase"  # DELETE /api/company: the caller's own company, destructive (its own test)

ROUTES: dict[tuple[str, str], str] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,  # counts only, never a company's data; HUB_METRICS_TOKEN guards it
    ("GET", "/api/openapi.json"): PUBLIC,  # the API's description, the same for everyone
    ("GET", "/api/docs"): PUBLIC,  # the page that renders it
    ("GET", "/widget.js"): PUBLIC,
    ("GET", "/static/{name}"): PUBLIC,
    ("GET", "/inbox"): PUBLIC,
    ("GET", "/demo"): PUBLIC,
    ("GET", "/preview"): PUBLIC,  # the widget key is public: test_onboarding
    ("POST", "/webhooks/twilio/sms"): PUBLIC,  # provider-signed: test_webhooks_...
    ("POST", "/webhooks/twilio/status"): PUBLIC,
    ("POST", "/webhooks/kapso"): PUBLIC,
    ("WS", "/ws/widget"): PUBLIC,  # widget key and session secret: test_widget_...
    ("WS", "/ws/agent"): PUBLIC,  # token in the first frame: test_agent_frames_...
    # The widget key and the visitor's session, checked in tests/test_attachments.py.
    ("POST", "/api/widget/attachments"): PUBLIC,
    ("OPTIONS", "/api/widget/attachments"): PUBLIC,  # CORS preflights: no data
    ("OPTIONS", "/api/attachments/{attachment_id}"): PUBLIC,
    # An avatar is public by design, like the name shown beside it (tests/test_profiles.py).
    ("GET", "/avatars/{agent_id}"): PUBLIC,
    # Accounts: signed out by design (no company yet, or a link's secret names it);
    # tests/test_accounts.py and test_teammates.py test them.
    ("POST", "/api/account/signup"): PUBLIC,
    ("POST", "/api/account/verify"): PUBLIC,
    ("POST", "/api/account/signin"): PUBLIC,
    ("POST", "/api/account/forgot"): PUBLIC,
    ("POST", "/api/account/reset"): PUBLIC,
    ("POST", "/api/account/invitation"): PUBLIC,
    ("POST", "/api/account/accept"): PUBLIC,
    **{("GET", page): PUBLIC for page in ("/", "/signup", "/login", "/forgot", "/reset")},
    **{("GET", page): PUBLIC for page in ("/verify", "/invite")},
    ("GET", "/api/conversations"): OWN,
    ("GET", "/api/company"): OWN,
    ("PUT", "/api/company"): OWN,
    ("DELETE", "/api/company"): ERASE,
    ("GET", "/api/qa"): OWN,
    ("POST", "/api/qa"): OWN,
    ("GET", "/api/ai-settings"): OWN,
    ("PUT", "/api/ai-settings"): OWN,
    ("GET", "/api/appointments"): OWN,
    ("GET", "/api/widget-settings"): OWN,
    ("PUT", "/api/widget-settings"): OWN,
    ("POST", "/api/widget-settings/secret"): OWN,
    ("GET", "/api/analytics"): OWN,
    ("GET", "/api/agents"): OWN,
    ("POST", "/api/agents"): OWN,
    ("GET", "/api/audit"): OWN,
    ("GET", "/api/export"): OWN,
    ("GET", "/api/integrations/{provider}"): OWN,
    ("PUT", "/api/integrations/{provider}"): OWN,
    ("GET", "/api/conversations/counts"): OWN,
    ("GET", "/api/canned-responses"): OWN,
    ("POST", "/api/canned-responses"): OWN,
    ("GET", "/api/presence"): OWN,
    ("PUT", "/api/agents/me/presence"): OWN,
    ("GET", "/api/inbox-settings"): OWN,
    ("GET", "/api/contacts"): OWN,
    ("GET", "/api/search"): OWN,  # needs ?q= (400 without it): walled in tests/test_search.py
    ("PUT", "/api/inbox-settings"): OWN,
    ("GET", "/api/onboarding"): OWN,
    ("PUT", "/api/onboarding"): OWN,
    ("GET", "/api/business-hours"): OWN,
    ("PUT", "/api/business-hours"): OWN,
    ("GET", "/api/conversations/{conversation_id}"): FOREIGN,
    ("GET", "/api/conversations/{conversation_id}/messages"): FOREIGN,
    ("POST", "/api/conversations/{conversation_id}/messages"): FOREIGN,
    ("POST", "/api/conversations/{conversation_id}/status"): FOREIGN,
    ("PUT", "/api/conversations/{conversation_id}/assignee"): FOREIGN,
    ("GET", "/api/conversations/{conversation_id}/notes"): FOREIGN,
    ("POST", "/api/conversations/{conversation_id}/notes"): FOREIGN,
    ("PUT", "/api/canned-responses/{response_id}"): FOREIGN,
    ("DELETE", "/api/canned-responses/{response_id}"): FOREIGN,
    ("GET", "/api/contacts/{contact_id}/export"): FOREIGN,
    ("GET", "/api/contacts/{contact_id}"): FOREIGN,
    ("PATCH", "/api/contacts/{contact_id}"): FOREIGN,
    ("DELETE", "/api/contacts/{contact_id}"): FOREIGN,
    ("PUT", "/api/qa/{pair_id}"): FOREIGN,
    ("DELETE", "/api/qa/{pair_id}"): FOREIGN,
    ("POST", "/api/conversations/{conversation_id}/attachments"): FOREIGN,
    ("GET", "/api/attachments/{attachment_id}"): FOREIGN,
    ("DELETE", "/api/agents/{agent_id}"): FOREIGN,
    ("GET", "/api/api-keys"): OWN,
    ("POST", "/api/api-keys"): OWN,
    ("DELETE", "/api/api-keys/{key_id}"): FOREIGN,
    # Accounts and teammates: the caller's own sessions and invitations, or another's by id.
    ("POST", "/api/session"): OWN,
    # The cookie's own browser session only, never a bearer's: tests/test_accounts.py.
    ("GET", "/api/session"): PUBLIC,
    ("DELETE", "/api/session"): PUBLIC,
    ("GET", "/api/session/socket-token"): PUBLIC,
    ("GET", "/api/sessions"): OWN,
    ("DELETE", "/api/sessions/others"): OWN,
    ("DELETE", "/api/sessions/{session_id}"): FOREIGN,
    ("GET", "/api/invitations"): OWN,
    ("POST", "/api/invitations"): OWN,
    ("POST", "/api/invitations/{invitation_id}/resend"): FOREIGN,
    ("DELETE", "/api/invitations/{invitation_id}"): FOREIGN,
    ("PUT", "/api/agents/{agent_id}/role"): FOREIGN,
    ("POST", "/api/agents/{agent_id}/deactivate"): FOREIGN,
    ("POST", "/api/agents/{agent_id}/reactivate"): FOREIGN,
    ("POST", "/api/agents/{agent_id}/transfer-ownership"): FOREIGN,
    # The token's own agent, and the phone it proves through the platform's Twilio Verify.
    ("GET", "/api/agents/me"): OWN,
    ("PATCH", "/api/agents/me"): OWN,
    ("POST", "/api/agents/me/phone"): OWN,
    ("POST", "/api/agents/me/phone/check"): OWN,
    ("PUT", "/api/agents/me/avatar"): OWN,  # the body is the image (tests/test_profiles.py)
    ("DELETE", "/api/agents/me/avatar"): OWN,
    # Teams (owners manage them) and each agent's own saved views (issue 21); another agent's
    # view in the same company is 404 too: tests/test_teams.py.
    ("GET", "/api/teams"): OWN,
    ("POST", "/api/teams"): OWN,
    ("PATCH", "/api/teams/{team_id}"): FOREIGN,
    ("DELETE", "/api/teams/{team_id}"): FOREIGN,
    ("POST", "/api/teams/{team_id}/members"): FOREIGN,
    ("DELETE", "/api/teams/{team_id}/members/{agent_id}"): FOREIGN,
    ("PUT", "/api/conversations/{conversation_id}/team"): FOREIGN,
    ("GET", "/api/views"): OWN,
    ("POST", "/api/views"): OWN,
    ("PATCH", "/api/views/{view_id}"): FOREIGN,
    ("DELETE", "/api/views/{view_id}"): FOREIGN,
    # Outgoing webhooks (issue 21): the company's endpoints, or one of them (and its
    # deliveries) by id.
    ("GET", "/api/webhooks"): OWN,
    ("POST", "/api/webhooks"): OWN,
    ("GET", "/api/webhooks/{endpoint_id}"): FOREIGN,
    ("PATCH", "/api/webhooks/{endpoint_id}"): FOREIGN,
    ("DELETE", "/api/webhooks/{endpoint_id}"): FOREIGN,
    ("POST", "/api/webhooks/{endpoint_id}/rotate-secret"): FOREIGN,
    ("GET", "/api/webhooks/{endpoint_id}/deliveries"): FOREIGN,
    ("POST", "/api/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver"): FOREIGN,
    ("POST", "/api/webhooks/{endpoint_id}/test"): FOREIGN,
    # Labels and priority (issue 21): a foreign label id in a body is tests/test_labels.py's.
    ("GET", "/api/labels"): OWN,
    ("POST", "/api/labels"): OWN,
    ("PATCH", "/api/labels/{label_id}"): FOREIGN,
    ("DELETE", "/api/labels/{label_id}"): FOREIGN,
    ("PUT", "/api/conversations/{conversation_id}/labels"): FOREIGN,
    ("PUT", "/api/conversations/{conversation_id}/priority"): FOREIGN,
    ("PUT", "/api/contacts/{contact_id}/labels"): FOREIGN,
}
# Path parameters of OWN routes that name no object (the same values for every company).
OWN_PARAMS: dict[str, tuple[str, ...]] = {"provider": ("twilio", "kapso")}
# Path parameters (and agent frame fields) that name an object: see Tenant.ids.
ID_PARAMS = frozenset(
    {
        "conversation_id",
        "contact_id",
        "pair_id",
        "agent_id",
        "message_id",
        "appointment_id",
        "response_id",
        "attachment_id",
        "key_id",
        "session_id",
        "invitation_id",
        "team_id",
        "view_id",
        "endpoint_id",
        "delivery_id",
        "label_id",
    }
)
# Agent frame types that name nothing of a company's (every other one names an id).
FRAMES_WITHOUT_IDS = frozenset({"auth", "ping", "presence.set"})
Sample = Callable[["Tenant", "Tenant", dict[str, Any]], list[Any]]  # (caller, target, frame)
SAMPLES: dict[str, Sample] = {
    # A fresh client_id, and the target's own in that conversation (an idempotent repeat).
    "client_id": lambda _c, target, frame: [
        new_id(),
        target.client_ids.get(frame.get("conversation_id", ""), new_id()),
    ],
    "text": lambda caller, _t, _f: [f"{caller.tag} hijack"],
    "active": lambda _c, _t, _f: [True],
    "status": lambda _c, _t, _f: ["resolved"],
    "snoozed_until": lambda _c, _t, _f: [None],
    "attachments": lambda _c, target, _f: [target.attachment_ids],  # the target's own files
}
Body = Callable[["Tenant", "Tenant", dict[str, str]], Any]  # (caller, target, path params)
BODIES: dict[tuple[str, str], Body] = {
    # The target's own client_id: an idempotent repeat must not hand back its message.
    ("POST", "/api/conversations/{conversation_id}/messages"): lambda caller, target, p: {
        "text": f"{caller.tag} hijack",
        "client_id": target.client_ids.get(p["conversation_id"], "fresh"),
    },
    ("PATCH", "/api/contacts/{contact_id}"): lambda caller, _t, _p: {"name": f"{caller.tag} x"},
    # An upload's body is the file: this JSON string is plain text.
    ("POST", "/api/conversations/{conversation_id}/attachments"): lambda caller, _t, _p: (
        f"{caller.tag} attached notes"
    ),
    ("POST", "/api/conversations/{conversation_id}/status"): lambda _c, _t, _p: {
        "status": "resolved"
    },
    # The caller's own agent, on the target's conversation.
    ("PUT", "/api/conversations/{conversation_id}/assignee"): lambda caller, _t, _p: {
        "agent_id": caller.member_id
    },
    ("POST", "/api/conversations/{conversation_id}/notes"): lambda caller, target, p: {
        "text": f"{caller.tag} hijack note",
        "client_id": target.note_client_ids.get(p["conversation_id"], "fresh"),
    },
    ("PUT", "/api/canned-responses/{response_id}"): lambda caller, _t, _p: {
        "shortcut": f"{caller.tag}-hijack",
        "text": f"{caller.tag} hijack",
    },
    ("POST", "/api/canned-responses"): lambda caller, _t, _p: {
        "shortcut": f"{caller.tag}-{new_id()[-8:]}",
        "text": f"{caller.tag} canned",
    },
    ("PUT", "/api/agents/me/presence"): lambda _c, _t, _p: {"status": "online"},
    ("POST", "/api/labels"): lambda caller, _t, _p: {"name": f"{caller.tag}-{new_id()[-8:]}"},
    ("PATCH", "/api/labels/{label_id}"): lambda caller, _t, _p: {"name": f"{caller.tag} hijack"},
    # The caller's own label, on the target's conversation or contact.
    ("PUT", "/api/conversations/{conversation_id}/labels"): lambda caller, _t, _p: {
        "label_ids": caller.label_ids
    },
    ("PUT", "/api/contacts/{contact_id}/labels"): lambda caller, _t, _p: {
        "label_ids": caller.label_ids
    },
    ("PUT", "/api/conversations/{conversation_id}/priority"): lambda _c, _t, _p: {
        "priority": "urgent"
    },
    ("PUT", "/api/inbox-settings"): lambda _c, _t, _p: {"auto_assign": True, "assign_cap": 5},
    ("PUT", "/api/onboarding"): lambda _c, _t, _p: {"dismissed": True},
    ("PUT", "/api/business-hours"): lambda _c, _t, _p: {
        "timezone": "Europe/Madrid",
        "schedule": {"mon": [["09:00", "17:00"]]},
    },
    ("PUT", "/api/company"): lambda caller, _t, _p: caller.spec.profile,
    ("POST", "/api/qa"): lambda caller, _t, _p: {"question": f"{caller.tag} q", "answer": "a!"},
    ("PUT", "/api/qa/{pair_id}"): lambda caller, _t, _p: {
        "question": f"{caller.tag} hijack q",
        "answer": "hijacked",
    },
    ("PUT", "/api/ai-settings"): lambda caller, _t, _p: {
        "enabled": False,
        "instructions": f"{caller.tag}: be brief",
    },
    ("POST", "/api/agents"): lambda caller, _t, _p: {"email": f"{new_id()}@{caller.tag}.example"},
    ("POST", "/api/api-keys"): lambda caller, _t, _p: {"name": f"{caller.tag} script"},
    ("POST", "/api/webhooks"): lambda caller, _t, _p: {
        "url": f"http://127.0.0.1:9/{caller.tag}-hook",
        "events": ["appointment.requested"],
    },
    ("PATCH", "/api/webhooks/{endpoint_id}"): lambda caller, _t, _p: {
        "url": f"http://127.0.0.1:9/{caller.tag}-hijack",
        "state": "active",
    },
    ("POST", "/api/invitations"): lambda caller, _t, _p: {
        "email": f"{new_id()}@{caller.tag}.example",
        "role": "agent",
    },
    ("PUT", "/api/agents/{agent_id}/role"): lambda _c, _t, _p: {"role": "agent"},
    # The target's own team on its conversation (and, by its own, the caller's on its own);
    # a team of another company on one's own conversation: tests/test_teams.py.
    ("PUT", "/api/conversations/{conversation_id}/team"): lambda _c, target, _p: {
        "team_id": target.team_ids[0]
    },
    ("POST", "/api/teams"): lambda caller, _t, _p: {"name": f"{caller.tag}-{new_id()[-8:]}"},
    ("PATCH", "/api/teams/{team_id}"): lambda caller, _t, _p: {"name": f"{caller.tag} renamed"},
    ("POST", "/api/teams/{team_id}/members"): lambda caller, _t, _p: {"agent_id": caller.member_id},
    ("POST", "/api/views"): lambda caller, _t, _p: {"name": f"{caller.tag} view"},
    ("PATCH", "/api/views/{view_id}"): lambda caller, _t, _p: {"name": f"{caller.tag} renamed"},
    ("PUT", "/api/widget-settings"): lambda caller, _t, _p: {"greeting": f"{caller.tag} hi"},
    ("PATCH", "/api/agents/me"): lambda caller, _t, _p: {"name": f"{caller.tag} agent"},
    # Claiming the target's number or phone_number_id (its webhooks would come to the caller).
    ("PUT", "/api/integrations/{provider}"): lambda _c, target, p: target.spec.integration(
        p["provider"]
    ),
    ("POST", "/api/agents/me/phone"): lambda caller, _t, _p: {"phone": caller.spec.own_phone},
    # Verify's codes have six digits: this one is always wrong.
    ("POST", "/api/agents/me/phone/check"): lambda caller, _t, _p: {
        "phone": caller.spec.own_phone,
        "code": "12345678",
    },
}
# Answers on OWN routes, by role, other than a 2xx (and 403 for agents on owners' routes).
STATUSES: dict[tuple[str, str], dict[str, set[int]]] = {
    ("PUT", "/api/integrations/{provider}"): {"owner": {409}, "agent": {403}},
    ("POST", "/api/agents/me/phone/check"): {"owner": {400}, "agent": {400}},
    ("GET", "/api/search"): {"owner": {400}, "agent": {400}},
    ("PUT", "/api/agents/me/avatar"): {"owner": {400}, "agent": {400}},  # no image sent
}


def endpoints(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(method, path) of every endpoint; WebSockets as `WS`; HEAD as the GET it mirrors."""
    for route in routes:
        if isinstance(route, Mount):
            yield from endpoints(list(route.routes), prefix + route.path)
        elif isinstance(route, WebSocketRoute):
            yield "WS", prefix + route.path
        elif isinstance(route, Route):
            for method in sorted((route.methods or set()) - {"HEAD"}):
                yield method, prefix + route.path
        else:
            yield type(route).__name__, prefix + str(getattr(route, "path", "?"))


def path_params(path: str) -> list[str]:
    return re.findall(r"{(\w+)(?::\w+)?}", path)


def fill(path: str, params: dict[str, str]) -> str:
    return re.sub(r"{(\w+)(?::\w+)?}", lambda m: params[m.group(1)], path)


def classified(database_url: str) -> dict[str, list[tuple[str, str]]]:
    """The app's endpoints by kind; fails on one not classified here."""
    app = create_app(make_settings(database_url))
    kinds: dict[str, list[tuple[str, str]]] = {PUBLIC: [], OWN: [], FOREIGN: [], ERASE: []}
    unknown = []
    for endpoint in endpoints(list(app.routes)):
        kind = ROUTES.get(endpoint)
        params = set(path_params(endpoint[1]))
        allowed = ID_PARAMS if kind == FOREIGN else set(OWN_PARAMS) if kind == OWN else params
        if kind is None or not params <= allowed or (kind == FOREIGN and not params):
            unknown.append(endpoint)
        else:
            kinds[kind].append(endpoint)
    assert not unknown, f"classify these endpoints (and their path parameters): {unknown}"
    return kinds


def agent_frames() -> dict[str, type[BaseModel]]:
    """Every agent frame type the hub accepts, by its `type`."""
    union = typing.get_args(AgentFrame)[0]
    models: list[type[BaseModel]] = list(typing.get_args(union))
    return {typing.get_args(m.model_fields["type"].annotation)[0]: m for m in models}


def test_every_route_and_agent_frame_is_classified(sqlite_url: str) -> None:
    kinds = classified(sqlite_url)
    assert len(kinds[FOREIGN]) >= 7 and len(kinds[OWN]) >= 15
    for kind, model in agent_frames().items():
        names = set(model.model_fields) - {"type"}
        if kind in FRAMES_WITHOUT_IDS:
            assert not names & ID_PARAMS, kind
        else:
            assert names & ID_PARAMS, f"agent frame {kind!r} names no id: classify it"
            assert names <= ID_PARAMS | set(SAMPLES), f"teach SAMPLES the fields of {kind!r}"


# -- two companies with everything a company holds ---------------------------------------------


@dataclass(frozen=True)
class Spec:
    """What a company is set up with; its tag is in every text, so any leak of one shows."""

    name: str
    tag: str
    origin: str
    twilio_sid: str
    twilio_token: str
    number: str  # its Twilio number
    kapso_id: str  # its WhatsApp phone_number_id
    kapso_key: str
    kapso_secret: str
    sms_customer: str
    wa_customer: str
    visitor_phone: str  # a widget visitor's, by correction
    member_phone: str  # its invited agent's, verified
    own_phone: str  # what its agents try to verify in the matrix

    @classmethod
    def make(cls, name: str, digit: str) -> Spec:
        tag = name.lower()
        phone = f"+1555123{digit}00"
        return cls(
            name=name,
            tag=tag,
            origin=f"https://{tag}.example",
            twilio_sid="AC" + digit * 32,
            twilio_token=f"{tag}-twilio-token",
            number=f"+1555987000{digit}",
            kapso_id=digit * 15,
            kapso_key=f"{tag}-kapso-key",
            kapso_secret=f"{tag}-kapso-secret",
            sms_customer=phone + "1",
            wa_customer=phone + "2",
            visitor_phone=phone + "3",
            member_phone=phone + "4",
            own_phone=phone + "5",
        )

    @property
    def profile(self) -> dict[str, Any]:
        return {
            "name": f"{self.name} Corp",
            "website": self.origin,
            "description": f"{self.tag} sells widgets",
            "facts": [f"{self.tag} opens at nine"],
            "allowed_origins": [self.origin],
        }

    def integration(self, provider: str) -> dict[str, str]:
        if provider == "twilio":
            return {
                "account_sid": self.twilio_sid,
                "auth_token": self.twilio_token,
                "phone_number": self.number,
            }
        return {
            "api_key": self.kapso_key,
            "phone_number_id": self.kapso_id,
            "webhook_secret": self.kapso_secret,
        }

    def secrets(self) -> set[str]:
        """What the company holds that its database rows do not show in clear."""
        phones = (self.number, self.sms_customer, self.wa_customer, self.visitor_phone)
        return {
            self.twilio_sid,
            self.twilio_token,
            self.kapso_id,
            self.kapso_key,
            self.kapso_secret,
            *(phone.removeprefix("+1") for phone in (*phones, self.member_phone)),
        }


ACME, GLOBEX = Spec.make("Acme", "1"), Spec.make("Globex", "2")


@dataclass
class Tenant:
    spec: Spec
    company: CreatedCompany
    agent: Agent  # the owner's live inbox
    widget: Widget  # a visitor's live widget (the widget conversation)
    owner_id: str
    member_id: str  # an invited agent (role agent)
    member_token: str
    visit_id: str
    session_id: str
    qa_ids: list[str]
    conversations: dict[str, str] = field(default_factory=dict)  # channel -> id
    contacts: dict[str, str] = field(default_factory=dict)  # channel -> id
    client_ids: dict[str, str] = field(default_factory=dict)  # conversation -> agent's client_id
    appointment_id: str = ""
    response_ids: list[str] = field(default_factory=list)  # canned responses
    note_client_ids: dict[str, str] = field(default_factory=dict)  # conversation -> a note's
    message_ids: list[str] = field(default_factory=list)
    provider_ids: dict[str, str] = field(default_factory=dict)  # channel -> a reply's id
    attachment_ids: list[str] = field(default_factory=list)  # a file sent in the widget chat
    key_ids: list[str] = field(default_factory=list)  # an API key
    browser_sessions: list[str] = field(default_factory=list)  # the owner's signed-in browser
    invitation_ids: list[str] = field(default_factory=list)  # a pending invitation
    team_ids: list[str] = field(default_factory=list)  # a team of both agents
    view_ids: list[str] = field(default_factory=list)  # the owner's saved view
    endpoint_ids: list[str] = field(default_factory=list)  # a (paused) webhook endpoint
    delivery_ids: list[str] = field(default_factory=list)  # its test event, waiting
    label_ids: list[str] = field(default_factory=list)  # a label, on the widget conversation

    @property
    def tag(self) -> str:
        return self.spec.tag

    @property
    def company_id(self) -> str:
        return self.company.company_id

    def token(self, role: str) -> str:
        return self.company.agent_token if role == "owner" else self.member_token

    def ids(self, name: str) -> list[str]:
        """The company's objects a path parameter or frame field can name."""
        return {
            "conversation_id": list(self.conversations.values()),
            "contact_id": list(self.contacts.values()),
            "pair_id": self.qa_ids,
            "agent_id": [self.member_id, self.owner_id],  # an owner cannot revoke themselves
            "message_id": self.message_ids,
            "appointment_id": [self.appointment_id],
            "response_id": self.response_ids,
            "attachment_id": self.attachment_ids,
            "key_id": self.key_ids,
            "session_id": self.browser_sessions,
            "invitation_id": self.invitation_ids,
            "team_id": self.team_ids,
            "view_id": self.view_ids,
            "endpoint_id": self.endpoint_ids,
            "delivery_id": self.delivery_ids,
            "label_id": self.label_ids,
        }[name]


ROLES = ("owner", "agent")
ERROR_CODES = {"not_found", "forbidden"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def pong(client: Client) -> int:
    """Everything queued for the client so far has arrived; the count of frames seen."""
    await client.send({"type": "ping"})
    await client.expect("pong")
    return len(client.seen)


async def reply_out(agent: Agent, conversation_id: str, text: str) -> str:
    """An agent's reply on a provider channel, waited for until the provider took it."""
    client_id = new_id()
    await agent.reply(conversation_id, text, client_id)
    queued = await agent.message(text)
    while True:
        updated = (await agent.expect("message.updated"))["message"]
        if updated["id"] == queued["id"] and updated["status"] == "sent":
            return client_id


async def onboard(
    server: HubServer, http: httpx.AsyncClient, verify: FakeVerify, spec: Spec
) -> Tenant:
    """A company with a profile, Q&A, AI settings, an invited agent with a verified phone,
    both integrations, a widget, SMS and WhatsApp conversation each with messages both ways, a
    corrected contact, an appointment and an audit record: through the public API wherever
    there is one."""
    tag = spec.tag
    company = await server.company(spec.name)
    owner = bearer(company.agent_token)

    async def ok(method: str, path: str, body: Any = None, status: int = 200) -> Any:
        response = await http.request(method, path, json=body, headers=owner)
        assert response.status_code == status, response.text
        return response.json() if response.content else None

    agent = await Agent.open(server.ws, company.agent_token)
    await ok("PUT", "/api/company", spec.profile)
    await ok("PUT", "/api/ai-settings", {"enabled": False, "instructions": f"{tag} says hi"})
    qa = [{"question": f"{tag} hours {n}?", "answer": f"{tag} opens at {n}"} for n in (8, 9)]
    qa_ids = [(await ok("POST", "/api/qa", pair, 201))["id"] for pair in qa]
    invite = {"email": f"sam@{tag}.example", "name": f"Sam {tag}"}
    invited = await ok("POST", "/api/agents", invite, 201)
    member = bearer(invited["agent_token"])
    phone = {"phone": spec.member_phone}
    started = await http.post("/api/agents/me/phone", json=phone, headers=member)
    assert started.status_code == 202, started.text
    check = phone | {"code": verify.codes[spec.member_phone]}
    checked = await http.post("/api/agents/me/phone/check", json=check, headers=member)
    assert checked.status_code == 200, checked.text
    for provider in ("twilio", "kapso"):
        await ok("PUT", f"/api/integrations/{provider}", spec.integration(provider))

    visit_id = new_id()
    origin = {"Origin": spec.origin}
    widget = await Widget.open(server.ws, company.widget_key, visit_id=visit_id, headers=origin)
    said = await widget.say(f"{tag} widget hello")
    conversations = {"widget": said["conversation_id"]}
    client_ids = {said["conversation_id"]: new_id()}
    body = {"text": f"{tag} widget reply", "client_id": client_ids[said["conversation_id"]]}
    await ok("POST", f"/api/conversations/{said['conversation_id']}/messages", body, 201)
    await widget.message(body["text"])

    sms_text, wa_text = f"{tag} sms hello", f"{tag} whatsapp hello"
    params = inbound_sms_params(spec.twilio_sid, spec.sms_customer, spec.number, sms_text)
    sms = await post_twilio(http, f"{server.http}/webhooks/twilio/sms", spec.twilio_token, params)
    assert sms.status_code == 200, sms.text
    conversations["sms"] = (await agent.message(sms_text))["conversation_id"]
    wa = kapso_message_received(
        spec.kapso_id, spec.wa_customer[1:], wa_text, contact_name=f"{tag} Ana"
    )
    posted = await post_kapso(
        http, f"{server.http}/webhooks/kapso", spec.kapso_secret, wa, event=RECEIVED
    )
    assert posted.status_code == 200, posted.text
    conversations["whatsapp"] = (await agent.message(wa_text))["conversation_id"]
    for channel in ("sms", "whatsapp"):
        conversation_id = conversations[channel]
        client_ids[conversation_id] = await reply_out(agent, conversation_id, f"{tag} {channel} re")

    inbox = (await ok("GET", "/api/conversations"))["conversations"]
    contacts = {c["channel"]: c["contact"]["id"] for c in inbox}
    person = {"name": f"{tag} Visitor", "email": f"v@{tag}.example", "phone": spec.visitor_phone}
    await ok("PATCH", f"/api/contacts/{contacts['widget']}", person)
    appointment_id = new_id()
    async with server.hub.db.write() as conn:
        await conn.execute(
            insert(repo.appointments).values(
                id=appointment_id,
                company_id=company.company_id,
                contact_id=contacts["widget"],
                conversation_id=conversations["widget"],
                requested_slot=f"{tag} Tuesday 10:00",
                **person,
            )
        )
    # A canned response, and a private note on the widget conversation.
    canned = {"shortcut": f"{tag}-hours", "text": f"{tag} opens at nine, canned"}
    response_ids = [(await ok("POST", "/api/canned-responses", canned, 201))["id"]]
    note_client_ids = {conversations["widget"]: new_id()}
    note = {"text": f"{tag} private note", "client_id": note_client_ids[conversations["widget"]]}
    await ok("POST", f"/api/conversations/{conversations['widget']}/notes", note, 201)
    # A file the owner sends in the widget conversation.
    uploaded = await http.post(
        f"/api/conversations/{conversations['widget']}/attachments",
        params={"name": f"{tag}-price-list.txt"},
        content=f"{tag} price list".encode(),
        headers=owner,
    )
    assert uploaded.status_code == 201, uploaded.text
    attachment_ids = [uploaded.json()["attachment"]["id"]]
    with_file = {"text": f"{tag} the list", "client_id": new_id(), "attachments": attachment_ids}
    await ok("POST", f"/api/conversations/{conversations['widget']}/messages", with_file, 201)
    await widget.message(with_file["text"])

    key_ids = [(await ok("POST", "/api/api-keys", {"name": f"{tag} sync"}, 201))["api_key"]["id"]]
    await ok("POST", "/api/session", None, 201)  # a browser signed in with the owner's token
    http.cookies.clear()  # its cookie is that browser's, not this shared client's
    browser_sessions = [s["id"] for s in (await ok("GET", "/api/sessions"))["sessions"]]
    invite = {"email": f"later@{tag}.example", "role": "agent"}
    invitation_ids = [(await ok("POST", "/api/invitations", invite, 201))["invitation"]["id"]]
    team = {
        "name": f"{tag} sales",
        "member_ids": [agent.welcome["agent_id"], invited["agent"]["id"]],
    }
    team_ids = [(await ok("POST", "/api/teams", team, 201))["team"]["id"]]
    await ok("PUT", f"/api/conversations/{conversations['sms']}/team", {"team_id": team_ids[0]})
    view = {"name": f"{tag} my sales", "filter": {"whose": "mine", "team": team_ids[0]}}
    view_ids = [(await ok("POST", "/api/views", view, 201))["view"]["id"]]
    # A webhook endpoint, paused (its rows stay as they are), with a test event waiting.
    hook = {"url": f"http://127.0.0.1:9/{tag}-hook", "events": ["contact.erased"]}
    endpoint_ids = [(await ok("POST", "/api/webhooks", hook, 201))["webhook"]["id"]]
    await ok("PATCH", f"/api/webhooks/{endpoint_ids[0]}", {"state": "paused"})
    test = await ok("POST", f"/api/webhooks/{endpoint_ids[0]}/test", None, 202)
    delivery_ids = [test["delivery"]["id"]]
    label = {"name": f"{tag}-billing", "colour": "green"}
    label_ids = [(await ok("POST", "/api/labels", label, 201))["id"]]
    labelled = {"label_ids": label_ids}
    await ok("PUT", f"/api/conversations/{conversations['widget']}/labels", labelled)
    await ok("PUT", f"/api/contacts/{contacts['widget']}/labels", labelled)

    # Someone asks to be forgotten: an audit record naming the erased contact.
    leaving = await Widget.open(server.ws, company.widget_key, headers=origin)
    gone = (await leaving.say(f"{tag} forget me"))["conversation_id"]
    await leaving.close()
    inbox = (await ok("GET", "/api/conversations"))["conversations"]
    [erased] = [c["contact"]["id"] for c in inbox if c["id"] == gone]
    await ok("DELETE", f"/api/contacts/{erased}", status=204)

    await pong(agent)
    await pong(widget)
    return Tenant(
        spec,
        company,
        agent,
        widget,
        owner_id=agent.welcome["agent_id"],
        member_id=invited["agent"]["id"],
        member_token=invited["agent_token"],
        visit_id=visit_id,
        session_id=widget.welcome["session_id"],
        qa_ids=qa_ids,
        conversations=conversations,
        contacts=contacts,
        client_ids=client_ids,
        appointment_id=appointment_id,
        response_ids=response_ids,
        note_client_ids=note_client_ids,
        attachment_ids=attachment_ids,
        key_ids=key_ids,
        browser_sessions=browser_sessions,
        invitation_ids=invitation_ids,
        team_ids=team_ids,
        view_ids=view_ids,
        endpoint_ids=endpoint_ids,
        delivery_ids=delivery_ids,
        label_ids=label_ids,
    )


Snapshot = dict[str, list[dict[str, Any]]]
# Columns the hub rewrites by itself while B's sockets stay open (the visit window's and
# the presence's heartbeats, every few seconds): not a change a request of A's made.
HEARTBEATS: dict[str, tuple[str, ...]] = {
    "widget_sessions": ("last_seen_at",),
    "visits": ("last_seen_at",),
    "agent_sockets": ("seen_at",),
}


@dataclass
class World:
    server: HubServer
    http: httpx.AsyncClient
    twilio: FakeTwilio
    kapso: FakeKapso
    a: Tenant  # the caller
    b: Tenant  # the company whose ids the caller tries
    b_strings: frozenset[str] = frozenset()

    async def snapshot(self, tenant: Tenant) -> Snapshot:
        """Every row of the company, in every table of the schema, but for the heartbeats
        the hub writes on its own timers while sockets stay open (HEARTBEATS)."""
        rows: Snapshot = {}
        async with self.server.hub.db.read(system=True) as conn:
            for table in Base.metadata.sorted_tables:
                column = table.c.id if table.name == "companies" else table.c.company_id
                stmt = select(table).where(column == tenant.company_id)
                result = await conn.execute(stmt.order_by(*table.primary_key.columns))
                skip = HEARTBEATS.get(table.name, ())
                rows[table.name] = [
                    {k: v for k, v in row.items() if k not in skip} for row in result.mappings()
                ]
        return rows

    def leaks(self, text: str) -> list[str]:
        """B's distinctive strings that appear in `text`."""
        lowered = text.lower()
        return sorted(s for s in self.b_strings if s in lowered)

    def response_leaks(self, response: httpx.Response) -> list[str]:
        return self.leaks(response.text + repr(sorted(response.headers.items())))


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item)


def stored_strings(snapshot: Snapshot) -> set[str]:
    return {s.lower() for rows in snapshot.values() for row in rows for s in strings(row)}


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    twilio, kapso, verify = FakeTwilio(), FakeKapso(), FakeVerify()
    for spec in (ACME, GLOBEX):
        twilio.add_account(spec.twilio_sid, spec.twilio_token)
        kapso.add_number(spec.kapso_id, spec.kapso_key)
    verify.add_service(VERIFY_SID, VERIFY_TOKEN, VERIFY_SERVICE)  # the platform's own account
    port = free_port()
    async with (
        serve(twilio.app) as twilio_url,
        serve(kapso.app) as kapso_url,
        serve(verify.app) as verify_url,
    ):
        settings = make_settings(
            database_url,
            public_url=f"http://127.0.0.1:{port}",
            twilio_api_url=twilio_url,
            kapso_api_url=kapso_url + "/meta/whatsapp",
            twilio_verify_url=verify_url,
            twilio_account_sid=VERIFY_SID,
            twilio_auth_token=Secret(VERIFY_TOKEN),
            twilio_verify_service_sid=VERIFY_SERVICE,
            frames_per_second=1e9,  # the matrix sends far more frames than a person would
            frame_burst=10**9,
            # The presence heartbeat refreshes agent_sockets.seen_at, which the snapshots
            # compare: it runs at start-up only, not in the middle of a comparison.
            presence_interval=3600.0,
            webhooks_allow_private=True,  # its endpoints are on 127.0.0.1, and paused
        )
        async with (
            start_hub(settings, port=port) as server,
            httpx.AsyncClient(base_url=server.http) as http,
        ):
            a = await onboard(server, http, verify, ACME)
            b = await onboard(server, http, verify, GLOBEX)
            world = World(server, http, twilio, kapso, a, b)
            ours, theirs = await world.snapshot(a), await world.snapshot(b)
            for tenant, rows in ((a, ours), (b, theirs)):
                tenant.message_ids = [m["id"] for m in rows["messages"]]
                tenant.provider_ids = {
                    m["channel"]: m["provider_id"]
                    for m in rows["messages"]
                    if m["direction"] == "outbound" and m["provider_id"]
                }
            assert set(b.provider_ids) == {"sms", "whatsapp"} and theirs["audit_log"]
            # B's distinctive strings: whatever B stores that A does not (ids, texts, names,
            # emails, phones, keys, external ids...), and what B holds only in sealed form.
            distinct = {s for s in stored_strings(theirs) - stored_strings(ours) if len(s) >= 5}
            extra = {b.session_id, b.company.agent_token, b.member_token, b.tag, *b.spec.secrets()}
            world.b_strings = frozenset(distinct | {s.lower() for s in extra})
            assert not world.leaks(json.dumps(ours, default=str)), "A's rows hold B's strings"
            yield world


# -- HTTP ---------------------------------------------------------------------------------


def body(endpoint: tuple[str, str], caller: Tenant, target: Tenant, params: dict[str, str]) -> Any:
    make = BODIES.get(endpoint)
    return None if make is None else make(caller, target, params)


def foreign_calls(
    endpoint: tuple[str, str], target: Tenant, first_only: bool = False
) -> Iterator[dict[str, str]]:
    """Every combination of the target's ids for the endpoint's path parameters."""
    names = path_params(endpoint[1])
    choices = [target.ids(name)[:1] if first_only else target.ids(name) for name in names]
    for values in itertools.product(*choices):
        yield dict(zip(names, values, strict=True))


async def test_another_companys_ids_are_404_or_403_and_change_nothing(world: World) -> None:
    a, b, http = world.a, world.b, world.http
    kinds = classified(world.server.settings.database_url)
    before = await world.snapshot(b)
    sent = (len(world.twilio.messages), len(world.kapso.messages))
    failures: list[str] = []
    calls = 0
    for role in ROLES:
        for endpoint in kinds[FOREIGN]:
            method, path = endpoint
            for params in foreign_calls(endpoint, b):
                url = fill(path, params)
                json_body = body(endpoint, a, b, params)
                for verb in (method, "HEAD") if method == "GET" else (method,):
                    response = await http.request(
                        verb, url, json=json_body, headers=bearer(a.token(role))
                    )
                    calls += 1
                    if response.status_code not in (403, 404):
                        failures.append(f"{role} {verb} {url}: {response.status_code}")
                    if leaked := world.response_leaks(response):
                        failures.append(f"{role} {verb} {url} shows B's {leaked}")
    assert not failures, "\n".join(failures)
    assert calls >= 50
    assert await world.snapshot(b) == before  # B's contacts, messages, pairs, agents all stay
    assert (len(world.twilio.messages), len(world.kapso.messages)) == sent  # nothing went out

    # The same requests with A's own ids succeed: the walls, not the requests, said no.
    # Deletions last. The hand-over of ownership is left out (its success, in
    # tests/test_teammates.py, would leave the owner's token an agent's for the rest).
    handover = ("POST", "/api/agents/{agent_id}/transfer-ownership")
    own = sorted(
        (endpoint for endpoint in kinds[FOREIGN] if endpoint != handover),
        key=lambda endpoint: endpoint[0] == "DELETE",
    )
    for endpoint in own:
        for params in foreign_calls(endpoint, a, first_only=True):
            response = await http.request(
                endpoint[0],
                fill(endpoint[1], params),
                json=body(endpoint, a, a, params),
                headers=bearer(a.token("owner")),
            )
            assert response.is_success, (endpoint, response.status_code, response.text)
    assert await world.snapshot(b) == before


async def test_company_wide_routes_show_nothing_of_another_company(world: World) -> None:
    a, b, http = world.a, world.b, world.http
    kinds = classified(world.server.settings.database_url)
    before = await world.snapshot(b)
    failures: list[str] = []
    for role in ROLES:
        for endpoint in kinds[OWN]:
            method, path = endpoint
            names = path_params(path)
            for values in itertools.product(*(OWN_PARAMS[name] for name in names)):
                params = dict(zip(names, values, strict=True))
                url = fill(path, params)
                response = await http.request(
                    method, url, json=body(endpoint, a, b, params), headers=bearer(a.token(role))
                )
                status = response.status_code
                expected = STATUSES.get(endpoint, {}).get(role)
                if expected is None:
                    good = response.is_success or (role == "agent" and status == 403)
                else:
                    good = status in expected
                if not good:
                    failures.append(f"{role} {method} {url}: {status} {response.text[:200]}")
                if leaked := world.response_leaks(response):
                    failures.append(f"{role} {method} {url} shows B's {leaked}")
    assert not failures, "\n".join(failures)
    assert await world.snapshot(b) == before

    # B's numbers still route to B, not to A who tried to claim them.
    for provider, address in (("twilio", b.spec.number), ("kapso", b.spec.kapso_id)):
        account = await world.server.hub.integrations.by_address(provider, address)
        assert account is not None and account.company_id == b.company_id


def relabel(token: str, **claims: Any) -> str:
    """The token with some claims changed and its original signature kept."""
    header, payload, signature = token.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    changed = json.dumps(decoded | claims).encode()
    return ".".join([header, base64.urlsafe_b64encode(changed).rstrip(b"=").decode(), signature])


def unsigned(claims: dict[str, Any]) -> str:
    """A token with `alg: none` and no signature."""
    parts = ({"alg": "none", "typ": "JWT"}, claims)
    encoded = [base64.urlsafe_b64encode(json.dumps(p).encode()).rstrip(b"=") for p in parts]
    return b".".join(encoded).decode() + "."


def forged_tokens(world: World) -> dict[str, str]:
    a, b = world.a, world.b
    secret = world.server.settings.secret_key
    now, day = dt.datetime.now(dt.UTC), dt.timedelta(days=1)
    a_claims = {"iss": "leadop-hub", "sub": a.owner_id, "cid": a.company_id, "role": "owner"}
    return {
        "B's owner token claiming A": relabel(b.company.agent_token, cid=a.company_id),
        "B's agent token claiming A's owner": relabel(
            b.member_token, cid=a.company_id, role="owner"
        ),
        "B's agent id with A's cid, signed": issue_token(
            secret, AgentIdentity(b.owner_id, a.company_id, "owner")
        ),
        "A's agent id with B's cid, signed": issue_token(
            secret, AgentIdentity(a.owner_id, b.company_id, "owner")
        ),
        "A's claims signed with another key": issue_token(
            Secret("not-the-hub-secret-0123456789abcdef"),
            AgentIdentity(a.owner_id, a.company_id, "owner"),
        ),
        "A's claims unsigned": unsigned(a_claims | {"exp": int((now + day).timestamp())}),
    }


async def test_forged_and_crossed_tokens_are_401(world: World) -> None:
    a, http = world.a, world.http
    kinds = classified(world.server.settings.database_url)
    before_a, before_b = await world.snapshot(a), await world.snapshot(world.b)
    failures: list[str] = []
    for name, token in forged_tokens(world).items():
        for endpoint in kinds[OWN] + kinds[FOREIGN] + kinds[ERASE]:
            names = path_params(endpoint[1])
            params = {n: (OWN_PARAMS.get(n) or a.ids(n))[0] for n in names}
            url = fill(endpoint[1], params)
            response = await http.request(
                endpoint[0], url, json=body(endpoint, a, a, params), headers=bearer(token)
            )
            if response.status_code != 401:
                failures.append(f"{name}: {endpoint[0]} {url}: {response.status_code}")
            if leaked := world.response_leaks(response):
                failures.append(f"{name}: {endpoint[0]} {url} shows B's {leaked}")
        async with connect(f"{world.server.ws}/ws/agent") as ws:
            socket = Client(ws)
            await socket.send({"type": "auth", "token": token})
            if (code := await socket.closed()) != Close.UNAUTHORIZED:
                failures.append(f"{name}: the agent socket closed with {code}")
    assert not failures, "\n".join(failures)
    assert await world.snapshot(a) == before_a
    assert await world.snapshot(world.b) == before_b


# -- sockets ------------------------------------------------------------------------------


def foreign_frames(caller: Tenant, target: Tenant) -> Iterator[dict[str, Any]]:
    """Every agent frame type that names an id, with each of the target's ids."""
    for kind, model in agent_frames().items():
        if kind in FRAMES_WITHOUT_IDS:
            continue
        names = [name for name in model.model_fields if name != "type"]
        id_names = [name for name in names if name in ID_PARAMS]
        others = [name for name in names if name not in ID_PARAMS]
        for ids in itertools.product(*(target.ids(name) for name in id_names)):
            frame: dict[str, Any] = {"type": kind, **dict(zip(id_names, ids, strict=True))}
            samples = [SAMPLES[name](caller, target, frame) for name in others]
            for values in itertools.product(*samples):
                yield frame | dict(zip(others, values, strict=True))


async def answers(client: Client, frame: dict[str, Any]) -> list[dict[str, Any]]:
    """What the hub sent back for one frame, on a socket with nothing else pending (frames
    are handled in order, so a ping after it closes the answer)."""
    mark = len(client.seen)
    await client.send(frame)
    await pong(client)
    return client.seen[mark:-1]


async def quiet_marks(tenant: Tenant) -> tuple[int, int]:
    return await pong(tenant.agent), await pong(tenant.widget)


async def heard_nothing(tenant: Tenant, marks: tuple[int, int]) -> None:
    """The tenant's inbox and visitor got no frame since `marks`: the visitor now writes, and
    its own message is the first thing either hears (anything published before it, by anyone,
    would have reached them first)."""
    text = f"{tenant.tag} still here {new_id()}"
    await tenant.widget.say(text)
    await tenant.agent.message(text)

    def before_it(frame: dict[str, Any]) -> bool:
        return not (frame["type"] == "message.created" and frame["message"]["text"] == text)

    for client, mark in zip((tenant.agent, tenant.widget), marks, strict=True):
        assert list(itertools.takewhile(before_it, client.seen[mark:])) == []


async def test_agent_frames_naming_another_companys_ids_are_refused(world: World) -> None:
    a, b = world.a, world.b
    member = await Agent.open(world.server.ws, a.member_token)
    before = await world.snapshot(b)
    sent = (len(world.twilio.messages), len(world.kapso.messages))
    marks = await quiet_marks(b)
    failures: list[str] = []
    frames = 0
    for role, socket in (("owner", a.agent), ("agent", member)):
        mark = await pong(socket)
        for frame in foreign_frames(a, b):
            frames += 1
            got = await answers(socket, frame)
            if [f["type"] for f in got] != ["error"] or got[0]["code"] not in ERROR_CODES:
                failures.append(f"{role} {frame}: {got}")
        if leaked := world.leaks(json.dumps(socket.seen[mark:])):
            failures.append(f"{role}'s socket heard B's {leaked}")
    assert not failures, "\n".join(failures)
    assert frames >= 2 * 15
    assert await world.snapshot(b) == before  # no message, handled_by and needs_human as were
    assert (len(world.twilio.messages), len(world.kapso.messages)) == sent
    await heard_nothing(b, marks)


async def test_no_event_of_another_company_reaches_its_sockets(world: World) -> None:
    a, b, server, http = world.a, world.b, world.server, world.http
    member = await Agent.open(server.ws, a.member_token)
    listeners: list[Client] = [a.agent, member, a.widget]
    marks = [await pong(client) for client in listeners]
    origin = {"Origin": b.spec.origin}

    # B's visitor types and writes; another page view opens and engages.
    await b.widget.send({"type": "typing", "active": True})
    await b.agent.expect("typing", sender="visitor")
    await b.widget.say(f"{b.tag} one more thing")
    await b.agent.message(f"{b.tag} one more thing")
    second = await Widget.open(server.ws, b.company.widget_key, headers=origin)
    await b.agent.expect("stats.updated")
    await second.send({"type": "engage"})
    await b.agent.expect("stats.updated")

    # B's agent types, takes over, releases and replies; the provider reports delivery.
    widget_id, sms_id = b.conversations["widget"], b.conversations["sms"]
    await b.agent.send({"type": "typing", "conversation_id": widget_id, "active": True})
    await b.widget.expect("typing", sender="agent")
    for kind in ("conversation.takeover", "conversation.release"):
        await b.agent.send({"type": kind, "conversation_id": sms_id})
        await b.agent.expect("conversation.updated")
    await reply_out(b.agent, sms_id, f"{b.tag} sms again")
    last = world.twilio.messages[-1]
    assert last["From"] == b.spec.number
    assert (await world.twilio.send_status_callback(http, last["sid"], "delivered")).is_success
    while (await b.agent.expect("message.updated"))["message"]["status"] != "delivered":
        pass

    # B's contacts write in on SMS and WhatsApp.
    text = f"{b.tag} sms later"
    params = inbound_sms_params(b.spec.twilio_sid, b.spec.sms_customer, b.spec.number, text)
    sms = await post_twilio(http, f"{server.http}/webhooks/twilio/sms", b.spec.twilio_token, params)
    assert sms.status_code == 200
    await b.agent.message(text)
    text = f"{b.tag} whatsapp later"
    wa = kapso_message_received(b.spec.kapso_id, b.spec.wa_customer[1:], text)
    kapso_url = f"{server.http}/webhooks/kapso"
    assert (await post_kapso(http, kapso_url, b.spec.kapso_secret, wa, event=RECEIVED)).is_success
    await b.agent.message(text)

    # An agent of B is invited, signs in and is revoked: their socket alone closes.
    owner = bearer(b.token("owner"))
    invite = {"email": f"temp@{b.tag}.example"}
    invited = (await http.post("/api/agents", json=invite, headers=owner)).json()
    temp = await Agent.open(server.ws, invited["agent_token"])
    revoked = await http.delete(f"/api/agents/{invited['agent']['id']}", headers=owner)
    assert revoked.status_code == 204
    assert await temp.closed() == Close.UNAUTHORIZED

    for client, mark in zip(listeners, marks, strict=True):
        await pong(client)
        assert client.seen[mark:] == [{"type": "pong"}]


async def test_another_companys_widget_session_starts_a_new_one(world: World) -> None:
    a, b, server = world.a, world.b, world.server
    before = await world.snapshot(b)
    marks = await quiet_marks(b)
    stranger = await Widget.open(
        server.ws,
        a.company.widget_key,
        session_id=b.session_id,
        visit_id=b.visit_id,
        headers={"Origin": a.spec.origin},
    )
    welcome = stranger.welcome
    assert welcome["session_id"] not in (a.session_id, b.session_id)
    assert welcome["conversation_id"] not in {*a.conversations.values(), *b.conversations.values()}
    assert welcome["last_seq"] == 0
    await pong(stranger)
    assert stranger.messages() == []  # nothing replayed
    said = await stranger.say(f"{a.tag} a new visitor")
    assert (said["conversation_id"], said["seq"]) == (welcome["conversation_id"], 1)
    await a.agent.message(said["text"])
    assert not world.leaks(json.dumps(stranger.seen))
    assert await world.snapshot(b) == before
    await heard_nothing(b, marks)

    # The secret itself is good: with B's own key it resumes B's conversation.
    resumed = await Widget.open(
        server.ws,
        b.company.widget_key,
        session_id=b.session_id,
        visit_id=b.visit_id,
        headers={"Origin": b.spec.origin},
    )
    assert resumed.welcome["conversation_id"] == b.conversations["widget"]
    assert resumed.welcome["session_id"] == b.session_id


# -- webhooks and erasure -----------------------------------------------------------------


async def test_webhooks_reach_only_the_company_that_signed_them(world: World) -> None:
    a, b, http = world.a, world.b, world.http
    sms_url = f"{world.server.http}/webhooks/twilio/sms"
    status_url = f"{world.server.http}/webhooks/twilio/status"
    kapso_url = f"{world.server.http}/webhooks/kapso"
    before = await world.snapshot(b)
    marks = await quiet_marks(b)
    a_token, a_secret = a.spec.twilio_token, a.spec.kapso_secret
    sms_sid, wamid = b.provider_ids["sms"], b.provider_ids["whatsapp"]

    # A's secrets, B's numbers: refused before anything is stored.
    text = f"{a.tag} spoof"
    into_b = inbound_sms_params(a.spec.twilio_sid, b.spec.sms_customer, b.spec.number, text)
    assert (await post_twilio(http, sms_url, a_token, into_b)).status_code == 403
    report = status_callback_params(
        a.spec.twilio_sid, sms_sid, "failed", b.spec.number, b.spec.sms_customer
    )
    assert (await post_twilio(http, status_url, a_token, report)).status_code == 403
    spoof = kapso_message_received(b.spec.kapso_id, b.spec.wa_customer[1:], text)
    assert (await post_kapso(http, kapso_url, a_secret, spoof, event=RECEIVED)).status_code == 403

    # A's own numbers reporting on B's messages: accepted, and B's messages do not move.
    report = status_callback_params(
        a.spec.twilio_sid, sms_sid, "failed", a.spec.number, b.spec.sms_customer
    )
    assert (await post_twilio(http, status_url, a_token, report)).status_code == 200
    failed = kapso_status_event(a.spec.kapso_id, wamid, "failed", to_digits=b.spec.wa_customer[1:])
    event = "whatsapp.message.failed"
    assert (await post_kapso(http, kapso_url, a_secret, failed, event=event)).status_code == 200

    # B's customers writing to A are A's own contacts, in A's own conversations.
    text = f"{a.tag} from a shared customer"
    to_a = inbound_sms_params(a.spec.twilio_sid, b.spec.sms_customer, a.spec.number, text)
    assert (await post_twilio(http, sms_url, a_token, to_a)).status_code == 200
    wa = kapso_message_received(a.spec.kapso_id, b.spec.wa_customer[1:], text + " on whatsapp")
    assert (await post_kapso(http, kapso_url, a_secret, wa, event=RECEIVED)).status_code == 200
    for said in (text, text + " on whatsapp"):
        message = await a.agent.message(said)
        conversation = (await a.agent.expect("conversation.updated"))["conversation"]
        assert conversation["id"] == message["conversation_id"]
        assert conversation["id"] not in b.conversations.values()
        assert conversation["contact"]["id"] not in b.contacts.values()

    assert await world.snapshot(b) == before
    await heard_nothing(b, marks)


async def test_erasing_a_company_leaves_the_other_untouched(world: World) -> None:
    a, b, http = world.a, world.b, world.http
    kinds = classified(world.server.settings.database_url)
    before = await world.snapshot(b)
    marks = await quiet_marks(b)
    for method, path in kinds[ERASE]:
        refused = await http.request(method, path, headers=bearer(a.token("agent")))
        assert refused.status_code == 403
        erased = await http.request(method, path, headers=bearer(a.token("owner")))
        assert erased.status_code == 204
    assert await a.agent.closed() == Close.UNAUTHORIZED
    gone = await world.snapshot(a)
    assert not any(
        gone[name] for name in ("companies", "agents", "contacts", "messages", "api_keys")
    )
    assert await world.snapshot(b) == before
    await heard_nothing(b, marks)  # B's sockets are open, and heard nothing of it
    listed = await http.get("/api/conversations", headers=bearer(b.token("owner")))
    assert {c["id"] for c in listed.json()["conversations"]} == set(b.conversations.values())
