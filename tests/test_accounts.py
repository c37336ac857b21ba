"""Accounts on the embedded default (issue 19): sign-up with verification by mail (a real
local SMTP server), sign-in, cookie sessions (flags, listing, sign-out everywhere else),
CSRF, password reset, no enumeration, throttling; bearer tokens keep working."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email.message import EmailMessage

import httpx
import pytest

from hub.settings import Secret
from tests.conftest import make_settings
from tests.support.server import HubServer, start_hub
from tests.support.smtp import Inbox, smtp_server

OWNER = {
    "company": "Acme",
    "name": "Ada Owner",
    "email": "ada@acme.example",
    "password": "correct horse battery",
}


@dataclass
class World:
    server: HubServer
    inbox: Inbox
    http: httpx.AsyncClient


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    async with smtp_server() as (url, inbox):
        settings = make_settings(database_url, smtp_url=Secret(url))
        async with (
            start_hub(settings) as server,
            httpx.AsyncClient(base_url=server.http, timeout=10) as http,
        ):
            yield World(server, inbox, http)


def link(mail: EmailMessage, page: str) -> str:
    body = mail.get_body(("plain",))
    assert body is not None
    found = re.search(rf"/{page}#token=(\S+)", body.get_content())
    assert found, body.get_content()
    return found.group(1)


async def signed_up(world: World, **changes: str) -> httpx.Response:
    """Sign up and follow the verification link: the verify answer (cookie set)."""
    answer = await world.http.post("/api/account/signup", json={**OWNER, **changes})
    assert answer.status_code == 202
    mails = await world.inbox.wait(len(world.inbox.mails) + 1)
    verified = await world.http.post(
        "/api/account/verify", json={"token": link(mails[-1], "verify")}
    )
    assert verified.status_code == 200, verified.text
    return verified


def cookie_of(answer: httpx.Response) -> str:
    (header,) = answer.headers.get_list("set-cookie")
    return header


async def test_sign_up_verify_sign_in_and_sign_out_everywhere(world: World) -> None:
    verified = await signed_up(world)
    header = cookie_of(verified)
    assert header.startswith("hub_session=") and "HttpOnly" in header
    assert "samesite=lax" in header.lower() and "Secure" not in header  # plain http here
    csrf = verified.json()["csrf_token"]
    me = (await world.http.get("/api/agents/me")).json()  # by cookie alone
    assert (me["name"], me["email"], me["role"]) == ("Ada Owner", "ada@acme.example", "owner")
    assert me["email_verified"] and me["has_password"]

    again = await world.http.post(
        "/api/account/verify", json={"token": link(world.inbox.mails[0], "verify")}
    )
    assert (
        again.status_code == 400 and again.json()["error"]["code"] == "invalid_link"
    )  # single use

    async with httpx.AsyncClient(base_url=world.server.http) as laptop:
        signin = await laptop.post(
            "/api/account/signin", json={"email": "ADA@acme.example", "password": OWNER["password"]}
        )
        assert signin.status_code == 200
        assert cookie_of(signin) != header  # a new session id at every sign-in
        sessions = (await world.http.get("/api/sessions")).json()["sessions"]
        assert len(sessions) == 2 and sum(s["current"] for s in sessions) == 1
        out = await world.http.delete("/api/sessions/others", headers={"X-CSRF-Token": csrf})
        assert out.status_code == 204
        assert (await laptop.get("/api/session")).status_code == 401
    assert (await world.http.get("/api/session")).status_code == 200
    assert (
        await world.http.delete("/api/session", headers={"X-CSRF-Token": csrf})
    ).status_code == 204
    assert (await world.http.get("/api/session")).status_code == 401


async def test_secure_host_cookie_over_https_from_a_trusted_proxy(world: World) -> None:
    """127.0.0.1 is a trusted proxy by default: its X-Forwarded-Proto makes the request
    HTTPS, so the cookie is Secure and `__Host-` prefixed."""
    await signed_up(world)
    https = {"X-Forwarded-Proto": "https"}
    answer = await world.http.post(
        "/api/account/signin",
        json={"email": OWNER["email"], "password": OWNER["password"]},
        headers=https,
    )
    header = cookie_of(answer)
    assert header.startswith("__Host-hub_session=") and "Secure" in header and "Path=/" in header
    raw = header.split(";")[0].split("=", 1)[1]
    cookie = {"Cookie": f"__Host-hub_session={raw}", **https}
    async with httpx.AsyncClient(base_url=world.server.http) as fresh:
        assert (await fresh.get("/api/session", headers=cookie)).status_code == 200


async def test_csrf_token_and_origin_on_cookie_requests(world: World) -> None:
    csrf = (await signed_up(world)).json()["csrf_token"]
    body = {"auto_assign": True, "assign_cap": 3}
    missing = await world.http.put("/api/inbox-settings", json=body)
    assert missing.status_code == 403 and missing.json()["error"]["code"] == "csrf"
    wrong = await world.http.put(
        "/api/inbox-settings", json=body, headers={"X-CSRF-Token": "0" * 64}
    )
    assert wrong.status_code == 403
    foreign = await world.http.put(
        "/api/inbox-settings",
        json=body,
        headers={"X-CSRF-Token": csrf, "Origin": "http://evil.example"},
    )
    assert foreign.status_code == 403
    assert (await world.http.get("/api/inbox-settings")).json()[
        "assign_cap"
    ] != 3  # nothing changed
    own = await world.http.put(
        "/api/inbox-settings",
        json=body,
        headers={"X-CSRF-Token": csrf, "Origin": world.server.http},
    )
    assert own.status_code == 200 and own.json()["assign_cap"] == 3
    # a sign-in form posted from another site is refused too (login CSRF)
    forged = await world.http.post(
        "/api/account/signin",
        json={"email": OWNER["email"], "password": "x"},
        headers={"Origin": "http://evil.example"},
    )
    assert forged.status_code == 403


async def test_bearer_tokens_need_no_csrf_and_exchange_for_a_session(world: World) -> None:
    company = await world.server.company("Globex")
    bearer = {"Authorization": f"Bearer {company.agent_token}"}
    async with httpx.AsyncClient(base_url=world.server.http) as script:
        put = await script.put(
            "/api/inbox-settings", json={"auto_assign": False, "assign_cap": 4}, headers=bearer
        )
        assert put.status_code == 200
        exchanged = await script.post("/api/session", headers=bearer)
        assert exchanged.status_code == 201
        assert (await script.get("/api/agents/me")).json()["company_id"] == company.company_id
        socket = (await script.get("/api/session/socket-token")).json()
        assert socket["expires_in"] == 120
    assert (await world.http.post("/api/session")).status_code == 401


async def test_no_answer_tells_whether_an_email_has_an_account(world: World) -> None:
    await signed_up(world)
    known, unknown = OWNER["email"], "nobody@acme.example"
    answers = []
    for email in (known, unknown):
        signin = await world.http.post(
            "/api/account/signin", json={"email": email, "password": "wrong password!"}
        )
        forgot = await world.http.post("/api/account/forgot", json={"email": email})
        signup = await world.http.post("/api/account/signup", json={**OWNER, "email": email})
        answers.append([(a.status_code, a.content) for a in (signin, forgot, signup)])
    assert answers[0] == answers[1]
    assert answers[0][0][0] == 401 and answers[0][1][0] == 202 and answers[0][2][0] == 202
    # the known address got a reset link and an "already have an account" mail
    mails = await world.inbox.wait(4)
    subjects = {(m["To"], m["Subject"]) for m in mails}
    assert (known, "Reset your LeadOp Hub password") in subjects
    assert (known, "You already have a LeadOp Hub account") in subjects
    assert (unknown, "Confirm your email for LeadOp Hub") in subjects  # a new sign-up


async def test_password_reset_ends_every_session(world: World) -> None:
    await signed_up(world)
    assert (
        await world.http.post("/api/account/forgot", json={"email": OWNER["email"]})
    ).status_code == 202
    token = link((await world.inbox.wait(2))[-1], "reset")
    short = await world.http.post("/api/account/reset", json={"token": token, "password": "short"})
    assert short.status_code == 400 and short.json()["error"]["code"] == "bad_password"
    done = await world.http.post(
        "/api/account/reset", json={"token": token, "password": "a brand new passphrase"}
    )
    assert done.status_code == 200
    assert (await world.http.get("/api/session")).status_code == 401  # signed out everywhere
    reused = await world.http.post(
        "/api/account/reset", json={"token": token, "password": "another passphrase"}
    )
    assert reused.status_code == 400
    old = await world.http.post(
        "/api/account/signin", json={"email": OWNER["email"], "password": OWNER["password"]}
    )
    assert old.status_code == 401
    new = await world.http.post(
        "/api/account/signin", json={"email": OWNER["email"], "password": "a brand new passphrase"}
    )
    assert new.status_code == 200


async def test_an_unverified_owner_cannot_sign_in(world: World) -> None:
    await world.http.post("/api/account/signup", json=OWNER)
    await world.inbox.wait(1)
    answer = await world.http.post(
        "/api/account/signin", json={"email": OWNER["email"], "password": OWNER["password"]}
    )
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "unverified"


async def test_sign_up_needs_a_name_and_a_password_of_eight(world: World) -> None:
    nameless = await world.http.post("/api/account/signup", json={**OWNER, "name": "  "})
    assert nameless.status_code == 400
    short = await world.http.post("/api/account/signup", json={**OWNER, "password": "seven77"})
    assert short.status_code == 400 and short.json()["error"]["code"] == "bad_password"


async def test_sign_in_is_throttled_per_account_and_per_address(sqlite_url: str) -> None:
    settings = make_settings(sqlite_url, sign_in_per_account=(0.001, 3), sign_in_per_ip=(0.001, 5))
    async with start_hub(settings) as server, httpx.AsyncClient(base_url=server.http) as http:

        async def attempt(email: str) -> int:
            answer = await http.post(
                "/api/account/signin", json={"email": email, "password": "guess guess"}
            )
            return answer.status_code

        assert [await attempt("a@acme.example") for _ in range(4)] == [401, 401, 401, 429]
        assert [await attempt("b@acme.example") for _ in range(2)] == [
            401,
            429,
        ]  # the address's 5 spent


async def test_the_demo_owner_signs_in_with_the_printed_password(world: World) -> None:
    """`hub serve --demo` prints an email and a password: they sign in, as a named owner,
    and a second start gives a new password (the old one stops working)."""
    from hub.workspace.companies import demo_company

    first = await demo_company(world.server.hub.db, world.server.settings)
    second = await demo_company(world.server.hub.db, world.server.settings)
    assert first.company_id == second.company_id and first.owner_password != second.owner_password

    async def sign_in(password: str) -> httpx.Response:
        body = {"email": second.owner_email, "password": password}
        return await world.http.post("/api/account/signin", json=body)

    assert (await sign_in(first.owner_password)).status_code == 401
    assert (await sign_in(second.owner_password)).status_code == 200
    agents = (await world.http.get("/api/agents")).json()["agents"]
    assert [(a["name"], a["role"]) for a in agents] == [("Demo Owner", "owner")]  # never nameless
