"""Starlette + uvicorn relay: the same rooms as the picows relay, with the hub's stack.

`GET /ws?room=NAME` joins the room; every text frame goes to the room's other members.
uvicorn keeps its defaults (permessage-deflate is negotiated when the client offers it),
which is what PERFORMANCE.md measured as the memory reference.
"""

from __future__ import annotations

import sys

import uvicorn
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from bench.peers import HOST, peer_args

ROOMS: dict[str, set[WebSocket]] = {}


async def relay(websocket: WebSocket) -> None:
    """Join the room, pass every frame on, leave on disconnect."""
    room = websocket.query_params.get("room", "")
    await websocket.accept()
    members = ROOMS.setdefault(room, set())
    members.add(websocket)
    try:
        while True:
            text = await websocket.receive_text()
            for other in tuple(members):
                if other is not websocket:
                    await other.send_text(text)
    except WebSocketDisconnect:
        pass
    finally:
        members.discard(websocket)


app = Starlette(routes=[WebSocketRoute("/ws", relay)])


def main(argv: list[str] | None = None) -> int:
    """Entry point: `python -m bench.peers.starlette_relay --port P`."""
    args = peer_args(__doc__ or "", argv)
    uvicorn.run(app, host=HOST, port=args.port, log_level="warning", access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
