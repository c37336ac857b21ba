"""The application factory: `create_app(settings)`; the lifespan owns every resource."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket

from hub.ai.assistant import Assistant
from hub.ai.base import Replier
from hub.ai.groq import GroqReplier
from hub.ai.knowledge import CONFIG_POLL, KnowledgeService
from hub.ai.local import LocalReplier
from hub.api import agents as agents_api
from hub.api import analytics as analytics_api
from hub.api import data_rights as data_rights_api
from hub.api import integrations as integrations_api
from hub.api import knowledge as knowledge_api
from hub.api import pages, webhooks
from hub.api import routes as api
from hub.api import verify as verify_api
from hub.api.errors import HANDLERS
from hub.bus import Bus, make_bus
from hub.channels.inbound import InboundService
from hub.channels.integrations import IntegrationService
from hub.channels.kapso_whatsapp import KapsoSender
from hub.channels.outbox import Outbox
from hub.channels.twilio_sms import TwilioSender
from hub.connections.agent import agent_endpoint
from hub.connections.registry import Registry
from hub.connections.widget import widget_endpoint
from hub.conversations.service import ConversationService
from hub.conversations.visitors import VisitorService
from hub.persistence.db import Database
from hub.persistence.migrate import upgrade
from hub.runtime.collector import CHECK_INTERVAL, FullCollections, tune_collector
from hub.runtime.crypto import Vault
from hub.runtime.periodic import Periodic
from hub.runtime.ratelimit import HttpRateLimit, Limiter, WidgetLimits
from hub.settings import Settings
from hub.workspace import retention
from hub.workspace.companies import demo_widget_key

log = logging.getLogger("hub")


@dataclass
class Hub:
    """Everything a request or a socket needs, built by the lifespan."""

    settings: Settings
    db: Database
    bus: Bus
    registry: Registry
    conversations: ConversationService
    visitors: VisitorService
    integrations: IntegrationService
    inbound: InboundService
    outbox: Outbox
    knowledge: KnowledgeService
    assistant: Assistant
    widget_limits: WidgetLimits

    async def demo_widget_key(self) -> str | None:
        """The demo company's widget key, when `hub serve --demo` has seeded it."""
        return await demo_widget_key(self.db)


@contextlib.asynccontextmanager
async def open_hub(settings: Settings) -> AsyncIterator[Hub]:
    """Connect to the database and the bus; close both on the way out."""
    if settings.is_sqlite:
        await upgrade(settings.database_url)  # a laptop needs no separate migrate step
    db = Database(settings.database_url)
    db.start()
    bus = make_bus(settings.redis_url)
    registry = Registry(bus)
    conversations = ConversationService(db, bus)
    integrations = IntegrationService(db, Vault(settings.secret_key, settings.previous_secret_keys))
    outbox = Outbox(
        conversations,
        integrations,
        {
            "twilio": TwilioSender(settings.twilio_api_url),
            "kapso": KapsoSender(settings.kapso_api_url),
        },
        status_callback=settings.public_url + "/webhooks/twilio/status",
    )
    knowledge = KnowledgeService(db)
    replier = make_replier(settings)
    assistant = Assistant(conversations, knowledge, replier)
    schedules = [
        Periodic("retention", settings.retention_interval, lambda: retention.sweep(db)),
        Periodic("ai-settings-poll", CONFIG_POLL, knowledge.forget_changed),
        Periodic("gc-full-collections", CHECK_INTERVAL, FullCollections().tick),
    ]
    await bus.start()
    await outbox.start()
    for schedule in schedules:
        schedule.start()
    tune_collector()
    try:
        yield Hub(
            settings,
            db,
            bus,
            registry,
            conversations,
            VisitorService(conversations),
            integrations,
            InboundService(conversations),
            outbox,
            knowledge,
            assistant,
            WidgetLimits(
                settings.widget_connects_per_ip,
                settings.widget_connects_per_company,
                settings.widget_messages_per_ip,
            ),
        )
    finally:
        for schedule in schedules:
            await schedule.close()
        await assistant.close()
        await _close_replier(replier)
        await outbox.close()
        await conversations.close()
        await bus.close()
        await db.close()


def make_replier(settings: Settings) -> Replier:
    """Groq when GROQ_API_KEY is set, else the offline responder."""
    if settings.groq_api_key is None:
        return LocalReplier()
    return GroqReplier(
        settings.groq_api_key.reveal(),
        settings.groq_base_url,
        idle_timeout=settings.groq_stream_idle_timeout,
        total_timeout=settings.groq_stream_total_timeout,
    )


async def _close_replier(replier: Replier) -> None:
    if isinstance(replier, GroqReplier):
        await replier.close()


def create_app(settings: Settings | None = None) -> Starlette:
    """Build the ASGI app (`uvicorn 'hub.app:create_app' --factory`)."""
    resolved = settings or Settings.from_env()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with open_hub(resolved) as hub:
            app.state.hub = hub
            yield

    routes = [
        *api.routes,
        *integrations_api.routes,
        *knowledge_api.routes,
        *pages.routes,
        *analytics_api.routes,
        *agents_api.routes,
        *verify_api.routes,
        *data_rights_api.routes,
        *webhooks.routes,
        *(WebSocketRoute(path, endpoint) for path, endpoint in SOCKETS.items()),
    ]
    limits = Middleware(
        HttpRateLimit,
        api=Limiter(*resolved.api_calls_per_ip),
        webhooks=Limiter(*resolved.webhooks_per_ip),
    )
    return HubApp(
        routes=routes, lifespan=lifespan, exception_handlers=HANDLERS, middleware=[limits]
    )


SOCKETS: dict[str, Callable[[WebSocket], Awaitable[None]]] = {
    "/ws/widget": widget_endpoint,
    "/ws/agent": agent_endpoint,
}


class HubApp(Starlette):
    """Starlette, with the two socket endpoints reached directly.

    A socket lives for hours: every middleware and routing layer it passes through stays on
    its stack for all that time (memory per idle socket) and wraps every frame it sends
    (CPU per message). The HTTP middleware (rate limits, error pages) has nothing to do for
    them, so sockets skip it; the routes stay listed for discovery."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = SOCKETS.get(scope["path"]) if scope["type"] == "websocket" else None
        if endpoint is None:
            await super().__call__(scope, receive, send)
            return
        scope["app"] = self
        await endpoint(WebSocket(scope, receive, send))
