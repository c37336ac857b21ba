"""The one route table: every HTTP method and path once, and both sockets in it."""

from __future__ import annotations

from collections import Counter

from starlette.routing import Route, WebSocketRoute

from hub.api.routes import ROUTES, SOCKETS


def test_every_method_and_path_is_routed_once() -> None:
    pairs = Counter(
        (route.path, method)
        for route in ROUTES
        if isinstance(route, Route)
        for method in route.methods or ()
    )
    assert pairs and max(pairs.values()) == 1, [p for p, n in pairs.items() if n > 1]
    sockets = {route.path for route in ROUTES if isinstance(route, WebSocketRoute)}
    assert sockets == set(SOCKETS) == {"/ws/widget", "/ws/agent"}
