"""The property-based API tester (issue 21): schemathesis generates requests from the hub's
own /api/openapi.json for every operation, valid and invalid ones, and sends them to a live
hub on SQLite (a seeded company, an owner's API key with every scope, phone verification on
the fake Twilio Verify). No answer may be a 5xx. A few examples an operation keep the whole
run within CI's budget; a failure lists every request that got one, as sent."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from tests.fakes.serve import serve
from tests.fakes.twilio import FakeVerify
from tests.support.server import start_hub
from tests.test_verify import ACCOUNT_SID, AUTH_TOKEN, SERVICE_SID, verify_settings

# Per operation, valid and invalid requests together; HUB_FUZZ_EXAMPLES asks for a longer
# hunt on a laptop.
EXAMPLES = int(os.environ.get("HUB_FUZZ_EXAMPLES", "8"))
# Each of these hashes a password (argon2id, on purpose slow): fewer examples.
SLOW = {"/api/account/signup", "/api/account/signin", "/api/account/reset", "/api/account/accept"}
LAST = ("DELETE", "/api/company")  # erases the company the rest of the run calls as


async def test_no_operation_answers_a_server_error(sqlite_url: str) -> None:
    fake = FakeVerify()
    fake.add_service(ACCOUNT_SID, AUTH_TOKEN, SERVICE_SID)
    async with (
        serve(fake.app) as verify_url,
        start_hub(verify_settings(sqlite_url, verify_url)) as server,
    ):
        company = await server.company("Fuzzed Inc")
        owner = {"Authorization": f"Bearer {company.agent_token}"}
        async with httpx.AsyncClient(base_url=server.http, headers=owner) as http:
            made = await http.post("/api/api-keys", json={"name": "fuzz", "role": "owner"})
        key = made.json()["key"]
        failures = await asyncio.to_thread(_run, server.http, key)
    assert not failures, "\n".join(sorted(set(failures)))


def _run(base_url: str, key: str) -> list[str]:
    """Every operation's generated requests, sent; what got a 5xx."""
    schema = schemathesis.openapi.from_url(f"{base_url}/api/openapi.json")
    operations = sorted((r.ok() for r in schema.get_all_operations()), key=_last)
    assert len(operations) >= 80
    headers = {"Authorization": f"Bearer {key}"}
    failures: list[str] = []
    for operation in operations:
        examples = max(EXAMPLES // 3, 1) if operation.path in SLOW else EXAMPLES
        strategy = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )

        @hypothesis_settings(
            max_examples=examples,
            deadline=None,
            database=None,
            phases=[Phase.generate],  # no shrinking: the failing request is listed as sent
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def check(case: Any) -> None:
            response = case.call(base_url=base_url, headers=headers, timeout=30)
            if response.status_code >= 500:
                sent = f"{case.method} {case.formatted_path} {case.query} {case.body!r:.300}"
                failures.append(f"{response.status_code} {response.text[:200]}: {sent}")

        check()
    return failures


def _last(operation: Any) -> bool:
    return (operation.method.upper(), operation.path) == LAST
