"""Settings from the environment, and the CLI as the contract gives it."""

from __future__ import annotations

import json
import os
import queue
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from hub.settings import Settings, SettingsError


def test_defaults_are_safe_for_a_laptop(tmp_path: Path) -> None:
    db = tmp_path / "hub.db"
    settings = Settings.from_env({"DATABASE_URL": f"sqlite:///{db}"})
    assert settings.database_url == f"sqlite+aiosqlite:///{db}"
    assert settings.redis_url is None
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.public_url == "http://127.0.0.1:8000"
    assert (settings.groq_stream_idle_timeout, settings.groq_stream_total_timeout) == (15, 60)
    # The generated secret is kept beside the database, so tokens survive a restart.
    again = Settings.from_env({"DATABASE_URL": f"sqlite:///{db}"})
    assert settings.secret_key.reveal() == again.secret_key.reveal()
    assert "Secret('**********')" in repr(settings)
    assert settings.secret_key.reveal() not in repr(settings)


@pytest.mark.parametrize(
    "url", ["postgres://h/db", "postgresql://h/db", "postgresql+asyncpg://h/db"]
)
def test_every_postgres_spelling_selects_asyncpg(url: str) -> None:
    settings = Settings.from_env({"DATABASE_URL": url, "HUB_SECRET_KEY": "k" * 32})
    assert settings.database_url == "postgresql+asyncpg://h/db"


def test_groq_stream_timeouts_are_read_in_seconds(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    env |= {"GROQ_STREAM_IDLE_TIMEOUT": "2.5", "GROQ_STREAM_TOTAL_TIMEOUT": " 90 "}
    settings = Settings.from_env(env)
    assert (settings.groq_stream_idle_timeout, settings.groq_stream_total_timeout) == (2.5, 90)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({"DATABASE_URL": "mysql://h/db"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgresql://h/db"}, "HUB_SECRET_KEY"),
        ({"PORT": "eighty"}, "PORT"),
        ({"REDIS_URL": "http://x"}, "REDIS_URL"),
        ({"GROQ_STREAM_IDLE_TIMEOUT": "soon"}, "GROQ_STREAM_IDLE_TIMEOUT"),
        ({"GROQ_STREAM_TOTAL_TIMEOUT": "0"}, "GROQ_STREAM_TOTAL_TIMEOUT"),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], named: str, tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", **env}
    with pytest.raises(SettingsError, match=named):
        Settings.from_env(env)


def run_hub(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    hub = Path(sys.executable).with_name("hub")
    full_env = {**os.environ, "DATABASE_URL": "", **(env or {})}
    return subprocess.run(
        [str(hub), *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=60
    )


def test_company_create_and_token_print_json(tmp_path: Path) -> None:
    created = run_hub(
        "company", "create", "--name", "Acme", "--website", "https://a.example", cwd=tmp_path
    )
    assert created.returncode == 0, created.stderr
    company = json.loads(created.stdout)
    assert set(company) == {"company_id", "widget_key", "agent_token"}
    token = run_hub(
        "token", "--company", company["company_id"], "--email", "a@b.example", cwd=tmp_path
    )
    assert token.returncode == 0, token.stderr
    assert set(json.loads(token.stdout)) == {"agent_token"}
    owners = sqlite3.connect(tmp_path / "hub.db").execute(
        "SELECT name, email FROM agents WHERE role = 'owner'"
    )
    assert owners.fetchall() == [("Acme owner", None)]  # never nameless
    missing = run_hub("token", "--company", "nope", cwd=tmp_path)
    assert missing.returncode != 0 and "nope" in missing.stderr
    bad = run_hub("migrate", cwd=tmp_path, env={"DATABASE_URL": "postgresql://h/db"})
    assert bad.returncode == 2 and "HUB_SECRET_KEY" in bad.stderr
    assert (tmp_path / "hub.db").exists()


def test_company_create_names_its_owner(tmp_path: Path) -> None:
    """Issue 19: `hub company create` made an owner with no name and no email."""
    created = run_hub(
        "company",
        "create",
        "--name",
        "Acme",
        "--owner-name",
        " Olive Ortiz ",
        "--owner-email",
        "Olive@Acme.example",
        cwd=tmp_path,
    )
    assert created.returncode == 0, created.stderr
    assert set(json.loads(created.stdout)) == {"company_id", "widget_key", "agent_token"}
    rows = (
        sqlite3.connect(tmp_path / "hub.db")
        .execute("SELECT name, email, role FROM agents")
        .fetchall()
    )
    assert rows == [("Olive Ortiz", "olive@acme.example", "owner")]
    for bad in (["--owner-email", "not-an-email"], ["--owner-name", "  "]):
        refused = run_hub("company", "create", "--name", "Globex", *bad, cwd=tmp_path)
        assert refused.returncode == 2 and "--owner-" in refused.stderr
    assert (
        len(sqlite3.connect(tmp_path / "hub.db").execute("SELECT id FROM companies").fetchall())
        == 1
    )


async def test_healthz_reports_database_and_bus(hub: object) -> None:
    from tests.support.server import HubServer

    assert isinstance(hub, HubServer)
    async with httpx.AsyncClient(base_url=hub.http) as http:
        health = (await http.get("/healthz")).json()
        assert health["status"] == "ok"
        assert (health["database"], health["bus"]) == ("ok", "ok")
        assert (health["database_backend"], health["bus_backend"]) == ("sqlite", "memory")
        missing = await http.get("/api/nothing-here")
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "not_found"


def wait_healthy(url: str, proc: subprocess.Popen[str], timeout: float = 20) -> bool:
    """Poll a starting process's health endpoint until it answers 200 (or it dies)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return True
        except httpx.TransportError:
            time.sleep(0.05)  # the process is still binding its port
    return False


def serve_demo(cwd: Path, port: int) -> dict[str, str]:
    """Start `hub serve --demo`, read what it prints, check it answers, stop it; the banner's
    lines by label, and everything printed under "output"."""
    hub = Path(sys.executable).with_name("hub")
    env = {**os.environ, "DATABASE_URL": "", "PORT": str(port)}
    proc = subprocess.Popen(
        [str(hub), "serve", "--demo"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        printed: dict[str, str] = {}
        lines: list[str] = []
        assert proc.stdout is not None
        read: queue.Queue[str] = queue.Queue()
        reader = threading.Thread(target=lambda: [read.put(x) for x in proc.stdout or ()])
        reader.start()
        while True:
            line = read.get(timeout=30)  # a banner without "Password" fails, never hangs
            lines.append(line)
            key, _, value = line.partition(":")
            printed[key.strip()] = value.strip()
            if key.strip() == "Password":
                break
        assert wait_healthy(f"http://127.0.0.1:{port}/healthz", proc)
        demo = httpx.get(printed["Demo page"], timeout=5)
        assert demo.status_code == 200 and "data-key=" in demo.text
        assert 'src="/widget.js"' in demo.text
        printed["widget key"] = demo.text.split('data-key="')[1].split('"')[0]
        inbox = httpx.get(printed["Inbox"], timeout=5)
        assert inbox.status_code == 200 and "inbox.js" in inbox.text
        widget = httpx.get(f"http://127.0.0.1:{port}/widget.js", timeout=5)
        assert widget.headers["content-type"].startswith("text/javascript")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        reader.join(timeout=10)  # to the end of what it printed
    while not read.empty():
        lines.append(read.get_nowait())
    printed["output"] = "".join(lines)
    return printed


def test_serve_demo_is_idempotent(tmp_path: Path, unused_tcp_port: int) -> None:
    first = serve_demo(tmp_path, unused_tcp_port)
    second = serve_demo(tmp_path, unused_tcp_port)
    assert first["widget key"] == second["widget key"]
    assert first["Owner email"] == second["Owner email"] == "demo@example.com"
    assert first["Password"] != second["Password"]  # a fresh password each start


async def test_hub_token_without_email_adds_no_nameless_agent(hub: object) -> None:
    """Issue 19: `hub token --company ID` used to insert a new agent with no name or email
    every time; now it answers for the company's owner, and `--email` names whom to add."""
    from sqlalchemy import select

    from hub.identity.tokens import decode_token
    from hub.persistence import repository as repo
    from hub.workspace.companies import agent_token
    from tests.support.server import HubServer

    assert isinstance(hub, HubServer)
    db, settings = hub.hub.db, hub.settings
    company = await hub.company("Acme")
    owner = decode_token(settings.secret_key, company.agent_token)
    for role in ("owner", "agent", "agent"):
        token = await agent_token(db, settings, company.company_id, role, None)
        issued = decode_token(settings.secret_key, token)
        assert (issued.agent_id, issued.role) == (owner.agent_id, role)
    added = await agent_token(db, settings, company.company_id, "agent", "a@x.example", "Ann")
    async with db.read() as conn:
        rows = (await conn.execute(select(repo.agents.c.email, repo.agents.c.name))).all()
    assert sorted(rows, key=str) == sorted([(None, "Acme owner"), ("a@x.example", "Ann")], key=str)
    assert decode_token(settings.secret_key, added).agent_id != owner.agent_id
    # Never a nameless owner: one added by --email alone, or an agent made owner, is named.
    await agent_token(db, settings, company.company_id, "owner", "Boss@X.example")
    await agent_token(db, settings, company.company_id, "agent", "sam@x.example")
    async with db.write() as conn:
        await conn.execute(
            repo.agents.update().where(repo.agents.c.email == "sam@x.example").values(name=None)
        )
    await agent_token(db, settings, company.company_id, "owner", "sam@x.example")
    async with db.read() as conn:
        owners = select(repo.agents.c.email, repo.agents.c.name).where(
            repo.agents.c.role == "owner"
        )
        named = dict((await conn.execute(owners)).all())
    assert named == {None: "Acme owner", "boss@x.example": "boss", "sam@x.example": "sam"}
    # A company whose owners are all revoked gets no token without --email.
    async with db.write() as conn:
        await conn.execute(repo.agents.update().values(revoked=True))
    with pytest.raises(LookupError, match="--email"):
        await agent_token(db, settings, company.company_id, "owner", None)


def test_serve_demo_prints_a_short_banner(tmp_path: Path, unused_tcp_port: int) -> None:
    """A first run printed 15 Alembic lines around the addresses, and the raw owner token
    twice. Now: where it listens, the demo page, the inbox, the owner's email and password;
    no token and no migration line, on the first run (migrating) or the next."""
    base = f"http://127.0.0.1:{unused_tcp_port}"
    for _run in range(2):
        printed = serve_demo(tmp_path, unused_tcp_port)
        output = printed["output"]
        assert "alembic" not in output.lower(), output
        assert output.splitlines()[0] == "LeadOp Hub", output
        assert printed["Listening on"] == base
        assert printed["Demo page"] == f"{base}/demo"
        assert printed["Inbox"] == f"{base}/inbox"
        assert printed["Owner email"] == "demo@example.com" and printed["Password"]
        assert "token" not in output.lower(), output
        assert len(output.strip().splitlines()) == 6, output


def test_migrate_says_what_it_did_in_one_line(tmp_path: Path) -> None:
    first = run_hub("migrate", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout == "" and len(first.stderr.strip().splitlines()) == 1, first.stderr
    assert "upgraded from empty" in first.stderr
    again = run_hub("migrate", cwd=tmp_path)
    assert "already at" in again.stderr and len(again.stderr.strip().splitlines()) == 1


def test_readme_run_command_installs_only_what_running_needs() -> None:
    """The README's first command (run the hub) installed `.[test]`: about three minutes of
    test tools before a first look. The test command keeps them."""
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    blocks = [b.split("```")[0].strip() for b in readme.split("```sh\n")[1:]]
    run = next(b for b in blocks if "hub serve --demo" in b)
    assert "pip install -e . " in run and "[test]" not in run, run
    assert any("[test]" in b and "pytest" in b for b in blocks)
