"""Phone numbers in E.164, whatever shape a provider or a person wrote them in."""

from __future__ import annotations

import phonenumbers


class BadPhone(ValueError):
    """Not a phone number we can route."""


def e164(raw: str) -> str:
    """`+15551234567` from `whatsapp:+1 555-123-4567`, `15551234567` (a WhatsApp wa_id), …"""
    text = raw.strip().removeprefix("whatsapp:").strip()
    if not text.startswith("+"):
        text = "+" + text  # providers send international digits without the plus
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException as exc:
        raise BadPhone(f"not a phone number: {raw!r}") from exc
    if not phonenumbers.is_possible_number(number):
        raise BadPhone(f"not a possible phone number: {raw!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
