"""The AI assistant: answers conversations handled by the AI, streamed, until a human takes over.

One reply at a time per conversation (per process). A message that arrives while a reply
streams does not interrupt it: the reply finishes, then the assistant answers again with the
new message in its history. Before every flush of deltas and before the final save the
conversation is read again; if a human has taken over, the reply stops and nothing is saved.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from hub.ai import leads, prompts
from hub.ai.base import Piece, Prompt, Replier, ReplierError, ToolCall
from hub.ai.knowledge import KnowledgeService
from hub.conversations.append import Outgoing
from hub.conversations.handoff import Handoff, State, ai_answers
from hub.conversations.service import ConversationService, Refused
from hub.persistence import repository as repo
from hub.persistence.models import new_id

log = logging.getLogger("hub.assistant")

FLUSH_SECONDS = 0.05  # coalesce tokens into a few deltas per 50 ms
MAX_RETRIES = 2
SORRY = (
    "Sorry, I'm having trouble answering right now. "
    "I've asked someone from our team to help you here."
)
HANDOFF_TEXT = "I'm bringing in someone from our team; they will reply here shortly."
NOTED = "Thanks, I've noted that."
# Column sizes, so a long tool argument can never fail a write.
LIMITS = {"name": 200, "email": 320, "phone": 32, "requested_slot": 200}


async def _always_open(_company_id: str) -> bool:
    return True


class Stopped(Exception):
    """A human took the conversation over mid-reply."""


@dataclass
class Reply:
    company_id: str
    conversation_id: str
    channel: str
    reply_id: str = field(default_factory=new_id)
    parts: list[str] = field(default_factory=list)
    pending: str = ""
    index: int = 0
    flushed_at: float = 0.0
    usage: tuple[int, int] | None = None
    handoff: str | None = None
    tools: int = 0

    @property
    def text(self) -> str:
        return "".join(self.parts) + self.pending


class Assistant:
    def __init__(
        self, conversations: ConversationService, knowledge: KnowledgeService, replier: Replier
    ) -> None:
        self.conversations = conversations
        self.knowledge = knowledge
        self.replier = replier
        self.db = conversations.db
        self._running: dict[str, asyncio.Task[None]] = {}
        self._again: set[str] = set()
        self._closing = False
        # Asked (company_id) whether the company is within its business hours: off hours the
        # AI answers only when its settings say so (wired by hub.app.build_hub).
        self.is_open: Callable[[str], Awaitable[bool]] = _always_open

    def on_inbound(self, company_id: str, conversation_id: str) -> None:
        """A visitor or contact wrote: reply, or reply again after the current reply."""
        if conversation_id in self._running:
            self._again.add(conversation_id)
            return
        config = self.knowledge.cached_ai_config(company_id)
        if config is not None and not config.enabled:
            return  # the hot path of a company without AI: no task, no query
        task = asyncio.create_task(self._run(company_id, conversation_id))
        self._running[conversation_id] = task
        task.add_done_callback(lambda _t: self._done(company_id, conversation_id))

    def _done(self, company_id: str, conversation_id: str) -> None:
        self._running.pop(conversation_id, None)
        if conversation_id in self._again and not self._closing:
            self._again.discard(conversation_id)
            self.on_inbound(company_id, conversation_id)

    async def close(self) -> None:
        self._closing = True
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self, company_id: str, conversation_id: str) -> None:
        try:
            await self.reply(company_id, conversation_id)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("AI reply in %s failed", conversation_id)

    async def reply(self, company_id: str, conversation_id: str) -> None:
        """Stream one reply, then save it; or say sorry and ask for a human."""
        config = await self.knowledge.ai_config(company_id)
        if not config.enabled:
            return
        if not config.answer_off_hours and not await self.is_open(company_id):
            return  # off hours, and told to leave the visitor to the team (and its mail)
        conv = await self.conversations.require(company_id, conversation_id)
        if not ai_answers(State.of(conv)):
            return
        try:
            await self.conversations.check_can_send(company_id, conv)
        except Refused as exc:  # e.g. an SMS contact who opted out: the AI stays silent
            log.info("AI does not answer %s: %s", conversation_id, exc.code)
            return
        reply = Reply(company_id, conversation_id, conv.channel)
        await self._typing(reply, True)
        try:
            await self._answer(reply, config)
        except Stopped:
            return
        finally:
            await self._typing(reply, False)

    async def _answer(self, reply: Reply, config: Any) -> None:
        try:
            await self._stream_with_retries(reply, await self._prompt(reply, config))
            text = reply.text or (HANDOFF_TEXT if reply.handoff else NOTED if reply.tools else "")
            if not text:
                raise ReplierError("the model answered nothing")
            await self._check(reply)
            await self._save(reply, text)
        except ReplierError as exc:
            log.warning("AI reply in %s failed: %s", reply.conversation_id, exc)
            await self._check(reply)  # a human who took over meanwhile gets no apology
            await self._save(reply, SORRY)
            await self.conversations.handoff(
                reply.company_id, reply.conversation_id, Handoff.AI_FAILED
            )
            return
        if reply.handoff is not None:
            await self.conversations.handoff(
                reply.company_id, reply.conversation_id, Handoff.AI_HANDS_OFF
            )

    async def _prompt(self, reply: Reply, config: Any) -> Prompt:
        async with self.db.read() as conn:
            company = await repo.company_by_id(conn, reply.company_id)
        pairs = [(p.question, p.answer) for p in await self.knowledge.pairs(reply.company_id)]
        history = await self.conversations.recent(reply.company_id, reply.conversation_id)
        return prompts.build(company, config, pairs, history)

    async def _stream_with_retries(self, reply: Reply, prompt: Prompt) -> None:
        for attempt in range(MAX_RETRIES + 1):
            try:
                async for piece in self.replier.stream(prompt):
                    await self._take(reply, piece)
                await self._flush(reply)
                return
            except ReplierError as exc:
                # Retry only while nothing was shown: a visible reply is never restarted.
                if exc.retry_after is None or reply.index > 0 or attempt == MAX_RETRIES:
                    raise
                await asyncio.sleep(exc.retry_after)

    async def _take(self, reply: Reply, piece: Piece) -> None:
        if piece.usage is not None:
            reply.usage = piece.usage
        if piece.tool_call is not None:
            await self._tool(reply, piece.tool_call)
        if piece.text:
            reply.pending += piece.text
            if time.monotonic() - reply.flushed_at >= FLUSH_SECONDS:
                await self._flush(reply)

    async def _flush(self, reply: Reply) -> None:
        if not reply.pending:
            return
        await self._check(reply)
        data = {"reply_id": reply.reply_id, "index": reply.index, "text": reply.pending}
        reply.parts.append(reply.pending)
        reply.pending, reply.index, reply.flushed_at = "", reply.index + 1, time.monotonic()
        await self.conversations.publisher.ai_delta(
            reply.company_id, reply.conversation_id, reply.channel, data
        )

    async def _check(self, reply: Reply) -> None:
        conv = await self.conversations.require(reply.company_id, reply.conversation_id)
        if not ai_answers(State.of(conv)):
            raise Stopped

    async def _save(self, reply: Reply, text: str) -> None:
        status = "delivered" if reply.channel == "widget" else "queued"
        prompt_tokens, completion_tokens = reply.usage or (None, None)
        out = Outgoing(
            reply.channel,
            "outbound",
            "ai",
            text,
            status,
            id=reply.reply_id,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
        )
        appended = await self.conversations.append(reply.company_id, reply.conversation_id, out)
        if appended.created and status == "queued":
            self.conversations.on_queued(reply.reply_id)

    async def _typing(self, reply: Reply, active: bool) -> None:
        await self.conversations.typing(
            reply.company_id, reply.conversation_id, "ai", active, reply.channel
        )

    async def _tool(self, reply: Reply, call: ToolCall) -> None:
        await self._check(reply)  # nothing is recorded once a human has taken over
        reply.tools += 1
        args = {k: str(v)[: LIMITS.get(k, 500)] for k, v in call.arguments.items() if v}
        if call.name == "handoff_to_human":
            reply.handoff = args.get("reason", "asked for a human")
        elif call.name == "capture_lead":
            await self._capture_lead(reply, args)
        elif call.name == "request_appointment" and args.get("requested_slot"):
            await self._request_appointment(reply, args)
        else:
            log.info("ignored tool call %s", call.name)

    async def _capture_lead(self, reply: Reply, args: dict[str, str]) -> None:
        conv = await self.conversations.require(reply.company_id, reply.conversation_id)
        await leads.record_lead(
            self.db, reply.company_id, conv.contact_id, args, conversation_id=conv.id
        )
        await self.conversations.publish_conversation(reply.company_id, reply.conversation_id)

    async def _request_appointment(self, reply: Reply, args: dict[str, str]) -> None:
        conv = await self.conversations.require(reply.company_id, reply.conversation_id)
        await leads.request_appointment(
            self.db, reply.company_id, conv.contact_id, reply.conversation_id, args
        )
        await self.conversations.publish_conversation(reply.company_id, reply.conversation_id)
