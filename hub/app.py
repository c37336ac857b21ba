"""The application factory: `create_app(settings)`; the lifespan owns every resource."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket

from hub.ai.assistant import Assistant
from hub.ai.base import Replier
from hub.ai.groq import GroqReplier
from hub.ai.knowledge import CONFIG_POLL, KnowledgeService
from hub.ai.local import LocalReplier
from hub.api.bodies import BodyCaps, BodyLimit
from hub.api.errors import HANDLERS
from hub.api.routes import ROUTES, SOCKETS
from hub.bus import make_bus
from hub.channels.inbound import InboundService
from hub.channels.integrations import IntegrationService
from hub.channels.kapso_whatsapp import KapsoSender
from hub.channels.outbox import Outbox, Sender
from hub.channels.twilio_sms import TwilioSender
from hub.connections.availability import Availability
from hub.connections.registry import Registry
from hub.connections.repair import SWEEP_INTERVAL, Repair
from hub.conversations.notes import NoteService
from hub.conversations.presence import Presence
from hub.conversations.ratings import Ratings
from hub.conversations.service import ConversationService
from hub.conversations.visitors import VisitorService
from hub.conversations.workflow import Workflow
from hub.identity.accounts import Accounts
from hub.identity.sessions import Sessions
from hub.persistence.db import Database
from hub.persistence.migrate import upgrade
from hub.persistence.models import new_id
from hub.runtime.collector import CHECK_INTERVAL, FullCollections, tune_collector
from hub.runtime.crypto import Vault
from hub.runtime.mailer import make_mailer
from hub.runtime.periodic import Periodic
from hub.runtime.ratelimit import AccountLimits, HttpRateLimit, Limiter, WidgetLimits
from hub.settings import Settings
from hub.state import Hub
from hub.webhooks.deliver import Deliverer, Policy
from hub.webhooks.endpoints import Endpoints
from hub.webhooks.retention import purge_settled
from hub.workspace import retention
from hub.workspace.agents import AgentService
from hub.workspace.attachment_store import make_store
from hub.workspace.attachments import AttachmentService
from hub.workspace.business_hours import BusinessHoursService
from hub.workspace.canned import CannedResponses
from hub.workspace.companies import new_company
from hub.workspace.contacts import ContactDirectory
from hub.workspace.followups import Followups
from hub.workspace.invitations import Invitations
from hub.workspace.labels import LabelService
from hub.workspace.saved_views import SavedViews
from hub.workspace.search import MessageSearch
from hub.workspace.teams import Teams
from hub.workspace.widget_settings import WidgetSettingsService

log = logging.getLogger("hub")


@contextlib.asynccontextmanager
async def open_hub(settings: Settings) -> AsyncIterator[Hub]:
    """Build every service of the process, start it, and close it all on the way out."""
    if settings.is_sqlite:
        await upgrade(settings.database_url)  # a laptop needs no separate migrate step
    hub = build_hub(settings)
    replier = hub.assistant.replier
    schedules = [
        Periodic("retention", settings.retention_interval, lambda: _retention(hub)),
        Periodic("idle-sessions", settings.retention_interval, lambda: _idle_sessions(hub)),
        Periodic("ai-settings-poll", CONFIG_POLL, hub.knowledge.forget_changed),
        Periodic("business-hours-poll", CONFIG_POLL, hub.business_hours.forget_changed),
        Periodic("availability", settings.presence_interval, hub.availability.tick),
        Periodic("visitors-seen", settings.presence_interval, hub.visitors.refresh_seen),
        Periodic("mail-followups", settings.followup_interval, hub.followups.run),
        Periodic("gc-full-collections", CHECK_INTERVAL, FullCollections().tick),
        Periodic("presence-heartbeat", settings.presence_interval, hub.presence.heartbeat),
        Periodic("snooze-wake", settings.snooze_interval, hub.workflow.wake_snoozed),
        Periodic("repair-sweep", SWEEP_INTERVAL, hub.repair.sweep),
    ]
    hub.db.start()
    await hub.bus.start()
    await hub.outbox.start()
    await hub.webhook_deliverer.start()
    for schedule in schedules:
        schedule.start()
    tune_collector()
    try:
        yield hub
    finally:
        for schedule in schedules:
            await schedule.close()
        await hub.repair.close()
        await hub.presence.close()  # this process's agents are no longer here
        await hub.assistant.close()
        await _close_replier(replier)
        await hub.outbox.close()
        await hub.webhook_deliverer.close()
        await hub.accounts.drain()
        await hub.conversations.close()
        await hub.bus.close()
        await hub.db.close()


def build_hub(settings: Settings) -> Hub:
    """Every service, and every hook between them, wired here in one place."""
    db = Database(settings.database_url, timeout=settings.db_timeout)
    bus = make_bus(settings.redis_url)
    conversations = ConversationService(db, bus, presence_ttl=3 * settings.presence_interval)
    vault = Vault(settings.secret_key, settings.previous_secret_keys)
    integrations = IntegrationService(db, vault)
    senders: dict[str, Sender] = {
        "twilio": TwilioSender(settings.twilio_api_url),
        "kapso": KapsoSender(settings.kapso_api_url),
    }
    callback = settings.public_url + "/webhooks/twilio/status"
    outbox = Outbox(conversations, integrations, senders, status_callback=callback)
    knowledge = KnowledgeService(db)
    hours = BusinessHoursService(db, conversations.publisher)
    assistant = Assistant(conversations, knowledge, make_replier(settings))
    # The hooks: conversations call out through these, so nothing below imports what is above.
    conversations.on_queued = outbox.notify  # an SMS or WhatsApp reply waits to be sent
    conversations.can_send = outbox.can_send  # the company has the provider account
    conversations.on_inbound = assistant.on_inbound  # a visitor or contact wrote: AI's turn
    assistant.is_open = hours.open_now  # off hours, the AI answers if its settings say so
    ratings = Ratings(conversations)
    workflow = Workflow(conversations)
    workflow.on_resolved = ratings.request  # an agent resolved it: ask the visitor to rate
    workflow.on_unresolved = ratings.withdraw  # an agent reopened it: stop asking
    limits = WidgetLimits(
        settings.widget_connects_per_ip,
        settings.widget_connects_per_company,
        settings.widget_messages_per_ip,
        settings.widget_sessions_per_ip,
        settings.widget_messages_per_session,
    )
    visitors = VisitorService(
        conversations,
        visit_window=dt.timedelta(seconds=settings.visit_window),
        idle_retention=dt.timedelta(seconds=settings.idle_session_retention),
    )
    widget_settings = WidgetSettingsService(db, vault)
    registry = Registry(bus)
    mailer = make_mailer(
        settings.smtp_url.reveal() if settings.smtp_url else None, settings.mail_from
    )
    account_limits = AccountLimits(
        settings.sign_in_per_ip,
        settings.sign_in_per_account,
        settings.account_mail_per_ip,
        settings.account_mail_per_account,
    )
    accounts = Accounts(db, settings, mailer, account_limits)
    accounts.new_company = new_company  # a sign-up's company, in its own transaction
    # One id per process: its rows of agent_sockets, refreshed by its heartbeat.
    presence = Presence(db, conversations.publisher, new_id(), settings.presence_interval)
    repair = Repair(db, conversations, visitors, presence, registry)
    availability = Availability(registry, presence, hours, knowledge)
    repair.on_loss = availability.lost  # the bus lost presence frames: read them again
    mailer = make_mailer(
        settings.smtp_url.reveal() if settings.smtp_url else None, settings.mail_from
    )
    followups = Followups(conversations, visitors, mailer, settings.followup_delay)
    conversations.on_answered = followups.answered  # a visitor who left may get it by mail
    followups.connected_here = lambda conversation_id: conversation_id in registry.widgets
    store = make_store(settings)  # attachments, and agents' avatars
    deliverer = Deliverer(db, vault, webhook_policy(settings))
    deliverer.on_paused = conversations.publisher.webhook_paused  # owners see it in the inbox
    return Hub(
        settings=settings,
        db=db,
        bus=bus,
        registry=registry,
        repair=repair,
        conversations=conversations,
        visitors=visitors,
        integrations=integrations,
        inbound=InboundService(conversations),
        outbox=outbox,
        knowledge=knowledge,
        assistant=assistant,
        agents=AgentService(db, conversations.publisher, settings, store),
        widget_settings=widget_settings,
        widget_limits=limits,
        workflow=workflow,
        ratings=ratings,
        presence=presence,
        notes=NoteService(conversations),
        canned=CannedResponses(db),
        labels=LabelService(conversations),
        attachments=AttachmentService(
            db,
            store,
            visitors,
            widget_settings,
            settings.attachment_max_bytes,
            settings.attachment_uploads_per_ip,
        ),
        search=MessageSearch(db),
        contacts=ContactDirectory(db),
        mailer=mailer,
        business_hours=hours,
        availability=availability,
        followups=followups,
        sessions=Sessions(db, settings),
        accounts=accounts,
        invitations=Invitations(db, settings, mailer),
        teams=Teams(conversations),
        views=SavedViews(db),
        webhooks=Endpoints(db, vault, settings.webhooks_allow_private),
        webhook_deliverer=deliverer,
    )


def webhook_policy(settings: Settings) -> Policy:
    return Policy(
        schedule=settings.webhook_retry_schedule,
        pause_after=settings.webhook_pause_after,
        timeout=settings.webhook_timeout,
        concurrency=settings.webhook_concurrency,
        allow_private=settings.webhooks_allow_private,
    )


async def _idle_sessions(hub: Hub) -> None:
    """Widget sessions that only loaded pages go after HUB_IDLE_SESSION_RETENTION."""
    purged = await hub.visitors.purge_idle()
    if purged:
        log.info("purged %s idle widget sessions that never wrote", purged)


async def _retention(hub: Hub) -> None:
    """Purge expired messages, then the files no message carries any more."""
    await retention.sweep(hub.db)
    await hub.attachments.sweep()
    await purge_settled(hub.db)  # the webhook delivery log older than 30 days


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

    limits = Middleware(
        HttpRateLimit,
        api=Limiter(*resolved.api_calls_per_ip),
        webhooks=Limiter(*resolved.webhooks_per_ip),
    )
    caps = BodyCaps(
        webhooks=resolved.webhook_max_bytes,
        api=resolved.api_max_bytes,
        attachments=resolved.attachment_max_bytes,
    )
    # Rate limits first: a flood is refused before its bodies are looked at.
    middleware = [limits, Middleware(BodyLimit, caps=caps)]
    return HubApp(
        routes=ROUTES, lifespan=lifespan, exception_handlers=HANDLERS, middleware=middleware
    )


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
