"""Django Channels with channels_redis (RedisChannelLayer), served by uvicorn.

A minimal settings module configured in code, one consumer: `GET /ws/ROOM/` adds the socket
to the group ROOM before accepting; a text frame is `group_send` to the room and written by
every other member's consumer (the sender skips its own copy).
"""

from __future__ import annotations

import sys
from typing import Any

import django
from django.conf import settings

from bench.peers import HOST, peer_args


def configure(redis_url: str, prefix: str) -> None:
    """Django settings: no database, no middleware, the Redis channel layer."""
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-only",
        ALLOWED_HOSTS=["*"],
        INSTALLED_APPS=["channels"],
        DATABASES={},
        CHANNEL_LAYERS={
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [redis_url], "prefix": prefix},
            }
        },
    )
    django.setup()


def application() -> Any:
    """The ASGI application: one websocket route to the room consumer."""
    from channels.generic.websocket import AsyncWebsocketConsumer
    from channels.routing import ProtocolTypeRouter, URLRouter
    from django.urls import path

    class RoomConsumer(AsyncWebsocketConsumer):  # type: ignore[misc]
        async def connect(self) -> None:
            self.room = self.scope["url_route"]["kwargs"]["room"]
            await self.channel_layer.group_add(self.room, self.channel_name)
            await self.accept()

        async def disconnect(self, code: int) -> None:
            await self.channel_layer.group_discard(self.room, self.channel_name)

        async def receive(self, text_data: str | None = None, bytes_data: Any = None) -> None:
            event = {"type": "relay", "text": text_data, "sender": self.channel_name}
            await self.channel_layer.group_send(self.room, event)

        async def relay(self, event: dict[str, Any]) -> None:
            if event["sender"] != self.channel_name:
                await self.send(text_data=event["text"])

    routes = [path("ws/<str:room>/", RoomConsumer.as_asgi())]
    return ProtocolTypeRouter({"websocket": URLRouter(routes)})


def main(argv: list[str] | None = None) -> int:
    """Entry point: `python -m bench.peers.channels_server --port P --redis URL`."""
    import uvicorn

    args = peer_args(__doc__ or "", argv, redis=True)
    configure(args.redis or "redis://127.0.0.1:6379/0", f"{args.prefix}-channels")
    app = application()
    uvicorn.run(app, host=HOST, port=args.port, log_level="warning", access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
