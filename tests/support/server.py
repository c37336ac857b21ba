"""A real hub served by uvicorn on a loopback port, inside the test's event loop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import uvicorn

from hub.app import create_app
from hub.runtime.serving import uvicorn_options
from hub.settings import Settings
from hub.state import Hub
from hub.workspace.companies import CreatedCompany, create_company
from hub.workspace.onboarding import set_dismissed


@dataclass
class HubServer:
    settings: Settings
    port: int
    app_state: object

    @property
    def hub(self) -> Hub:
        return self.app_state.hub  # type: ignore[attr-defined, no-any-return]

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def company(
        self, name: str = "Acme", *, ai: bool = False, onboarding: bool = False
    ) -> CreatedCompany:
        """A new company; its AI stays quiet unless `ai` (socket tests want only humans), and
        its owner's onboarding walkthrough is dismissed unless `onboarding` (it would open by
        itself over the inbox the browser tests drive)."""
        created = await create_company(self.hub.db, self.settings, name)
        if not ai:
            await self.hub.knowledge.update_ai_config(created.company_id, {"enabled": False})
        if not onboarding:
            await set_dismissed(self.hub.db, created.company_id, True)
        return created


@contextlib.asynccontextmanager
async def start_hub(settings: Settings, port: int = 0) -> AsyncIterator[HubServer]:
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        **uvicorn_options(settings),  # what `hub serve` gives uvicorn, trusted proxies too
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(15):
            while not server.started:
                if task.done():
                    task.result()
                    raise RuntimeError("hub exited during start-up")
                await asyncio.sleep(0.01)
        bound = server.servers[0].sockets[0].getsockname()[1]
        yield HubServer(settings, bound, app.state)
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 15)
