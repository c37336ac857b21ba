"""`Hub`: every long-lived service of one process, built by `hub.app.open_hub`.

Requests and sockets reach it through `hub_of(connection)`, typed, instead of the untyped
`app.state.hub`.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import HTTPConnection

from hub.ai.assistant import Assistant
from hub.ai.knowledge import KnowledgeService
from hub.bus import Bus
from hub.channels.inbound import InboundService
from hub.channels.integrations import IntegrationService
from hub.channels.outbox import Outbox
from hub.connections.availability import Availability
from hub.connections.registry import Registry
from hub.connections.repair import Repair
from hub.conversations.notes import NoteService
from hub.conversations.presence import Presence
from hub.conversations.ratings import Ratings
from hub.conversations.service import ConversationService
from hub.conversations.visitors import VisitorService
from hub.conversations.workflow import Workflow
from hub.identity.accounts import Accounts
from hub.identity.sessions import Sessions
from hub.persistence.db import Database
from hub.runtime.mailer import Mailer
from hub.runtime.ratelimit import WidgetLimits
from hub.settings import Settings
from hub.webhooks.deliver import Deliverer
from hub.webhooks.endpoints import Endpoints
from hub.workspace.agents import AgentService
from hub.workspace.attachments import AttachmentService
from hub.workspace.business_hours import BusinessHoursService
from hub.workspace.canned import CannedResponses
from hub.workspace.companies import demo_widget_key
from hub.workspace.contacts import ContactDirectory
from hub.workspace.followups import Followups
from hub.workspace.invitations import Invitations
from hub.workspace.labels import LabelService
from hub.workspace.saved_views import SavedViews
from hub.workspace.search import MessageSearch
from hub.workspace.teams import Teams
from hub.workspace.widget_settings import WidgetSettingsService


@dataclass
class Hub:
    """Everything a request or a socket needs, built by the lifespan."""

    settings: Settings
    db: Database
    bus: Bus
    registry: Registry
    repair: Repair
    conversations: ConversationService
    visitors: VisitorService
    integrations: IntegrationService
    inbound: InboundService
    outbox: Outbox
    knowledge: KnowledgeService
    assistant: Assistant
    agents: AgentService
    widget_settings: WidgetSettingsService
    widget_limits: WidgetLimits
    workflow: Workflow
    presence: Presence
    notes: NoteService
    canned: CannedResponses
    labels: LabelService
    ratings: Ratings
    attachments: AttachmentService
    search: MessageSearch
    contacts: ContactDirectory
    mailer: Mailer
    business_hours: BusinessHoursService
    availability: Availability
    followups: Followups
    # accounts & teammates (issue 19)
    sessions: Sessions
    accounts: Accounts
    invitations: Invitations
    # teams and saved views (issue 21)
    teams: Teams
    views: SavedViews
    # outgoing webhooks (issue 21): the owners' endpoints, and this process's worker
    webhooks: Endpoints
    webhook_deliverer: Deliverer

    async def demo_widget_key(self) -> str | None:
        """The demo company's widget key, when `hub serve --demo` has seeded it."""
        return await demo_widget_key(self.db)


def hub_of(connection: HTTPConnection) -> Hub:
    """The hub of the app serving this request or socket."""
    hub = connection.app.state.hub
    assert isinstance(hub, Hub)
    return hub
