"""An agent verifies their phone through Twilio Verify: a real hub, the real `twilio` SDK, and
the fake Verify server of tests/fakes/twilio.py, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from twilio.base.exceptions import TwilioRestException

from hub.settings import Secret, Settings, SettingsError
from tests.channel_support import free_port
from tests.conftest import make_settings
from tests.fakes.serve import serve
from tests.fakes.twilio import FakeVerify, twilio_client
from tests.support.server import HubServer, start_hub

ACCOUNT_SID = "AC" + "7" * 32
AUTH_TOKEN = "verify-auth-token-0001"
SERVICE_SID = "VA" + "8" * 32
PHONE = "+15551230009"


@dataclass
class VerifyHub:
    """A hub whose Verify account is the fake's, with an owner and a plain agent."""

    server: HubServer
    fake: FakeVerify
    http: httpx.AsyncClient
    company_id: str
    owner_token: str
    agent_token: str
    agent_id: str

    async def post(self, path: str, body: dict[str, Any], token: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token or self.agent_token}"}
        return await self.http.post(path, json=body, headers=headers)

    async def get(self, path: str, token: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token or self.agent_token}"}
        response = await self.http.get(path, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()


def verify_settings(database_url: str, verify_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "twilio_verify_url": verify_url,
        "twilio_account_sid": ACCOUNT_SID,
        "twilio_auth_token": Secret(AUTH_TOKEN),
        "twilio_verify_service_sid": SERVICE_SID,
        **overrides,
    }
    return make_settings(database_url, **values)


async def invite(server: HubServer, http: httpx.AsyncClient, owner_token: str) -> dict[str, Any]:
    """A plain agent (role `agent`) of the owner's company, invited over HTTP."""
    response = await http.post(
        "/api/agents",
        json={"email": "ana@example.com", "role": "agent"},
        headers={"Authorization": f"Bearer {owner_token}"},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


@contextlib.asynccontextmanager
async def verify_hub(database_url: str, **overrides: Any) -> AsyncIterator[VerifyHub]:
    fake = FakeVerify()
    fake.add_service(ACCOUNT_SID, AUTH_TOKEN, SERVICE_SID)
    async with serve(fake.app) as verify_url:
        settings = verify_settings(database_url, verify_url, **overrides)
        async with start_hub(settings) as server, httpx.AsyncClient(base_url=server.http) as http:
            company = await server.company()
            invited = await invite(server, http, company.agent_token)
            yield VerifyHub(
                server,
                fake,
                http,
                company.company_id,
                company.agent_token,
                invited["agent_token"],
                invited["agent"]["id"],
            )


@pytest.fixture
async def vh(database_url: str) -> AsyncIterator[VerifyHub]:
    async with verify_hub(database_url) as hub:
        yield hub


def wrong(code: str) -> str:
    """A code of the same length that is certainly not `code`."""
    return "".join("1" if digit == "0" else "0" for digit in code)


def error_of(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


# -- the hub -------------------------------------------------------------------------------


async def test_an_agent_verifies_their_phone(vh: VerifyHub) -> None:
    started = await vh.post("/api/agents/me/phone", {"phone": "+1 (555) 123-0009"})
    assert started.status_code == 202, started.text
    assert started.json() == {"status": "pending", "phone": PHONE}
    # The real SDK reached the fake with the normalised number, on the platform's account.
    (sent,) = vh.fake.sent
    assert (sent["To"], sent["Channel"], sent["service_sid"]) == (PHONE, "sms", SERVICE_SID)
    headers = vh.fake.starts[0].headers
    assert headers["user-agent"].startswith("twilio-python/")
    basic = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    assert headers["authorization"] == f"Basic {basic}"

    checked = await vh.post("/api/agents/me/phone/check", {"phone": PHONE, "code": sent["code"]})
    assert checked.status_code == 200, checked.text
    verified_at = checked.json()["verified_at"]
    assert checked.json() == {"phone": PHONE, "verified_at": verified_at}

    me = await vh.get("/api/agents/me")
    assert me["phone"] == PHONE and me["phone_verified_at"] == verified_at
    assert (me["id"], me["company_id"], me["role"]) == (vh.agent_id, vh.company_id, "agent")
    assert {"email", "name", "last_sign_in_at"} <= me.keys()
    listed = {a["id"]: a for a in (await vh.get("/api/agents", vh.owner_token))["agents"]}
    assert listed[vh.agent_id]["phone"] == PHONE
    assert listed[vh.agent_id]["phone_verified_at"] == verified_at
    owner = next(a for a in listed.values() if a["id"] != vh.agent_id)
    assert owner["phone"] is None and owner["phone_verified_at"] is None


async def test_a_wrong_code_stores_nothing_and_five_lock_the_verification(vh: VerifyHub) -> None:
    assert (await vh.post("/api/agents/me/phone", {"phone": PHONE})).status_code == 202
    code = vh.fake.codes[PHONE]
    for _ in range(5):
        response = await vh.post(
            "/api/agents/me/phone/check", {"phone": PHONE, "code": wrong(code)}
        )
        assert error_of(response) == (400, "wrong_code")
    me = await vh.get("/api/agents/me")
    assert me["phone"] is None and me["phone_verified_at"] is None
    # Twilio now refuses even the right code (60202) until a new verification.
    locked = await vh.post("/api/agents/me/phone/check", {"phone": PHONE, "code": code})
    assert error_of(locked) == (429, "rate_limited")
    assert vh.fake.checks[-1].code == 60202
    assert (await vh.get("/api/agents/me"))["phone"] is None


async def test_too_many_sends_are_rate_limited(vh: VerifyHub) -> None:
    for _ in range(5):
        assert (await vh.post("/api/agents/me/phone", {"phone": PHONE})).status_code == 202
    response = await vh.post("/api/agents/me/phone", {"phone": PHONE})
    assert error_of(response) == (429, "rate_limited")
    assert vh.fake.starts[-1].code == 60203 and len(vh.fake.sent) == 5


async def test_a_check_with_no_pending_verification_is_not_found(vh: VerifyHub) -> None:
    check = {"phone": PHONE, "code": "123456"}
    assert error_of(await vh.post("/api/agents/me/phone/check", check)) == (404, "not_found")
    # Expired: Verify forgets a verification after 10 minutes.
    assert (await vh.post("/api/agents/me/phone", {"phone": PHONE})).status_code == 202
    vh.fake.expire(PHONE)
    check["code"] = vh.fake.codes[PHONE]
    assert error_of(await vh.post("/api/agents/me/phone/check", check)) == (404, "not_found")
    # Approved: the same code cannot be used twice.
    assert (await vh.post("/api/agents/me/phone", {"phone": PHONE})).status_code == 202
    check["code"] = vh.fake.codes[PHONE]
    assert (await vh.post("/api/agents/me/phone/check", check)).status_code == 200
    assert error_of(await vh.post("/api/agents/me/phone/check", check)) == (404, "not_found")


async def test_a_number_verify_cannot_text_is_a_bad_phone(vh: VerifyHub) -> None:
    # Not a number at all: refused before Twilio is asked.
    assert error_of(await vh.post("/api/agents/me/phone", {"phone": "12"})) == (400, "bad_phone")
    assert vh.fake.starts == []
    # A number Twilio itself refuses (60200).
    vh.fake.fail_next(400, 60200, "Invalid parameter `To`: +15551230009")
    assert error_of(await vh.post("/api/agents/me/phone", {"phone": PHONE})) == (400, "bad_phone")
    # A malformed body is a bad request, not a Verify call.
    response = await vh.post("/api/agents/me/phone/check", {"phone": PHONE})
    assert error_of(response) == (400, "bad_request")
    assert len(vh.fake.starts) == 1 and vh.fake.checks == []


async def test_provider_trouble_is_a_provider_error(vh: VerifyHub) -> None:
    vh.fake.fail_next(503, 20503, "Service unavailable")
    assert error_of(await vh.post("/api/agents/me/phone", {"phone": PHONE})) == (
        502,
        "provider_error",
    )
    vh.fake.fail_next(500, 20500, "Internal server error")
    check = {"phone": PHONE, "code": "123456"}
    assert error_of(await vh.post("/api/agents/me/phone/check", check)) == (502, "provider_error")


@pytest.mark.parametrize(
    "overrides",
    [
        {"twilio_auth_token": Secret("not-the-token")},  # Twilio answers 401/20003
        {"twilio_verify_service_sid": "VA" + "9" * 32},  # not the account's service: 404
        {"twilio_verify_url": f"http://127.0.0.1:{free_port()}"},  # nothing listens there
    ],
    ids=["bad-token", "unknown-service", "unreachable"],
)
async def test_a_misconfigured_or_unreachable_verify_is_a_provider_error(
    sqlite_url: str, overrides: dict[str, Any]
) -> None:
    async with verify_hub(sqlite_url, **overrides) as hub:
        response = await hub.post("/api/agents/me/phone", {"phone": PHONE})
        assert error_of(response) == (502, "provider_error")
        assert hub.fake.sent == []


@pytest.mark.parametrize(
    "missing", ["twilio_account_sid", "twilio_auth_token", "twilio_verify_service_sid"]
)
async def test_without_a_verify_account_the_endpoints_answer_503(
    database_url: str, missing: str
) -> None:
    async with verify_hub(database_url, **{missing: None}) as hub:
        for path, body in (
            ("/api/agents/me/phone", {"phone": PHONE}),
            ("/api/agents/me/phone/check", {"phone": PHONE, "code": "123456"}),
        ):
            assert error_of(await hub.post(path, body)) == (503, "not_configured")
        assert hub.fake.starts == [] and hub.fake.checks == []
        assert (await hub.get("/api/agents/me"))["phone"] is None


async def test_me_is_the_tokens_own_agent(vh: VerifyHub) -> None:
    assert (await vh.post("/api/agents/me/phone", {"phone": PHONE})).status_code == 202
    check = {"phone": PHONE, "code": vh.fake.codes[PHONE]}
    assert (await vh.post("/api/agents/me/phone/check", check)).status_code == 200

    # The owner of the same company is another agent: their /me has no phone.
    owner = await vh.get("/api/agents/me", vh.owner_token)
    assert owner["id"] != vh.agent_id and owner["role"] == "owner" and owner["phone"] is None
    # Another company sees only its own agent, and none of this company's.
    other = await vh.server.company("Other")
    theirs = await vh.get("/api/agents/me", other.agent_token)
    assert theirs["company_id"] == other.company_id and theirs["phone"] is None
    listed = (await vh.get("/api/agents", other.agent_token))["agents"]
    assert [a["id"] for a in listed] == [theirs["id"]]
    # No token, no agent.
    assert (await vh.http.get("/api/agents/me")).status_code == 401
    response = await vh.http.post("/api/agents/me/phone", json={"phone": PHONE})
    assert error_of(response) == (401, "unauthorized")


# -- settings ------------------------------------------------------------------------------


def test_settings_read_the_verify_account() -> None:
    env = {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_VERIFY_SERVICE_SID": SERVICE_SID,
        "TWILIO_VERIFY_URL": "http://127.0.0.1:9999/",
    }
    settings = Settings.from_env(env)
    assert settings.verify_configured
    assert (settings.twilio_account_sid, settings.twilio_verify_service_sid) == (
        ACCOUNT_SID,
        SERVICE_SID,
    )
    assert settings.twilio_auth_token is not None
    assert settings.twilio_auth_token.reveal() == AUTH_TOKEN
    assert AUTH_TOKEN not in repr(settings)
    assert settings.twilio_verify_url == "http://127.0.0.1:9999"
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_VERIFY_SERVICE_SID"):
        assert not Settings.from_env({**env, name: ""}).verify_configured
    assert Settings.from_env({}).twilio_verify_url == "https://verify.twilio.com"


@pytest.mark.parametrize(
    ("name", "value"),
    [("TWILIO_ACCOUNT_SID", SERVICE_SID), ("TWILIO_VERIFY_SERVICE_SID", ACCOUNT_SID)],
)
def test_a_sid_of_the_wrong_kind_is_a_settings_error(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


# -- the fake, through the real SDK --------------------------------------------------------


@pytest.fixture
async def verify_client() -> AsyncIterator[tuple[FakeVerify, Any]]:
    fake = FakeVerify()
    fake.add_service(ACCOUNT_SID, AUTH_TOKEN, SERVICE_SID)
    async with serve(fake.app) as base, twilio_client(base, ACCOUNT_SID, AUTH_TOKEN) as client:
        yield fake, client.verify.v2.services(SERVICE_SID)


async def test_the_fake_answers_verify_shapes_to_the_sdk(
    verify_client: tuple[FakeVerify, Any],
) -> None:
    fake, service = verify_client
    started = await service.verifications.create_async(to=PHONE, channel="sms")
    assert (started.status, started.valid, started.to, started.channel) == (
        "pending",
        False,
        PHONE,
        "sms",
    )
    assert started.sid.startswith("VE") and started.service_sid == SERVICE_SID
    assert started.date_created.year >= 2024  # parsed: the ISO format the SDK expects
    assert started.send_code_attempts[0]["attempt_sid"].startswith("VL")
    pending = await service.verification_checks.create_async(
        to=PHONE, code=wrong(fake.codes[PHONE])
    )
    assert (pending.status, pending.valid) == ("pending", False)
    approved = await service.verification_checks.create_async(
        verification_sid=started.sid, code=fake.codes[PHONE]
    )
    assert (approved.status, approved.valid, approved.sid) == ("approved", True, started.sid)


@pytest.mark.parametrize(
    ("call", "status", "code"),
    [
        ("start-invalid-to", 400, 60200),
        ("start-bad-channel", 400, 60200),
        ("check-unknown", 404, 20404),
        ("check-no-code", 400, 60200),
    ],
)
async def test_the_fake_refuses_like_verify(
    verify_client: tuple[FakeVerify, Any], call: str, status: int, code: int
) -> None:
    _, service = verify_client
    requests = {
        "start-invalid-to": lambda: service.verifications.create_async(to="5551", channel="sms"),
        "start-bad-channel": lambda: service.verifications.create_async(to=PHONE, channel="fax"),
        "check-unknown": lambda: service.verification_checks.create_async(to=PHONE, code="1234"),
        "check-no-code": lambda: service.verification_checks.create_async(to=PHONE),
    }
    with pytest.raises(TwilioRestException) as raised:
        await requests[call]()
    assert (raised.value.status, raised.value.code) == (status, code)


async def test_the_fake_checks_basic_auth() -> None:
    fake = FakeVerify()
    fake.add_service(ACCOUNT_SID, AUTH_TOKEN, SERVICE_SID)
    async with serve(fake.app) as base, twilio_client(base, ACCOUNT_SID, "wrong") as client:
        with pytest.raises(TwilioRestException) as raised:
            await client.verify.v2.services(SERVICE_SID).verifications.create_async(
                to=PHONE, channel="sms"
            )
    assert (raised.value.status, raised.value.code) == (401, 20003)
    assert fake.sent == [] and fake.starts[0].status == 401
