"""`hub serve | migrate | company create | token` (CONTRACT.md, "Running it")."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import re
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from hub.channels.integrations import rotate_secrets
from hub.persistence.db import Database
from hub.persistence.migrate import upgrade
from hub.runtime.crypto import DecryptionError, Vault
from hub.settings import Settings, SettingsError
from hub.workspace.companies import (
    CreatedCompany,
    DemoCompany,
    agent_token,
    create_company,
    demo_company,
)
from hub.workspace.widget_settings import rotate_widget_secrets

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"hub: {exc}", file=sys.stderr)
        return 2
    command: Callable[[Settings, argparse.Namespace], int] = args.func
    try:
        return command(settings, args)
    except (LookupError, DecryptionError) as exc:
        print(f"hub: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hub", description="LeadOp Hub")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the hub")
    serve.add_argument("--demo", action="store_true", help="seed a demo company and print keys")
    serve.add_argument("--host", help="listen address (default: $HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="listen port (default: $PORT or 8000)")
    serve.set_defaults(func=_serve)

    migrate = sub.add_parser("migrate", help="bring the database schema to head")
    migrate.set_defaults(func=_migrate)

    company = sub.add_parser("company", help="manage companies")
    company_sub = company.add_subparsers(required=True, metavar="ACTION")
    create = company_sub.add_parser("create", help="create a company and its owner")
    create.add_argument("--name", required=True)
    create.add_argument("--website")
    create.add_argument("--description")
    # No --owner-password: a password on a command line stays in shell history and `ps`.
    # An owner given an email sets one with "Forgot your password?" on /login instead.
    create.add_argument(
        "--owner-name", type=_name, help='the owner\'s display name (default: "NAME owner")'
    )
    create.add_argument(
        "--owner-email", type=_email, help="the owner's email, to sign in with (see operations)"
    )
    create.set_defaults(func=_company_create)

    rotate = sub.add_parser(
        "rotate-secrets",
        help="re-encrypt stored credentials under HUB_SECRET_KEY "
        "(the old keys in HUB_SECRET_KEY_PREVIOUS)",
    )
    rotate.set_defaults(func=_rotate_secrets)

    token = sub.add_parser("token", help="issue an agent token")
    token.add_argument("--company", required=True, help="company id")
    token.add_argument("--role", choices=("owner", "agent"), default="agent")
    token.add_argument(
        "--email", type=_email, help="the agent's email (added if new); default: the owner"
    )
    token.add_argument(
        "--name",
        type=_name,
        help="the display name of an agent added by --email (default: the email's local part)",
    )
    token.set_defaults(func=_token)
    return parser


def _with_db(settings: Settings, work: Callable[[Database], Awaitable[Any]]) -> Any:
    async def run() -> Any:
        await upgrade(settings.database_url) if settings.is_sqlite else None
        db = Database(settings.database_url)
        try:
            return await work(db)
        finally:
            await db.close()

    return asyncio.run(run())


def _migrate(settings: Settings, _args: argparse.Namespace) -> int:
    before, after = asyncio.run(upgrade(settings.database_url))
    done = "already" if before == after else f"upgraded from {before or 'empty'}, now"
    print(f"database schema {done} at {after} (head)", file=sys.stderr)
    return 0


def _name(value: str) -> str:
    """A display name: trimmed, 1-200 printable characters."""
    name = value.strip()
    if not name or len(name) > 200 or not name.isprintable():
        raise argparse.ArgumentTypeError("a name is 1 to 200 characters on one line")
    return name


def _email(value: str) -> str:
    email = value.strip().lower()
    if not EMAIL.match(email) or len(email) > 320:
        raise argparse.ArgumentTypeError(f"not an email address: {value!r}")
    return email


def _company_create(settings: Settings, args: argparse.Namespace) -> int:
    def create(db: Database) -> Awaitable[CreatedCompany]:
        return create_company(
            db,
            settings,
            args.name,
            args.website,
            args.description,
            owner_email=args.owner_email,
            owner_name=args.owner_name,
        )

    created = _with_db(settings, create)
    print(json.dumps(created.__dict__))
    return 0


def _token(settings: Settings, args: argparse.Namespace) -> int:
    def issue(db: Database) -> Awaitable[str]:
        return agent_token(db, settings, args.company, args.role, args.email, args.name)

    token = _with_db(settings, issue)
    print(json.dumps({"agent_token": token}))
    return 0


def _rotate_secrets(settings: Settings, _args: argparse.Namespace) -> int:
    vault = Vault(settings.secret_key, settings.previous_secret_keys)

    async def rotate_all(db: Database) -> int:
        return await rotate_secrets(db, vault) + await rotate_widget_secrets(db, vault)

    count = _with_db(settings, rotate_all)
    print(json.dumps({"rotated": count}))
    return 0


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from hub.app import create_app
    from hub.runtime.serving import uvicorn_options

    host = args.host or settings.host
    port = args.port or settings.port
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    base = f"http://{host}:{port}"
    lines = [("Listening on", base)]
    if args.demo:
        demo = _with_db(settings, lambda db: demo_company(db, settings))
        lines += demo_lines(base, demo)
    print(banner(lines), flush=True)
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        **uvicorn_options(settings),
        log_level="warning",  # uvicorn logs two lines per socket at info: costly, and noise
        access_log=False,
    )
    return 0


def demo_lines(base: str, demo: DemoCompany) -> list[tuple[str, str]]:
    """What a first-time user needs of the demo: its two pages and how to sign in (the
    owner's email and this run's password; the raw token is never printed)."""
    return [
        ("Demo page", f"{base}/demo"),
        ("Inbox", f"{base}/inbox"),
        ("Owner email", demo.owner_email),
        ("Password", demo.owner_password),
    ]


def banner(lines: list[tuple[str, str]]) -> str:
    """`LeadOp Hub` and one aligned `Label:  value` line each."""
    width = max(len(label) for label, _ in lines) + 1
    return "\n".join(
        ["LeadOp Hub", *(f"  {label + ':':<{width}}  {value}" for label, value in lines)]
    )
