"""A company's widget settings (look, language, pre-chat form) and its identity secret.

The settings reach the widget in `welcome` (`config`, built from the row the widget socket
reads with its company). The secret signs the company's own user ids: a page that embeds the
widget for a signed-in user passes `user_id` and `user_hash` = hex HMAC-SHA256(secret,
user_id), computed on the company's server, as Intercom's `user_hash` and Chatwoot's
`identifier_hash` are. It is stored encrypted (hub.runtime.crypto) and shown once, when it
is created or rotated.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.persistence import repository as repo
from hub.persistence.db import Database
from hub.persistence.models import utcnow
from hub.runtime.crypto import DecryptionError, Vault
from hub.runtime.digests import same_secret

DEFAULTS: dict[str, Any] = {
    "greeting": None,  # None: the widget's own greeting, in its language
    "color": "#1d4e89",
    "text_color": "#ffffff",
    "position": "right",
    "language": "auto",  # the visitor's browser language when the widget has it, else English
    "pre_chat_form": False,
    "rating_enabled": True,  # ask for a satisfaction rating when an agent resolves
}
LANGUAGES = ("auto", "en", "es")
SECRET_PREFIX = "whs_"


def widget_config(row: Any) -> dict[str, Any]:
    """The `welcome.config` object: the company's name and its settings (or the defaults),
    from a `repository.widget_company` row. Never the secret."""
    config: dict[str, Any] = {"name": row.name}
    for name, default in DEFAULTS.items():
        value = getattr(row, name)
        config[name] = default if value is None else value
    return config


def user_hash(secret: str, user_id: str) -> str:
    """The hash a company's server computes for its signed-in user (docs/protocol.md)."""
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


class WidgetSettingsService:
    """Reads and writes `widget_settings`; checks a signed-in user's hash."""

    def __init__(self, db: Database, vault: Vault) -> None:
        self.db = db
        self.vault = vault

    async def get(self, company_id: str) -> dict[str, Any]:
        """The settings as the API shows them: every field, and whether identity
        verification is on (a secret exists). Never the secret."""
        async with self.db.read() as conn:
            row = await _row(conn, company_id)
        return _view(row)

    async def put(self, company_id: str, values: dict[str, Any]) -> dict[str, Any]:
        """Replace the settings (the secret is kept)."""
        changes = {name: values[name] for name in DEFAULTS}
        async with self.db.write() as conn:
            await _upsert(conn, company_id, changes)
            row = await _row(conn, company_id)
        return _view(row)

    async def new_secret(self, company_id: str) -> str:
        """Create or replace the identity secret and return it: the only time it is shown.
        The previous secret stops verifying at once."""
        secret = SECRET_PREFIX + secrets.token_urlsafe(32)  # 256 random bits
        sealed = self.vault.seal({"secret": secret})
        async with self.db.write() as conn:
            await _upsert(conn, company_id, {"secret": sealed})
        return secret

    def verified(self, sealed: str | None, user_id: str, claimed: str) -> bool:
        """Whether `claimed` is the HMAC of `user_id` under the sealed secret (compared in
        constant time; hex in any case). False without a secret."""
        if sealed is None:
            return False
        try:
            secret = str(self.vault.open(sealed)["secret"])
        except DecryptionError:
            return False
        return same_secret(claimed.lower(), user_hash(secret, user_id))


async def _row(conn: AsyncConnection, company_id: str) -> Any:
    table = repo.widget_settings
    return await repo.one(conn, select(table).where(table.c.company_id == company_id))


async def _upsert(conn: AsyncConnection, company_id: str, values: dict[str, Any]) -> None:
    table = repo.widget_settings
    values = {**values, "updated_at": utcnow()}
    if await _row(conn, company_id) is None:
        row = {**DEFAULTS, "company_id": company_id, **values}
        await conn.execute(table.insert().values(**row))
    else:
        stmt = table.update().where(table.c.company_id == company_id)
        await conn.execute(stmt.values(**values))


def _view(row: Any) -> dict[str, Any]:
    view = dict(DEFAULTS) if row is None else {name: getattr(row, name) for name in DEFAULTS}
    view["identity_verification"] = row is not None and row.secret is not None
    return view


async def rotate_widget_secrets(db: Database, vault: Vault) -> int:
    """Re-encrypt every widget secret under the current key (`hub rotate-secrets`)."""
    table = repo.widget_settings
    async with db.write() as conn:
        rows = (
            await conn.execute(
                select(table.c.company_id, table.c.secret).where(table.c.secret.is_not(None))
            )
        ).all()
        for row in rows:
            stmt = table.update().where(table.c.company_id == row.company_id)
            await conn.execute(stmt.values(secret=vault.rotate(row.secret)))
    return len(rows)
