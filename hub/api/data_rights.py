"""Placeholder: filled in by the data_rights work."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
