"""Graceful shutdown: SIGTERM closes every socket with 1012 (service restart), the process
exits cleanly, and after a restart a visitor resumes where it was, losing nothing."""

from __future__ import annotations

import asyncio
import signal

from tests.conftest import SECRET
from tests.support.clients import Agent, Widget
from tests.support.processes import hub_processes, make_company

SERVICE_RESTART = 1012


async def test_sigterm_closes_sockets_1012_and_a_restart_resumes(sqlite_url: str) -> None:
    async with hub_processes(
        1, database_url=sqlite_url, redis_url=None, secret_key=SECRET.reveal()
    ) as (hub,):
        company = await make_company(hub)
        agent = await Agent.open(hub.ws, company.agent_token)
        widget = await Widget.open(hub.ws, company.widget_key)
        said = await widget.say("before the restart")
        await agent.message("before the restart")

        assert hub.proc is not None
        hub.proc.terminate()
        closes = await asyncio.gather(widget.closed(), agent.closed())
        assert closes == [SERVICE_RESTART, SERVICE_RESTART]
        # uvicorn finishes its shutdown, then re-raises the signal it caught.
        assert await asyncio.to_thread(hub.proc.wait, 10) in (0, -signal.SIGTERM)
        assert hub.log_errors() == []

        hub.spawn()
        await hub.wait_health()
        session = widget.welcome["session_id"]
        again = await Widget.open(hub.ws, company.widget_key, session_id=session, last_seq=0)
        assert again.welcome["conversation_id"] == said["conversation_id"]
        replayed = await again.message("before the restart")
        assert replayed["id"] == said["id"] and replayed["seq"] == 1
        await again.close()
