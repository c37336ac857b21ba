"""Passwords: argon2id through argon2-cffi (OWASP's first choice), never home-made.

Hashing costs tens of milliseconds of CPU and 64 MiB on purpose, so it runs in a worker
thread, off the event loop. A sign-in for an email with no account still verifies against a
dummy hash, so the answer takes as long as for a real one (no enumeration by timing).
"""

from __future__ import annotations

import asyncio
import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 8  # OWASP's floor; no composition rules, long passphrases welcome
MAX_LENGTH = 128  # an upper bound so a megabyte "password" cannot cost a megabyte of hashing

# argon2-cffi's defaults are RFC 9106's low-memory profile of argon2id (t=3, m=64 MiB, p=4).
_hasher = PasswordHasher()


class PasswordRefused(ValueError):
    """The password breaks a rule; the message says which."""


def check_rules(password: str, email: str | None = None) -> None:
    """Raise PasswordRefused for a password too short, too long, or equal to the email."""
    if len(password) < MIN_LENGTH:
        raise PasswordRefused(f"a password has at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise PasswordRefused(f"a password has at most {MAX_LENGTH} characters")
    if email is not None and password.strip().lower() == email.strip().lower():
        raise PasswordRefused("a password must not be the email address")


async def hash_password(password: str) -> str:
    """The argon2id hash (salt and parameters encoded in it)."""
    return await asyncio.to_thread(_hasher.hash, password)


@functools.cache
def _dummy() -> str:
    return _hasher.hash("no account has this password")


async def verify_password(stored: str | None, password: str) -> bool:
    """Whether `password` matches `stored`; with no hash, as slow as a real check, False."""
    return await asyncio.to_thread(_verify, stored, password)


def _verify(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _dummy(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False
