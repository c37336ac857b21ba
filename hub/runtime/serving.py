"""How uvicorn serves the hub: one set of options for `hub serve` and the test servers."""

from __future__ import annotations

from typing import Any

from hub.settings import Settings


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The keyword arguments `hub serve` gives uvicorn (beyond the app, host and port).

    Forwarded headers are believed only from `settings.trusted_proxies`: from anyone else
    they would let a client pick the address its rate limits are counted against and the
    address agents are shown."""
    return {
        "proxy_headers": True,
        "forwarded_allow_ips": list(settings.trusted_proxies),
        "ws_max_size": settings.max_frame_bytes,
        # PERFORMANCE.md: ~150-byte frames gain little from it, and it costs memory per socket
        "ws_per_message_deflate": False,
    }
