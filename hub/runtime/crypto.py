"""Credentials at rest: Fernet (AES-128-CBC + HMAC-SHA256) under keys derived from secrets.

The key is derived from HUB_SECRET_KEY with HKDF, so the one secret the operator manages
also protects stored credentials. Rotation: set the new HUB_SECRET_KEY and list the old one
in HUB_SECRET_KEY_PREVIOUS; everything still decrypts, new writes use the new key, and
`hub rotate-secrets` re-encrypts what is stored.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from hub.settings import Secret

_INFO = b"leadop-hub credentials v1"


class DecryptionError(Exception):
    """Ciphertext that none of the configured keys opens."""


def _fernet(secret: Secret) -> Fernet:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO)
    return Fernet(base64.urlsafe_b64encode(hkdf.derive(secret.reveal().encode())))


class Vault:
    """Encrypts with the current key; decrypts with the current or any previous one."""

    def __init__(self, current: Secret, previous: tuple[Secret, ...] = ()) -> None:
        self._fernet = MultiFernet([_fernet(current), *map(_fernet, previous)])

    def seal(self, values: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(values).encode()).decode()

    def open(self, token: str) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken:
            raise DecryptionError("no configured key opens these credentials") from None
        return data

    def rotate(self, token: str) -> str:
        """The same plaintext under the current key."""
        try:
            return self._fernet.rotate(token.encode()).decode()
        except InvalidToken:
            raise DecryptionError("no configured key opens these credentials") from None


def mask(value: str | None) -> str | None:
    """Show only the last four characters of a secret."""
    if not value:
        return value
    return "•" * 4 + value[-4:] if len(value) > 8 else "•" * 4
