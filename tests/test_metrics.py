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
    """hub.collector: generation 2 never starts from allocations; a full collection's pause
    is observed in hub_gc_pause_seconds."""
    import gc

    from hub.collector import NEVER, collect_fully

    assert gc.get_threshold()[2] == NEVER
    before = sample(await scrape(hub), "hub_gc_pause_seconds_count", generation="2")
    await collect_fully()
    after = sample(await scrape(hub), "hub_gc_pause_seconds_count", generation="2")
    assert after == before + 1
