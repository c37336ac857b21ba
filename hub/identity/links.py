"""What every single-use link shares (verification, reset, invitation): the secret's
SHA-256, kept at rest instead of it; the refusal of a link; an email's normal form.

A leaf of hub.identity, so that accepting an invitation (hub.identity.joining) and Supabase
sign-in, which tokens imports, need nothing that imports tokens.
"""

from __future__ import annotations

import hashlib


class LinkInvalid(Exception):
    """The link is unknown, used, expired, or its agent deactivated."""


def digest(raw: str) -> str:
    """SHA-256 hex of a secret: what the database keeps instead of it."""
    return hashlib.sha256(raw.encode()).hexdigest()


def normal_email(email: str) -> str:
    return email.strip().lower()
