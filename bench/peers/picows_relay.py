"""The bare ceiling: a picows relay with rooms in memory and nothing else.

`GET /ws?room=NAME` joins the room; every text frame is sent, as received, to the room's
other members. No JSON, no tasks per message: this is what the event loop and the kernel
cost on their own.
"""

from __future__ import annotations

import sys
from urllib.parse import parse_qs, urlsplit

import uvloop
from picows import WSFrame, WSListener, WSMsgType, WSTransport, WSUpgradeRequest, ws_create_server

from bench.peers import HOST, peer_args

Rooms = dict[str, set[WSTransport]]


class Member(WSListener):  # type: ignore[misc]
    """One socket in one room."""

    def __init__(self, rooms: Rooms, room: str) -> None:
        self.rooms = rooms
        self.room = room

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.rooms.setdefault(self.room, set()).add(transport)

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type == WSMsgType.TEXT:
            payload = frame.get_payload_as_bytes()
            for other in self.rooms.get(self.room, ()):
                if other is not transport:
                    other.send(WSMsgType.TEXT, payload)
        elif frame.msg_type == WSMsgType.CLOSE:
            transport.send_close(frame.get_close_code())
            transport.disconnect()

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        members = self.rooms.get(self.room)
        if members is not None:
            members.discard(transport)
            if not members:
                del self.rooms[self.room]


def room_of(request: WSUpgradeRequest) -> str | None:
    """The `room` query parameter of a `/ws` request, or None (a 404)."""
    parts = urlsplit(request.path.decode())
    if parts.path != "/ws":
        return None
    return parse_qs(parts.query).get("room", [""])[0]


async def serve(port: int) -> None:
    """Listen on HOST:port until killed."""
    rooms: Rooms = {}

    def factory(request: WSUpgradeRequest) -> Member | None:
        room = room_of(request)
        return None if room is None else Member(rooms, room)

    server = await ws_create_server(factory, HOST, port)
    await server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    """Entry point: `python -m bench.peers.picows_relay --port P`."""
    args = peer_args(__doc__ or "", argv)
    uvloop.run(serve(args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
