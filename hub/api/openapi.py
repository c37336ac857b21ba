"""The OpenAPI 3.1 document of the hub's HTTP API, built from the routes themselves.

Every `Route` of the app is walked: its path, methods and path parameters come from the
route; summary, auth, body, query and answer from the handler's `@describe`
(hub.api.describe), the schemas from the pydantic models' `model_json_schema()`. A route
that is neither described nor marked undocumented is an error, not a silent gap. Served at
`GET /api/openapi.json` (built once per process) and browsable at `GET /api/docs`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from importlib import metadata
from types import UnionType
from typing import Any

from pydantic import BaseModel
from starlette.convertors import FloatConvertor, IntegerConvertor
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from hub.api.describe import Model, Operation, describe, is_undocumented, operation_of, scopes_of
from hub.api.pages import INBOX_HEADERS, STATIC
from hub.api.schemas import ErrorBody

REF = "#/components/schemas/{model}"
SECURITY_SCHEMES = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "An agent token (`hub token`, `hub company create`) or an API key "
        "(`lok_…`, made in Settings → API keys). A key's scopes limit it: `read` for GET, "
        "`write` for other calls, `admin` for owner-only ones.",
    },
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": "hub_session",
        "description": "A browser session from /api/account/signin (`__Host-hub_session` "
        "over HTTPS).",
    },
    "csrf": {
        "type": "apiKey",
        "in": "header",
        "name": "X-CSRF-Token",
        "description": "With the session cookie, on every call but GET: the session's "
        "`csrf_token`.",
    },
    "widgetKey": {
        "type": "apiKey",
        "in": "query",
        "name": "key",
        "description": "The company's public widget key, with `Authorization: Bearer "
        "SESSION_ID` of the visitor's widget session.",
    },
}


class Undescribed(Exception):
    """A route whose handler has no `@describe` for one of its methods."""


def build(routes: Iterable[BaseRoute]) -> dict[str, Any]:
    """The document of every described route (raises Undescribed for a forgotten one)."""
    components: dict[str, Any] = {}
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        if not isinstance(route, Route) or is_undocumented(route.endpoint):
            continue
        for method in sorted((route.methods or set()) - {"HEAD", "OPTIONS"}):
            found = operation_of(route.endpoint, method)
            if found is None:
                raise Undescribed(f"{method} {route.path} has no @describe")
            item = _operation(route, method, found, components)
            paths.setdefault(route.path, {})[method.lower()] = item
    _schema(ErrorBody, components)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "LeadOp Hub API",
            "version": _version(),
            "description": "Every HTTP route of the hub (docs/protocol.md has the sockets, "
            'provider webhooks and pages). Errors are `{"error": {"code", "message"}}`.',
        },
        "paths": paths,
        "components": {"schemas": components, "securitySchemes": SECURITY_SCHEMES},
    }


def _version() -> str:
    try:
        return metadata.version("leadop-hub")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "0.0.0"


def _operation(
    route: Route, method: str, op: Operation, components: dict[str, Any]
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "operationId": f"{method.lower()}_{_slug(route.path)}",
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": [*_path_parameters(route), *_query_parameters(op.query)],
        "responses": _responses(op, components),
        "security": _security(op, method),
    }
    if op.description:
        item["description"] = op.description
    if op.auth == "agent" or op.auth == "owner":
        item["x-scopes"] = scopes_of(op, method)
    body = _request_body(op, components)
    if body is not None:
        item["requestBody"] = body
    return item


def _slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", path.lower()).strip("_") or "root"


def _path_parameters(route: Route) -> list[dict[str, Any]]:
    out = []
    for name, convertor in route.param_convertors.items():
        kind = "string"
        if isinstance(convertor, IntegerConvertor):
            kind = "integer"
        elif isinstance(convertor, FloatConvertor):
            kind = "number"
        schema: dict[str, Any] = {"type": kind}
        if kind == "string":
            schema["minLength"] = 1
        out.append({"name": name, "in": "path", "required": True, "schema": schema})
    return out


def _query_parameters(model: type[BaseModel] | None) -> list[dict[str, Any]]:
    if model is None:
        return []
    schema = model.model_json_schema()
    required = set(schema.get("required", ()))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": _not_null(field)}
        for name, field in schema.get("properties", {}).items()
    ]


def _not_null(field: dict[str, Any]) -> dict[str, Any]:
    """An optional query parameter's schema without pydantic's `null`: a query string has
    no null, the parameter is absent instead."""
    kinds = [k for k in field.get("anyOf", ()) if k != {"type": "null"}]
    if len(kinds) != 1:
        return field
    rest = {k: v for k, v in field.items() if k not in ("anyOf", "default")}
    return {**kinds[0], **rest}


def _request_body(op: Operation, components: dict[str, Any]) -> dict[str, Any] | None:
    if op.upload is not None:
        binary = {"type": "string", "format": "binary"}
        return {"required": True, "content": {op.upload: {"schema": binary}}}
    if op.body is None:
        return None
    schema = _schema(op.body, components, mode="validation")
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _responses(op: Operation, components: dict[str, Any]) -> dict[str, Any]:
    error = {"$ref": REF.format(model=ErrorBody.__name__)}
    errors = {"content": {"application/json": {"schema": error}}}
    if op.status == 204:
        ok: dict[str, Any] = {"description": "Done, no body"}
    elif op.produces != "application/json":
        ok = {"description": "OK", "content": {op.produces: {"schema": {"type": "string"}}}}
    else:
        schema = (
            _schema(op.response, components, mode="serialization")
            if op.response is not None
            else {"type": "object"}
        )
        ok = {"description": "OK", "content": {"application/json": {"schema": schema}}}
    return {
        str(op.status): ok,
        "4XX": {"description": "Refused: see `error.code`", **errors},
    }


def _security(op: Operation, method: str) -> list[dict[str, list[str]]]:
    session: dict[str, list[str]] = {"session": []}
    if method != "GET":
        session["csrf"] = []
    if op.auth in ("agent", "owner"):
        return [{"bearer": []}, session]
    if op.auth == "session":
        return [session]
    if op.auth == "widget":
        return [{"widgetKey": [], "bearer": []}]
    return []


def _schema(model: Model, components: dict[str, Any], mode: str = "validation") -> Any:
    """A `$ref` to the model's schema, which goes into `components` with its own `$defs`
    (`anyOf` the models of a union)."""
    if isinstance(model, UnionType):
        return {"anyOf": [_schema(m, components, mode) for m in model.__args__]}
    schema = model.model_json_schema(ref_template=REF, mode=mode)  # type: ignore[arg-type]
    for name, definition in schema.pop("$defs", {}).items():
        _keep(components, name, definition)
    _keep(components, model.__name__, schema)
    return {"$ref": REF.format(model=model.__name__)}


def _keep(components: dict[str, Any], name: str, schema: Any) -> None:
    known = components.setdefault(name, schema)
    if known != schema:
        raise ValueError(f"two different models are both named {name}")


# -- served ------------------------------------------------------------------------------------

_built: dict[int, bytes] = {}  # the document of each app object, as sent


@describe(auth="public", summary="This document")
async def openapi_json(request: Request) -> Response:
    """The OpenAPI 3.1 document of the API, built once per process from its routes."""
    key = id(request.app)
    if key not in _built:
        routes: Sequence[BaseRoute] = request.app.routes
        _built[key] = json.dumps(build(routes), separators=(",", ":")).encode()
    headers = {"Cache-Control": "public, max-age=300"}
    return Response(_built[key], media_type="application/json", headers=headers)


@describe(auth="public", summary="The API, browsable", produces="text/html")
async def docs_page(_request: Request) -> HTMLResponse:
    """A page that renders /api/openapi.json (the hub's own script; no CDN, no inline code)."""
    page = (STATIC / "api-docs.html").read_text(encoding="utf-8")
    return HTMLResponse(page, headers=INBOX_HEADERS)
