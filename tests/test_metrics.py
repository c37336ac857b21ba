"""`GET /metrics`: Prometheus counters that move with the traffic (read as deltas: the
registry is per process and other tests share it)."""

from __future__ import annotations

import re

import httpx

from hub.settings import Secret
from tests.conftest import make_settings
from tests.support.clients import Agent, Widget
from tests.support.server import HubServer, start_hub


def sample(text: str, name: str, **labels: str) -> float:
    """One sample's value from the exposition text (0 when absent)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    pattern = re.escape(name + (f"{{{wanted}}}" if wanted else "")) + r" ([0-9.e+-]+)"
    match = re.search(pattern, text)
    return float(match.group(1)) if match else 0.0


async def scrape(server: HubServer) -> str:
    async with httpx.AsyncClient() as http:
        answer = await http.get(server.http + "/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    return answer.text


async def test_metrics_follow_sockets_and_messages(hub: HubServer) -> None:
    company = await hub.company("Acme")
    before = await scrape(hub)
    agent = await Agent.open(hub.ws, company.agent_token)
    widget = await Widget.open(hub.ws, company.widget_key)
    await widget.say("hello")
    await agent.message("hello")
    during = await scrape(hub)
    for kind in ("widget", "agent"):
        assert (
            sample(during, "hub_connections", kind=kind)
            == sample(before, "hub_connections", kind=kind) + 1
        )
    stored = sample(during, "hub_messages_total", channel="widget", sender="visitor")
    assert stored == sample(before, "hub_messages_total", channel="widget", sender="visitor") + 1
    # Two deliveries (the visitor's echo and the agent), one append, one batch at least.
    assert (
        sample(during, "hub_delivery_seconds_count")
        >= sample(before, "hub_delivery_seconds_count") + 2
    )
    assert (
        sample(during, "hub_append_seconds_count") == sample(before, "hub_append_seconds_count") + 1
    )
    assert sample(during, "hub_group_commit_batch_size_count") > sample(
        before, "hub_group_commit_batch_size_count"
    )
    await widget.close()
    await agent.close()


async def test_metrics_token(sqlite_url: str) -> None:
    settings = make_settings(sqlite_url, metrics_token=Secret("scrape-me-please"))
    async with start_hub(settings) as server, httpx.AsyncClient() as http:
        refused = await http.get(server.http + "/metrics")
        assert refused.status_code == 401
        wrong = await http.get(server.http + "/metrics", headers={"Authorization": "Bearer no"})
        assert wrong.status_code == 401
        allowed = await http.get(
            server.http + "/metrics", headers={"Authorization": "Bearer scrape-me-please"}
        )
        assert allowed.status_code == 200 and "hub_connections" in allowed.text


async def test_full_collections_run_on_schedule_not_on_allocation_counts(
    hub: HubServer,
) -> None:
    """hub.collector: generation 2 never starts from allocations; a due collection runs and
    is observed in hub_gc_pause_seconds."""
    import gc

    from hub.runtime.collector import NEVER, FullCollections

    assert gc.get_threshold()[2] == NEVER
    assert not await FullCollections(interval=3600).tick()  # neither due nor grown
    before = sample(await scrape(hub), "hub_gc_pause_seconds_count", generation="2")
    assert await FullCollections(interval=0).tick()  # the interval alone is enough
    after = sample(await scrape(hub), "hub_gc_pause_seconds_count", generation="2")
    assert after == before + 1


# Run in a fresh interpreter: nothing else allocates or frees memory there meanwhile.
GROWTH_SCRIPT = """
import asyncio, gc
from hub.runtime.collector import FullCollections, tune_collector

class Cycle:
    def __init__(self):
        self.me = self
        self.ballast = b"x" * 64 * 1024  # written, so resident

async def main():
    tune_collector()
    collections = FullCollections(interval=3600, growth_kib=8 * 1024)
    assert not await collections.tick()
    held = [Cycle() for _ in range(256)]  # 16 MiB, long-lived like a socket's objects
    gc.collect(1)  # they survive the young collections into the old generation
    del held  # and become garbage held only by reference cycles, as a closed socket's do
    junk = [[n] for n in range(200_000)]  # many young collections meanwhile
    del junk
    assert any(isinstance(o, Cycle) for o in gc.get_objects())  # no automatic full collection
    assert await collections.tick()  # resident memory grew past 8 MiB: collected now
    assert not any(isinstance(o, Cycle) for o in gc.get_objects())
    print("ok")

asyncio.run(main())
"""


def test_a_full_collection_comes_early_when_memory_grows() -> None:
    """Closed sockets leave reference cycles: a process whose memory grows collects them
    then, long before the hourly backstop."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", GROWTH_SCRIPT], capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip() == "ok", done.stderr
