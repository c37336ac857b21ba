"""Peer servers for `python -m bench.compare`: the same workloads, nothing persisted.

One small module each, every one started as its own process by the driver:

    python -m bench.peers.picows_relay --port P          # the bare ceiling
    python -m bench.peers.starlette_relay --port P       # Starlette + uvicorn, no framework
    python -m bench.peers.socketio_server --port P [--redis URL --channel NAME]
    python -m bench.peers.channels_server --port P --redis URL --prefix NAME

The relays take `/ws?room=NAME` and pass every text frame to the room's other members.
python-socketio speaks Socket.IO (`join` with an acknowledgement, then `msg` events);
Channels takes `/ws/NAME/` and joins the group before accepting. Each keeps its framework's
defaults (uvicorn negotiates permessage-deflate when offered), as a team would deploy it.
"""

from __future__ import annotations

import argparse

HOST = "127.0.0.1"


def peer_args(description: str, argv: list[str] | None, redis: bool = False) -> argparse.Namespace:
    """The peers' shared command line: the port, and for Redis-backed ones the URL and a name."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--port", type=int, required=True)
    if redis:
        parser.add_argument("--redis", default=None, help="redis:// URL; none: one process")
        parser.add_argument("--prefix", default="bench", help="keeps concurrent runs apart")
    return parser.parse_args(argv)
