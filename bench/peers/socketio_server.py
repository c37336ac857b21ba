"""python-socketio: `socketio.AsyncServer(async_mode="asgi")` under uvicorn.

Events: `join(room)` enters the room and acknowledges with "ok"; `msg(room, text)` emits
`msg(text)` to the room, the sender skipped. With `--redis`, an `AsyncRedisManager` carries
emits between processes (its default configuration, on a channel named by `--prefix`).
"""

from __future__ import annotations

import sys

import socketio
import uvicorn

from bench.peers import HOST, peer_args


def build(redis_url: str | None, channel: str) -> socketio.ASGIApp:
    """The Socket.IO server and its two events, as an ASGI app."""
    manager = None
    if redis_url is not None:
        manager = socketio.AsyncRedisManager(redis_url, channel=channel)
    sio = socketio.AsyncServer(async_mode="asgi", client_manager=manager)

    @sio.event  # type: ignore[untyped-decorator]
    async def join(sid: str, room: str) -> str:
        await sio.enter_room(sid, room)
        return "ok"

    @sio.event  # type: ignore[untyped-decorator]
    async def msg(sid: str, room: str, text: str) -> None:
        await sio.emit("msg", text, room=room, skip_sid=sid)

    return socketio.ASGIApp(sio)


def main(argv: list[str] | None = None) -> int:
    """Entry point: `python -m bench.peers.socketio_server --port P [--redis URL]`."""
    args = peer_args(__doc__ or "", argv, redis=True)
    app = build(args.redis, f"{args.prefix}-socketio")
    uvicorn.run(app, host=HOST, port=args.port, log_level="warning", access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
