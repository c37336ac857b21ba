"""The widget bundle, the agent inbox and the demo page, served from the package itself."""

from __future__ import annotations

import html
from importlib import resources

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from hub.api.describe import undocumented
from hub.api.errors import ApiError
from hub.state import hub_of

STATIC = resources.files("hub") / "static"
TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
# Every script and style sheet of the package's static folder (the inbox's modules import
# each other by name; the pages themselves are served by their own routes).
PUBLIC = frozenset(f.name for f in STATIC.iterdir() if f.name.endswith(tuple(TYPES)))


# The inbox holds agents' tokens: only the hub's own scripts and styles may run in it (no
# inline code, no other origin), images from the hub and the attachments' blob: URLs, only
# the hub's own pages in a frame (the walkthrough's widget preview), and no other site may
# frame it.
INBOX_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self' ws: wss:; frame-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
INBOX_HEADERS = {
    "Content-Security-Policy": INBOX_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _read(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


@undocumented("an HTML page or static file")
async def asset(request: Request) -> Response:
    name = request.path_params.get("name", "widget.js")
    if name not in PUBLIC or not (STATIC / name).is_file():
        raise ApiError(404, "not_found", "no such file")
    suffix = name[name.rfind(".") :]
    headers = {"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"}
    return Response(_read(name), media_type=TYPES[suffix], headers=headers)


@undocumented("an HTML page or static file")
async def inbox(_request: Request) -> HTMLResponse:
    return HTMLResponse(_read("inbox.html"), headers=INBOX_HEADERS)


@undocumented("an HTML page or static file")
async def demo(request: Request) -> HTMLResponse:
    """A sample company page with the demo company's widget on it."""
    key = await hub_of(request).demo_widget_key()
    if key is None:
        raise ApiError(404, "not_found", "start the hub with --demo to seed the demo company")
    page = _read("demo.html").replace("{{WIDGET_KEY}}", html.escape(key, quote=True))
    return HTMLResponse(page)


# The account pages (issue 19): one document, one script (account.js); the path picks the
# form shown. `/` is the landing page with Sign up and Sign in.
ACCOUNT_PAGES = {
    "/": ("landing", "LeadOp Hub"),
    "/signup": ("signup", "Sign up"),
    "/login": ("login", "Sign in"),
    "/forgot": ("forgot", "Forgot your password"),
    "/reset": ("reset", "Choose a new password"),
    "/verify": ("verify", "Confirm your email"),
    "/invite": ("invite", "Join your team"),
}


@undocumented("an HTML page or static file")
async def account(request: Request) -> HTMLResponse:
    page, title = ACCOUNT_PAGES[request.url.path]
    text = _read("account.html").replace("{{PAGE}}", page).replace("{{TITLE}}", title)
    return HTMLResponse(text, headers=INBOX_HEADERS)
