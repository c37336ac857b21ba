"""Integrations: owners only, encrypted at rest, masked on the way out, keys rotatable."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from hub.persistence import repository as repo
from hub.runtime.crypto import DecryptionError, Vault
from hub.settings import Secret
from tests.channel_support import AUTH_TOKEN, KAPSO_KEY, KAPSO_SECRET, ChannelHub, channel_hub


@pytest.fixture
async def ch(database_url: str) -> AsyncIterator[ChannelHub]:
    async with channel_hub(database_url) as hub:
        yield hub


async def test_secrets_are_masked_encrypted_and_owner_only(ch: ChannelHub) -> None:
    shown = (await ch.http.get(ch.url("/api/integrations/twilio"), headers=ch.auth)).json()
    assert shown["account_sid"].startswith("AC") and shown["configured"] is True
    assert AUTH_TOKEN not in str(shown) and shown["auth_token"].endswith(AUTH_TOKEN[-4:])
    kapso = (await ch.http.get(ch.url("/api/integrations/kapso"), headers=ch.auth)).json()
    assert KAPSO_KEY not in str(kapso) and KAPSO_SECRET not in str(kapso)

    async with ch.server.hub.db.read() as conn:
        rows = (await conn.execute(repo.integrations.select())).all()
    stored = " ".join(str(tuple(row)) for row in rows)
    for secret in (AUTH_TOKEN, KAPSO_KEY, KAPSO_SECRET):
        assert secret not in stored

    from hub.workspace.companies import agent_token

    token = await agent_token(
        ch.server.hub.db, ch.server.settings, ch.company.company_id, "agent", "a@example.com"
    )
    body = {"account_sid": "AC" + "2" * 32, "auth_token": "x" * 20, "phone_number": "+15550001111"}
    refused = await ch.http.put(
        ch.url("/api/integrations/twilio"), json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    bad = await ch.http.put(
        ch.url("/api/integrations/twilio"), json={**body, "phone_number": "abc"}, headers=ch.auth
    )
    assert bad.status_code == 400
    assert (await ch.http.get(ch.url("/api/integrations/nope"), headers=ch.auth)).status_code == 404


async def test_one_number_belongs_to_one_company(ch: ChannelHub) -> None:
    other = await ch.server.company("Globex")
    body = {"api_key": "k" * 10, "phone_number_id": "123456789012345", "webhook_secret": "s" * 10}
    taken = await ch.http.put(
        ch.url("/api/integrations/kapso"),
        json=body,
        headers={"Authorization": f"Bearer {other.agent_token}"},
    )
    assert taken.status_code == 409


def test_key_rotation_keeps_old_ciphertext_readable() -> None:
    old, new = Secret("old-secret-key-0123456789"), Secret("new-secret-key-9876543210")
    sealed = Vault(old).seal({"auth_token": "t0k3n"})
    rotated_vault = Vault(new, (old,))
    assert rotated_vault.open(sealed) == {"auth_token": "t0k3n"}
    resealed = rotated_vault.rotate(sealed)
    assert Vault(new).open(resealed) == {"auth_token": "t0k3n"}
    with pytest.raises(DecryptionError):
        Vault(new).open(sealed)


async def test_rotate_secrets_re_encrypts_what_is_stored(sqlite_url: str) -> None:
    import asyncio
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    async with channel_hub(sqlite_url) as hub:
        db_url = hub.server.settings.database_url
        old = hub.server.settings.secret_key.reveal()
    hub_bin = str(Path(sys.executable).with_name("hub"))
    env = {**os.environ, "DATABASE_URL": db_url, "HUB_SECRET_KEY": "brand-new-secret-key-123"}

    def rotate() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [hub_bin, "rotate-secrets"], env=env, capture_output=True, text=True, timeout=60
        )

    without_old = await asyncio.to_thread(rotate)
    assert without_old.returncode == 1 and "no configured key" in without_old.stderr
    env["HUB_SECRET_KEY_PREVIOUS"] = old
    rotated = await asyncio.to_thread(rotate)
    assert rotated.returncode == 0, rotated.stderr
    assert json.loads(rotated.stdout) == {"rotated": 2}
    from hub.channels.integrations import IntegrationService
    from hub.persistence.db import Database

    db = Database(db_url)
    try:
        service = IntegrationService(db, Vault(Secret("brand-new-secret-key-123")))
        account = await service.by_address("twilio", "+15559870002")
        assert account is not None and account.creds["auth_token"] == AUTH_TOKEN
    finally:
        await db.close()
