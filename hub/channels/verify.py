"""Phone verification through Twilio Verify v2: send a code by SMS, then check it.

It runs on the platform's own Verify account (settings `TWILIO_ACCOUNT_SID`,
`TWILIO_AUTH_TOKEN`, `TWILIO_VERIFY_SERVICE_SID`), never on a company's SMS integration.
Every refusal is a `VerifyFailed` whose `code` says why (PROVIDERS.md 2.2 for Twilio's codes).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, NoReturn

from twilio.base.exceptions import TwilioRestException, TwilioServiceException

from hub.channels.phones import BadPhone, e164
from hub.channels.twilio_sms import TRANSPORT_ERRORS, twilio_client
from hub.errors import HubError
from hub.settings import Secret, Settings

# Twilio's error codes onto ours: a number Verify will not text, and its abuse limits.
BAD_PHONE_CODES = {60200, 21211, 21614, 60205}  # invalid To, not SMS-capable, landline
RATE_LIMIT_CODES = {60202, 60203, 20429}  # checks, sends, requests


class VerifyFailed(HubError):
    """A verification step that did not succeed; `code` is one of `bad_phone`,
    `rate_limited`, `not_found`, `wrong_code`, `provider_error`."""


@dataclass(frozen=True)
class PhoneVerifier:
    """Starts and checks SMS verifications on one Verify service with the `twilio` SDK."""

    account_sid: str
    auth_token: Secret
    service_sid: str
    verify_url: str

    @classmethod
    def from_settings(cls, settings: Settings) -> PhoneVerifier | None:
        """The verifier the settings describe, or None when Verify is not configured."""
        if not settings.verify_configured:
            return None
        assert settings.twilio_auth_token is not None  # verify_configured says so
        return cls(
            str(settings.twilio_account_sid),
            settings.twilio_auth_token,
            str(settings.twilio_verify_service_sid),
            settings.twilio_verify_url,
        )

    async def start(self, raw_phone: str) -> str:
        """Text a code to the number; answer it in E.164. Starting again within the
        verification's life re-sends the same code (and counts against Twilio's limit)."""
        phone = normalise(raw_phone)
        await self._call(
            lambda service: service.verifications.create_async(to=phone, channel="sms")
        )
        return phone

    async def check(self, raw_phone: str, code: str) -> str:
        """The E.164 number once `code` is the one sent to it; `VerifyFailed` otherwise
        (`wrong_code` while the verification stays open for another try)."""
        phone = normalise(raw_phone)
        result = await self._call(
            lambda service: service.verification_checks.create_async(to=phone, code=code),
            checking=True,
        )
        _require_approved(str(result.status))
        return phone

    async def _call(
        self, request: Callable[[Any], Awaitable[Any]], *, checking: bool = False
    ) -> Any:
        """Run one SDK request against the service, turning Twilio's errors into ours."""
        try:
            async with twilio_client(
                self.account_sid, self.auth_token.reveal(), verify_url=self.verify_url
            ) as client:
                return await request(client.verify.v2.services(self.service_sid))
        except (TwilioRestException, TwilioServiceException) as exc:
            _raise_for(int(exc.status), exc.code, checking)
        except TRANSPORT_ERRORS as exc:
            raise VerifyFailed("provider_error", f"Twilio Verify unreachable: {exc!r}") from None


def normalise(raw_phone: str) -> str:
    """E.164, or `bad_phone` before anything is sent to Twilio."""
    try:
        return e164(raw_phone)
    except BadPhone as exc:
        raise VerifyFailed("bad_phone", str(exc)) from None


def _require_approved(status: str) -> None:
    """A check answers 200 with the verification's status; only `approved` proves the phone."""
    if status == "approved":
        return
    if status == "pending":
        raise VerifyFailed("wrong_code", "that code is not the one sent to this number")
    if status == "max_attempts_reached":
        raise VerifyFailed("rate_limited", "too many wrong codes: start a new verification")
    raise VerifyFailed("not_found", f"the verification is {status}: start a new one")


def _raise_for(status: int, code: int | None, checking: bool) -> NoReturn:
    """Twilio's HTTP status and error code as a `VerifyFailed`."""
    if code in BAD_PHONE_CODES:
        raise VerifyFailed("bad_phone", f"Twilio Verify cannot text this number ({code})")
    if status == 429 or code in RATE_LIMIT_CODES:
        raise VerifyFailed("rate_limited", f"too many attempts for this number ({code})")
    if status == 404 and checking:
        # No pending verification for the number: never started, expired after 10 minutes,
        # or already approved. (On a start, 404 means our service SID is wrong.)
        raise VerifyFailed("not_found", "no pending verification for this number: start one")
    # 401/403 (our own credentials), 5xx and anything unexpected: not the caller's fault.
    raise VerifyFailed("provider_error", f"Twilio Verify failed (HTTP {status}, code {code})")
