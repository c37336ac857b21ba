"""Placeholder: filled in by the analytics work."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
