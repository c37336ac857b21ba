"""Provider accounts per company: stored encrypted, shown masked, found by number."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hub.persistence import repository as repo
from hub.persistence.db import Database
from hub.persistence.models import new_id, utcnow
from hub.runtime.crypto import Vault, mask

# provider -> (routing field, public fields, secret fields)
FIELDS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "twilio": ("phone_number", ("account_sid", "phone_number"), ("auth_token",)),
    "kapso": ("phone_number_id", ("phone_number_id",), ("api_key", "webhook_secret")),
}


@dataclass(frozen=True)
class Account:
    """A company's provider account with its credentials decrypted (never serialised)."""

    company_id: str
    provider: str
    creds: dict[str, Any]

    def __repr__(self) -> str:
        return f"Account({self.company_id!r}, {self.provider!r}, creds=<hidden>)"


class AddressTaken(Exception):
    """Another company already routes this number or phone_number_id."""


class IntegrationService:
    def __init__(self, db: Database, vault: Vault) -> None:
        self.db = db
        self.vault = vault

    async def put(self, company_id: str, provider: str, values: dict[str, str]) -> dict[str, Any]:
        """Store (replace) the company's account for `provider`; returns the masked view."""
        route, public, secret = FIELDS[provider]
        settings = {name: values[name] for name in public}
        sealed = self.vault.seal({name: values[name] for name in secret})
        row = {"settings": settings, "secrets": sealed, "address": values[route]}
        try:
            await self._store(company_id, provider, row)
        except IntegrityError:
            raise AddressTaken(values[route]) from None
        return self.masked(provider, settings, {name: values[name] for name in secret})

    async def _store(self, company_id: str, provider: str, row: dict[str, Any]) -> None:
        async with self.db.write() as conn:
            table = repo.integrations
            existing = await repo.one(
                conn,
                select(table.c.id).where(
                    table.c.company_id == company_id, table.c.provider == provider
                ),
            )
            if existing is None:
                values_ = {"id": new_id(), "company_id": company_id, "provider": provider}
                await conn.execute(table.insert().values(**values_, **row, updated_at=utcnow()))
            else:
                stmt = table.update().where(table.c.id == existing.id)
                await conn.execute(stmt.values(**row, updated_at=utcnow()))

    async def get(self, company_id: str, provider: str) -> dict[str, Any] | None:
        account = await self.for_company(company_id, provider)
        if account is None:
            return None
        _, public, secret = FIELDS[provider]
        settings = {name: account.creds[name] for name in public}
        return self.masked(provider, settings, {name: account.creds[name] for name in secret})

    async def by_address(self, provider: str, address: str) -> Account | None:
        """The account a webhook is for: Twilio by its number, Kapso by phone_number_id."""
        table = repo.integrations
        return await self._load(table.c.provider == provider, table.c.address == address)

    async def for_company(self, company_id: str, provider: str) -> Account | None:
        table = repo.integrations
        return await self._load(table.c.provider == provider, table.c.company_id == company_id)

    async def _load(self, *where: Any) -> Account | None:
        async with self.db.read() as conn:
            row = await repo.one(conn, select(repo.integrations).where(*where))
        if row is None:
            return None
        creds = {**row.settings, **self.vault.open(row.secrets)}
        return Account(row.company_id, row.provider, creds)

    @staticmethod
    def masked(provider: str, settings: dict[str, Any], secrets: dict[str, str]) -> dict[str, Any]:
        return {
            "provider": provider,
            **settings,
            **{name: mask(value) for name, value in secrets.items()},
            "configured": True,
        }


async def rotate_secrets(db: Database, vault: Vault) -> int:
    """Re-encrypt every stored credential under the current key; returns how many."""
    table = repo.integrations
    async with db.write() as conn:
        rows = (await conn.execute(select(table.c.id, table.c.secrets))).all()
        for row in rows:
            stmt = table.update().where(table.c.id == row.id)
            await conn.execute(stmt.values(secrets=vault.rotate(row.secrets)))
    return len(rows)
