"""Settings read from the environment (twelve-factor), one frozen object passed explicitly."""

from __future__ import annotations

import ipaddress
import math
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError


class SettingsError(ValueError):
    """A setting has a bad value; the message names the variable."""


class Secret:
    """A string that never shows itself in a repr, a log line or a traceback."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__


@dataclass(frozen=True)
class Settings:
    """Everything the hub needs to know about its surroundings."""

    database_url: str = "sqlite+aiosqlite:///hub.db"
    # The longest a request or a socket waits for PostgreSQL (a connection, a statement, a
    # transaction) before it is told `unavailable`: a paused or wedged server must not hold
    # every send for ever (hub.persistence.db).
    db_timeout: float = 10.0
    redis_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    # How long a client may take to send a request head (from connecting, or from the
    # first byte of the next request) and then its body, before the connection is closed
    # (hub.runtime.serving); idle keep-alive connections follow uvicorn's own timeout.
    header_timeout: float = 10.0
    body_timeout: float = 120.0
    # Peers whose X-Forwarded-For / -Proto uvicorn believes (addresses, CIDR networks, or
    # "*"); anyone else's are ignored and the peer's own address is the client's.
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")
    public_url: str = "http://127.0.0.1:8000"
    secret_key: Secret = field(default_factory=lambda: Secret(secrets.token_urlsafe(32)))
    previous_secret_keys: tuple[Secret, ...] = ()
    groq_api_key: Secret | None = None
    groq_base_url: str | None = None  # None: the groq SDK's own default
    # A Groq stream that sends no chunk for this long, or runs longer in all, is a failed
    # reply (docs/operations.md); tests shorten them.
    groq_stream_idle_timeout: float = 15.0
    groq_stream_total_timeout: float = 60.0
    twilio_api_url: str = "https://api.twilio.com"
    twilio_verify_url: str = "https://verify.twilio.com"
    # The platform's own Twilio Verify account (agents' phones), not a company's integration;
    # Verify is off unless all three are set.
    twilio_account_sid: str | None = None
    twilio_auth_token: Secret | None = None
    twilio_verify_service_sid: str | None = None
    kapso_api_url: str = "https://api.kapso.ai/meta/whatsapp"
    # Session limits (docs/protocol.md); tests shorten the handshake timeout.
    handshake_timeout: float = 10.0
    max_frame_bytes: int = 64 * 1024
    frames_per_second: float = 20.0
    frame_burst: int = 40
    send_queue_size: int = 1024
    # Public surfaces, per process (docs/operations.md): (per second, burst). One address
    # can be an office or a carrier-grade NAT with hundreds of visitors behind it, so the
    # per-address buckets let a thousand in at once; a resumed session never needs a token
    # of widget_sessions_per_ip (new sessions per address and company). Messages are limited
    # per visitor (widget session, over all its tabs); the address's bucket is a backstop
    # sized for a crowd chatting behind one address.
    widget_connects_per_ip: tuple[float, int] = (100.0, 2000)
    widget_sessions_per_ip: tuple[float, int] = (20.0, 1000)
    widget_connects_per_company: tuple[float, int] = (200.0, 2000)
    widget_messages_per_session: tuple[float, int] = (5.0, 50)
    widget_messages_per_ip: tuple[float, int] = (50.0, 200)
    api_calls_per_ip: tuple[float, int] = (20.0, 100)
    webhooks_per_ip: tuple[float, int] = (100.0, 500)
    token_ttl_days: int = 30
    # Accounts (hub.identity): a browser session ends after this many seconds without a
    # request (idle) and, at the latest, this long after its sign-in (absolute).
    session_idle_timeout: float = 86400.0
    session_lifetime: float = 14 * 86400.0
    # Sign-in attempts per address and per account (email), and mails asked for (sign-up,
    # password reset, verification) per address and per account: (per second, burst).
    sign_in_per_ip: tuple[float, int] = (0.5, 20)
    sign_in_per_account: tuple[float, int] = (1 / 60, 5)
    account_mail_per_ip: tuple[float, int] = (0.1, 10)
    account_mail_per_account: tuple[float, int] = (1 / 300, 3)
    # Supabase Auth: its access tokens are accepted when the project's JWT secret is set.
    supabase_jwt_secret: Secret | None = None
    supabase_url: str | None = None  # set: the token's issuer must be SUPABASE_URL/auth/v1
    # The project's anon (publishable) key: the hub asks SUPABASE_URL/auth/v1/user whether a
    # user's email is confirmed before it links them to an invitation (hub.identity.supabase).
    supabase_anon_key: Secret | None = None
    supabase_auth_url: str | None = None  # default SUPABASE_URL/auth/v1 (a fake in tests)
    # How often each process purges messages past their company's retention_days, and widget
    # sessions idle for idle_session_retention seconds that never wrote (with their visits).
    retention_interval: float = 3600.0
    idle_session_retention: float = 86400.0
    # A page load within this many seconds of its session's last one continues the visit.
    visit_window: float = 1800.0
    # Each process refreshes its agents' presence this often; a process silent for three
    # intervals is taken for dead and its agents for offline (hub.conversations.presence).
    presence_interval: float = 10.0
    # How often each process wakes snoozed conversations whose time has come.
    snooze_interval: float = 10.0
    # Set: GET /metrics requires `Authorization: Bearer <this>` (else it is open).
    metrics_token: Secret | None = None
    # Mail (hub.runtime.mailer): SMTP when set (the URL may carry a password), else the log.
    smtp_url: Secret | None = None
    mail_from: str = "LeadOp Hub <no-reply@localhost>"
    # An agent's answer to a visitor who is not there is mailed after this many seconds
    # without the visitor seeing it (hub.workspace.followups); the worker looks this often.
    followup_delay: float = 120.0
    followup_interval: float = 15.0
    # Attachments (hub.workspace.attachments): kept in this folder, or in an S3-compatible
    # bucket when s3_bucket is set; None: an `attachments` folder beside the SQLite file.
    attachments_dir: str | None = None
    attachment_max_bytes: int = 10 * 1024 * 1024
    # The largest request body of a webhook and of any other API call (hub.api.bodies):
    # larger is 413 before it is read. A Kapso batch has no documented bound; an event is
    # about 1 KB, one with a 4,096-character text up to 75 KB (three copies, JSON-escaped).
    webhook_max_bytes: int = 1024 * 1024
    api_max_bytes: int = 1024 * 1024
    attachment_uploads_per_ip: tuple[float, int] = (1.0, 20)
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None  # None: AWS itself; set for MinIO, R2, a local fake
    s3_region: str | None = None
    s3_access_key_id: str | None = None
    s3_secret_access_key: Secret | None = None
    # Outgoing webhooks (hub.webhooks): targets on loopback, private, link-local or reserved
    # addresses are refused unless this is on (tests, or a hub inside a trusted network).
    webhooks_allow_private: bool = False
    # Seconds before each retry of a failed delivery (Standard Webhooks' schedule, 27.6 h in
    # all); after a day of failures without a success the endpoint is paused. Tests shorten
    # both, and the POST's timeout.
    webhook_retry_schedule: tuple[float, ...] = (5, 300, 1800, 7200, 18000, 36000, 36000)
    webhook_pause_after: float = 86400.0
    webhook_timeout: float = 10.0
    webhook_concurrency: int = 32  # POSTs in flight per process, over all endpoints

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def attachments_path(self) -> Path:
        """Where the local attachment store keeps files: HUB_ATTACHMENTS_DIR, else an
        `attachments` folder beside the SQLite database (or the working folder)."""
        if self.attachments_dir:
            return Path(self.attachments_dir)
        db_path = make_url(self.database_url).database if self.is_sqlite else None
        if db_path and db_path != ":memory:":
            return Path(db_path).resolve().parent / "attachments"
        return Path("attachments").resolve()

    @property
    def verify_configured(self) -> bool:
        """Whether agents can verify phones: the Verify account is fully set."""
        return None not in (
            self.twilio_account_sid,
            self.twilio_auth_token,
            self.twilio_verify_service_sid,
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from `environ` (default: the process environment)."""
        env = os.environ if environ is None else environ
        database_url = normalise_database_url(env.get("DATABASE_URL", "").strip())
        host = env.get("HOST", "127.0.0.1")
        port = _int(env, "PORT", 8000)
        groq = env.get("GROQ_API_KEY")
        settings = cls(
            database_url=database_url,
            db_timeout=_seconds(env, "HUB_DB_TIMEOUT", cls.db_timeout),
            redis_url=_redis_url(env.get("REDIS_URL", "").strip()),
            host=host,
            port=port,
            header_timeout=_seconds(env, "HUB_HEADER_TIMEOUT", cls.header_timeout),
            body_timeout=_seconds(env, "HUB_BODY_TIMEOUT", cls.body_timeout),
            trusted_proxies=_trusted_proxies(env.get("HUB_TRUSTED_PROXIES", "")),
            public_url=env.get("PUBLIC_URL", f"http://{host}:{port}").rstrip("/"),
            secret_key=_secret_key(env.get("HUB_SECRET_KEY"), database_url),
            previous_secret_keys=tuple(
                Secret(key.strip())
                for key in env.get("HUB_SECRET_KEY_PREVIOUS", "").split(",")
                if key.strip()
            ),
            groq_api_key=Secret(groq) if groq else None,
            groq_base_url=env.get("GROQ_BASE_URL") or None,
            groq_stream_idle_timeout=_seconds(env, "GROQ_STREAM_IDLE_TIMEOUT", 15.0),
            groq_stream_total_timeout=_seconds(env, "GROQ_STREAM_TOTAL_TIMEOUT", 60.0),
            twilio_api_url=env.get("TWILIO_API_URL", cls.twilio_api_url).rstrip("/"),
            twilio_verify_url=env.get("TWILIO_VERIFY_URL", cls.twilio_verify_url).rstrip("/"),
            twilio_account_sid=_sid(env, "TWILIO_ACCOUNT_SID", "AC"),
            twilio_auth_token=_optional_secret(env.get("TWILIO_AUTH_TOKEN")),
            twilio_verify_service_sid=_sid(env, "TWILIO_VERIFY_SERVICE_SID", "VA"),
            kapso_api_url=env.get("KAPSO_API_URL", cls.kapso_api_url).rstrip("/"),
            supabase_jwt_secret=_optional_secret(env.get("SUPABASE_JWT_SECRET")),
            supabase_url=(env.get("SUPABASE_URL") or "").rstrip("/") or None,
            supabase_anon_key=_optional_secret(env.get("SUPABASE_ANON_KEY")),
            supabase_auth_url=(env.get("SUPABASE_AUTH_URL") or "").rstrip("/") or None,
            session_idle_timeout=_seconds(env, "HUB_SESSION_IDLE_TIMEOUT", 86400.0),
            session_lifetime=_seconds(env, "HUB_SESSION_LIFETIME", 14 * 86400.0),
            retention_interval=float(_int(env, "HUB_RETENTION_INTERVAL", 3600)),
            idle_session_retention=_seconds(env, "HUB_IDLE_SESSION_RETENTION", 86400.0),
            visit_window=_seconds(env, "HUB_VISIT_WINDOW", 1800.0),
            metrics_token=_optional_secret(env.get("HUB_METRICS_TOKEN")),
            smtp_url=_smtp_url(env.get("HUB_SMTP_URL", "")),
            mail_from=env.get("HUB_MAIL_FROM", "").strip() or cls.mail_from,
            followup_delay=_seconds(env, "HUB_FOLLOWUP_DELAY", 120.0),
            followup_interval=_seconds(env, "HUB_FOLLOWUP_INTERVAL", 15.0),
            attachments_dir=env.get("HUB_ATTACHMENTS_DIR", "").strip() or None,
            attachment_max_bytes=_int(env, "HUB_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024),
            webhook_max_bytes=_int(env, "HUB_WEBHOOK_MAX_BYTES", 1024 * 1024),
            api_max_bytes=_int(env, "HUB_API_MAX_BYTES", 1024 * 1024),
            s3_bucket=env.get("HUB_S3_BUCKET", "").strip() or None,
            s3_endpoint_url=env.get("HUB_S3_ENDPOINT_URL", "").strip() or None,
            s3_region=env.get("HUB_S3_REGION", "").strip() or None,
            s3_access_key_id=env.get("HUB_S3_ACCESS_KEY_ID", "").strip() or None,
            s3_secret_access_key=_optional_secret(env.get("HUB_S3_SECRET_ACCESS_KEY")),
            webhooks_allow_private=_flag(env, "HUB_WEBHOOKS_ALLOW_PRIVATE"),
            webhook_retry_schedule=_schedule(env, "HUB_WEBHOOK_RETRY_SCHEDULE"),
            webhook_pause_after=_seconds(env, "HUB_WEBHOOK_PAUSE_AFTER", 86400.0),
            webhook_timeout=_seconds(env, "HUB_WEBHOOK_TIMEOUT", 10.0),
            webhook_concurrency=max(1, _int(env, "HUB_WEBHOOK_CONCURRENCY", 32)),
        )
        return replace(settings, **_rate_limits(env))


def _smtp_url(raw: str) -> Secret | None:
    """HUB_SMTP_URL, checked now: a typo must not wait for the first sign-up to show."""
    from hub.runtime.mailer import SmtpServer

    raw = raw.strip()
    if not raw:
        return None
    try:
        SmtpServer.from_url(raw)
    except ValueError as exc:
        raise SettingsError(f"HUB_SMTP_URL: {exc}") from None
    return Secret(raw)


def _optional_secret(raw: str | None) -> Secret | None:
    return Secret(raw.strip()) if raw and raw.strip() else None


def _sid(env: Mapping[str, str], name: str, prefix: str) -> str | None:
    """A Twilio SID, or None when unset; a SID of the wrong kind is a pasting mistake."""
    raw = env.get(name, "").strip()
    if not raw:
        return None
    if not raw.startswith(prefix):
        raise SettingsError(f"{name} must start with {prefix}, got {raw[:2]!r}")
    return raw


def normalise_database_url(raw: str) -> str:
    """Map the accepted spellings onto SQLAlchemy's async drivers, or raise SettingsError."""
    if not raw:
        return "sqlite+aiosqlite:///hub.db"
    try:
        url: URL = make_url(raw)
    except ArgumentError as exc:
        raise SettingsError(f"DATABASE_URL is not a valid database URL: {exc}") from None
    backend = url.get_backend_name()
    if backend in ("postgres", "postgresql"):
        if not url.database:
            raise SettingsError("DATABASE_URL names no PostgreSQL database")
        url = url.set(drivername="postgresql+asyncpg")
    elif backend == "sqlite":
        url = url.set(drivername="sqlite+aiosqlite")
    else:
        raise SettingsError(
            f"DATABASE_URL must be postgres://, postgresql:// or sqlite://, not {backend}://"
        )
    return url.render_as_string(hide_password=False)


UNLIMITED = (1e9, 10**9)
RATE_LIMIT_FIELDS = (
    "widget_connects_per_ip",
    "widget_sessions_per_ip",
    "widget_connects_per_company",
    "widget_messages_per_session",
    "widget_messages_per_ip",
    "api_calls_per_ip",
    "webhooks_per_ip",
    "attachment_uploads_per_ip",
    "sign_in_per_ip",
    "sign_in_per_account",
    "account_mail_per_ip",
    "account_mail_per_account",
)


def _rate_limits(env: Mapping[str, str]) -> dict[str, Any]:
    """Each limit from HUB_<FIELD> (`RATE/BURST`, for example HUB_WIDGET_SESSIONS_PER_IP=
    20/1000); HUB_RATE_LIMITS=off lifts them all (load tests from one address)."""
    switch = env.get("HUB_RATE_LIMITS", "on").strip().lower()
    if switch not in ("", "on", "off"):
        raise SettingsError("HUB_RATE_LIMITS must be on or off")
    if switch == "off":
        return dict.fromkeys(RATE_LIMIT_FIELDS, UNLIMITED)
    limits: dict[str, Any] = {}
    for name in RATE_LIMIT_FIELDS:
        variable = f"HUB_{name.upper()}"
        raw = env.get(variable, "").strip()
        if raw:
            limits[name] = _limit(variable, raw)
    return limits


def _limit(variable: str, raw: str) -> tuple[float, int]:
    """`RATE/BURST`: a positive, finite rate per second and a whole burst of at least 1."""
    rate, slash, burst = raw.partition("/")
    try:
        value = (float(rate), int(burst))
    except ValueError:
        value = (0.0, 0)
    if not slash or not 0 < value[0] < math.inf or value[1] < 1:
        raise SettingsError(
            f"{variable} must be RATE/BURST (per second/at once, e.g. 20/1000), got {raw!r}"
        )
    return value


def _trusted_proxies(raw: str) -> tuple[str, ...]:
    """HUB_TRUSTED_PROXIES: comma-separated addresses and networks, or `*` alone.

    Checked here because uvicorn takes a malformed entry for a literal that never matches,
    and would then silently ignore the real proxy's headers."""
    entries = tuple(entry.strip() for entry in raw.split(",") if entry.strip())
    if not entries:
        return Settings.trusted_proxies
    if entries == ("*",):
        return entries
    for entry in entries:
        try:
            ipaddress.ip_network(entry) if "/" in entry else ipaddress.ip_address(entry)
        except ValueError:
            raise SettingsError(
                "HUB_TRUSTED_PROXIES must be IP addresses or networks (10.0.0.0/8), "
                f"comma-separated, or * alone; got {entry!r}"
            ) from None
    return entries


def _redis_url(raw: str) -> str | None:
    if not raw:
        return None
    if not raw.startswith(("redis://", "rediss://", "unix://", "memory://")):
        raise SettingsError("REDIS_URL must start with redis://, rediss:// or unix://")
    return None if raw.startswith("memory://") else raw


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from None


def _secret_key(raw: str | None, database_url: str) -> Secret:
    """HUB_SECRET_KEY, or on SQLite one generated once and kept beside the database file."""
    if raw:
        if len(raw) < 16:
            raise SettingsError("HUB_SECRET_KEY must be at least 16 characters")
        return Secret(raw)
    if not database_url.startswith("sqlite"):
        raise SettingsError("HUB_SECRET_KEY is required when DATABASE_URL is PostgreSQL")
    db_path = make_url(database_url).database
    if not db_path or db_path == ":memory:":
        return Secret(secrets.token_urlsafe(32))
    key_file = Path(db_path).with_name(Path(db_path).name + ".secret")
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(32))
    return Secret(key_file.read_text().strip())


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    """A positive number of seconds (fractions allowed), or `default` when unset."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number of seconds, got {raw!r}") from None
    if not 0 < value < float("inf"):
        raise SettingsError(f"{name} must be a positive number of seconds, got {raw!r}")
    return value


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def _schedule(env: Mapping[str, str], name: str) -> tuple[float, ...]:
    """Comma-separated seconds between retries (at least one), or the default schedule."""
    raw = env.get(name, "").strip()
    if not raw:
        return Settings.webhook_retry_schedule
    try:
        values = tuple(float(part) for part in raw.split(","))
    except ValueError:
        raise SettingsError(f"{name} must be comma-separated seconds, got {raw!r}") from None
    if not all(0 <= value < float("inf") for value in values):
        raise SettingsError(f"{name} must hold seconds of 0 or more, got {raw!r}")
    return values
