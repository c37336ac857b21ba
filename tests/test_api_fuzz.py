"""The property-based API tester (issue 21): schemathesis generates requests from the hub's
own /api/openapi.json for every operation, valid and invalid ones, and sends them to a live
hub on SQLite (a seeded company with a conversation, a contact, a teammate, a Q&A pair, a
canned response and an invitation; an owner's API key with every scope; phone verification on
the fake Twilio Verify). Half the requests name the seeded objects in their path, so the
handlers run past their 404s. No answer may be a 5xx, and every answer must have the shape
the document gives it (the response models, the error object). A few examples an operation keep the
whole run within CI's budget; a failure lists every request that got one, as sent.

Also here: the regression tests of what the fuzzing found."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.conftest import make_settings
from tests.fakes.serve import serve
from tests.fakes.twilio import FakeVerify
from tests.support.seeding import utc, widget_conversation
from tests.support.server import HubServer, start_hub
from tests.test_verify import ACCOUNT_SID, AUTH_TOKEN, SERVICE_SID, verify_settings

# Per operation, valid and invalid requests together; HUB_FUZZ_EXAMPLES asks for a longer
# hunt on a laptop.
EXAMPLES = int(os.environ.get("HUB_FUZZ_EXAMPLES", "8"))
# Each of these hashes a password (argon2id, on purpose slow): fewer examples.
SLOW = {"/api/account/signup", "/api/account/signin", "/api/account/reset", "/api/account/accept"}
# Only a person manages API keys (a key gets 403 there): these run as the owner's token.
AS_OWNER = ("/api/api-keys",)


async def test_no_operation_answers_a_server_error(sqlite_url: str) -> None:
    fake = FakeVerify()
    fake.add_service(ACCOUNT_SID, AUTH_TOKEN, SERVICE_SID)
    async with (
        serve(fake.app) as verify_url,
        start_hub(verify_settings(sqlite_url, verify_url)) as server,
    ):
        tokens, known = await _seed(server)
        failures = await asyncio.to_thread(_run, server.http, tokens, known)
    assert not failures, "\n".join(sorted(set(failures)))


async def _seed(server: HubServer) -> tuple[tuple[str, str], dict[str, str]]:
    """An owner's API key with every scope and the owner's token, and the ids of one object
    of each kind."""
    company = await server.company("Fuzzed Inc")
    owner = {"Authorization": f"Bearer {company.agent_token}"}
    async with server.hub.db.write() as conn:
        contact_id, conversation_id = await widget_conversation(
            conn, company.company_id, ["hello", "price?"], utc("2026-01-05T09:00:00"),
            dt.timedelta(minutes=1), name="Ann",
        )  # fmt: skip
    async with httpx.AsyncClient(base_url=server.http, headers=owner) as http:
        key = await _made(http, "/api/api-keys", {"name": "fuzz", "role": "owner"})
        pair = await _made(http, "/api/qa", {"question": "Open?", "answer": "9 to 5"})
        canned = await _made(http, "/api/canned-responses", {"shortcut": "hi", "text": "Hi!"})
        agent = await _made(http, "/api/agents", {"email": "ana@example.com"})
        invitation = await _made(http, "/api/invitations", {"email": "bo@example.com"})
    return (key["key"], company.agent_token), {
        "conversation_id": conversation_id,
        "contact_id": contact_id,
        "pair_id": pair["id"],
        "response_id": canned["id"],
        "agent_id": agent["agent"]["id"],
        "invitation_id": invitation["invitation"]["id"],
        "provider": "twilio",
    }


async def _made(http: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await http.post(path, json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def _run(base_url: str, tokens: tuple[str, str], known: dict[str, str]) -> list[str]:
    """Every operation's generated requests, sent; what got a 5xx."""
    schema = schemathesis.openapi.from_url(f"{base_url}/api/openapi.json")
    operations = sorted((r.ok() for r in schema.get_all_operations()), key=_rank)
    assert len(operations) >= 80
    failures: list[str] = []
    sent = [0]
    for operation in operations:
        token = tokens[1] if operation.path.startswith(AS_OWNER) else tokens[0]
        call = _Call(base_url, {"Authorization": f"Bearer {token}"}, known, failures, sent)
        _fuzz(operation, call)
    assert sent[0] >= len(operations) * 2, f"only {sent[0]} requests sent"  # it did run
    print(f"{sent[0]} requests to {len(operations)} operations")  # shown with -s
    return failures


@dataclass
class _Call:
    base_url: str
    headers: dict[str, str]
    known: dict[str, str]  # path parameter -> a seeded object's id
    failures: list[str]
    sent: list[int]  # one counter, shared by every operation's calls

    def __call__(self, case: Any, real: bool) -> None:
        if real and case.path_parameters:
            case.path_parameters = {
                name: self.known.get(name, value) for name, value in case.path_parameters.items()
            }
        response = case.call(base_url=self.base_url, headers=self.headers, timeout=30)
        self.sent[0] += 1
        sent = f"{case.method} {case.formatted_path} {case.query} {case.body!r:.300}"
        if response.status_code >= 500:
            self.failures.append(f"{response.status_code} {response.text[:200]}: {sent}")
            return
        try:  # the answer has the shape the document says (its pydantic models)
            case.validate_response(response, checks=[response_schema_conformance])
        except FailureGroup as exc:
            self.failures.append(f"answer not as documented ({exc!s:.300}): {sent}")


def _fuzz(operation: Any, call: _Call) -> None:
    """`EXAMPLES` generated requests of the operation, valid and invalid mixed."""
    strategy = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )
    examples = max(EXAMPLES // 3, 1) if operation.path in SLOW else EXAMPLES

    @hypothesis_settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],  # no shrinking: the failing request is listed as sent
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy, real=st.booleans())
    def run(case: Any, real: bool) -> None:
        call(case, real)

    run()


def _rank(operation: Any) -> int:
    """Deletions after the rest, then handing ownership on (the key's owner stops being
    one), then erasing the company the run calls as."""
    method, path = operation.method.upper(), operation.path
    if (method, path) == ("DELETE", "/api/company"):
        return 3
    if path.endswith("/transfer-ownership"):
        return 2
    return 1 if method == "DELETE" else 0


# -- what the fuzzing found -------------------------------------------------------------------

SURROGATE = "\ud800"  # half a pair: Python's JSON parser accepts its escape, UTF-8 cannot hold it


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/api/company", {"name": "x", "allowed_origins": [SURROGATE]}),
        ("PUT", "/api/company", {"name": "x", SURROGATE: 1}),
        ("POST", "/api/qa", {"question": SURROGATE, "answer": "a"}),
        (
            "PUT",
            "/api/business-hours",
            {"timezone": "UTC", "schedule": {}, "reply_text": SURROGATE},
        ),
        ("PATCH", "/api/agents/me", {"name": SURROGATE}),
    ],
)
async def test_an_unpaired_surrogate_is_a_400_not_a_500(
    hub: HubServer, method: str, path: str, body: dict[str, Any]
) -> None:
    company = await hub.company("Acme")
    headers = {"Authorization": f"Bearer {company.agent_token}"}
    raw = json.dumps(body)  # ASCII: the surrogate travels as its escape, as any client may send
    async with httpx.AsyncClient(base_url=hub.http, headers=headers) as http:
        refused = await http.request(method, path, content=raw)
        assert refused.status_code == 400, refused.text
        assert "surrogate" in refused.json()["error"]["message"]
        paired = json.dumps({"name": "\U0001f600"})  # a whole pair is one character: fine
        assert (await http.put("/api/company", content=paired)).status_code == 200
        assert (await http.get("/api/company")).json()["name"] == "\U0001f600"


async def test_out_of_range_numbers_and_days_are_not_500s(database_url: str) -> None:
    """A seq past a 32-bit integer (PostgreSQL's column) and days whose next day is past
    year 9999 were 500s."""
    async with start_hub(make_settings(database_url)) as hub:
        company = await hub.company("Acme")
        async with hub.hub.db.write() as conn:
            _contact, conversation_id = await widget_conversation(
                conn, company.company_id, ["hello"], utc("2026-01-05T09:00:00"),
                dt.timedelta(minutes=1),
            )  # fmt: skip
        headers = {"Authorization": f"Bearer {company.agent_token}"}
        async with httpx.AsyncClient(base_url=hub.http, headers=headers) as http:
            messages = f"/api/conversations/{conversation_id}/messages"
            for after, expected in (("99999999999999999999", []), ("-" + "9" * 20, ["hello"])):
                page = await http.get(messages, params={"after_seq": after})
                assert page.status_code == 200, page.text
                assert [m["text"] for m in page.json()["messages"]] == expected
            for start, end in (("9999-12-30", "9999-12-31"), ("0001-01-01", "0001-01-02")):
                refused = await http.get("/api/analytics", params={"from": start, "to": end})
                assert refused.status_code == 400, refused.text
                assert "must be from 1970-01-01 to 9000-12-31" in refused.text
            ok = await http.get("/api/analytics", params={"from": "2026-01-01", "to": "2026-01-31"})
            assert ok.status_code == 200
