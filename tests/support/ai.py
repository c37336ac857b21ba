"""Hubs whose AI streams from a fake Groq server, through the real groq SDK."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from hub.settings import Secret
from tests.channel_support import ChannelHub, channel_hub
from tests.conftest import make_settings
from tests.fakes.groq import FakeGroq
from tests.fakes.serve import serve
from tests.support.server import HubServer, start_hub


@contextlib.asynccontextmanager
async def groq_hub(
    database_url: str, **overrides: object
) -> AsyncIterator[tuple[HubServer, FakeGroq]]:
    """A hub on a loopback port with GROQ_API_KEY / GROQ_BASE_URL pointing at the fake;
    `overrides` are further Settings fields (e.g. a short groq_stream_idle_timeout)."""
    fake = FakeGroq()
    async with serve(fake.app) as base:
        settings = make_settings(
            database_url, groq_api_key=Secret(fake.api_key), groq_base_url=base, **overrides
        )
        async with start_hub(settings) as server:
            yield server, fake
        fake.release()


@contextlib.asynccontextmanager
async def groq_channel_hub(database_url: str) -> AsyncIterator[tuple[ChannelHub, FakeGroq]]:
    """A channel hub (fake Twilio and Kapso) whose company's AI is on and streams from Groq."""
    fake = FakeGroq()
    async with serve(fake.app) as base:
        key = Secret(fake.api_key)
        async with channel_hub(database_url, groq_api_key=key, groq_base_url=base) as ch:
            on = await ch.http.put(
                ch.url("/api/ai-settings"), json={"enabled": True}, headers=ch.auth
            )
            assert on.status_code == 200, on.text
            yield ch, fake
        fake.release()
