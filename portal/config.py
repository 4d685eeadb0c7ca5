"""Configuration from environment variables, with safe embedded defaults for local use."""

import os
import secrets
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    pass


def _dev_secret(instance: Path) -> str:
    # Development only: a random key kept in instance/ so sessions survive a restart.
    path = instance / "dev-secret-key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _database_url(env, instance: Path) -> str:
    url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'portal.db'}"
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants a driver name.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _dates(value: str) -> frozenset[date]:
    try:
        return frozenset(date.fromisoformat(v.strip()) for v in value.split(",") if v.strip())
    except ValueError as exc:
        raise ConfigError(
            f"EXTRA_NON_WORKING_DAYS must be ISO dates, comma separated: {exc}"
        ) from exc


def _ints(name: str, value: str) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in value.split(",") if v.strip())
    except ValueError as exc:
        raise ConfigError(f"{name} must be whole numbers, comma separated") from exc


def _positive(name: str, value: str) -> int:
    if not value.strip().isdigit() or int(value) < 1:
        raise ConfigError(f"{name} must be a whole number of 1 or more, not {value!r}")
    return int(value)


def _count(name: str, value: str) -> int:
    if not value.strip().isascii() or not value.strip().isdigit():
        raise ConfigError(f"{name} must be a whole number of 0 or more, not {value!r}")
    return int(value)


def load_config(env=None, instance: Path | None = None) -> dict:
    env = os.environ if env is None else env
    instance = instance or ROOT / "instance"
    instance.mkdir(parents=True, exist_ok=True)
    production = env.get("PORTAL_ENV", "development") == "production"
    secret = env.get("SECRET_KEY")
    if production and (not secret or len(secret) < 32):
        raise ConfigError(
            "SECRET_KEY must be set (32 characters or more) when PORTAL_ENV=production"
        )
    cookie_prefix = "__Host-" if production else ""
    return {
        "PORTAL_ENV": env.get("PORTAL_ENV", "development"),
        "PRODUCTION": production,
        "SECRET_KEY": secret or _dev_secret(instance),
        "SQLALCHEMY_DATABASE_URI": _database_url(env, instance),
        # PostgreSQL: the role the migrations grant the web and worker processes' rights to.
        "DATABASE_APP_ROLE": env.get("DATABASE_APP_ROLE", "portal_app"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "WORKFLOW_DIR": env.get("WORKFLOW_DIR", str(ROOT / "workflows")),
        "NOTIFY_API_KEY": env.get("NOTIFY_API_KEY") or None,
        "NOTIFY_BASE_URL": env.get("NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk"),
        "NOTIFY_TEMPLATE_IDS": {
            k: v for k, v in env.items() if k.startswith("NOTIFY_TEMPLATE_") and v.strip()
        },
        # Notify's delivery-receipt callback sends this as a bearer token.
        "NOTIFY_CALLBACK_TOKEN": env.get("NOTIFY_CALLBACK_TOKEN") or None,
        "NOTIFY_TIMEOUT": float(env.get("NOTIFY_TIMEOUT", "20")),
        "NOTIFY_RATE_LIMIT_PER_MINUTE": int(env.get("NOTIFY_RATE_LIMIT_PER_MINUTE", "3000")),
        # Sends in flight per worker: Notify answers in ~0.1-0.3 s, so one thread cannot reach
        # the rate limit on its own. Keep below the database pool (5 + 10 overflow).
        "NOTIFY_SEND_THREADS": int(env.get("NOTIFY_SEND_THREADS", "10")),
        "COUNCIL_NAME": env.get("COUNCIL_NAME", "London Borough of Camden"),
        "SERVICE_NAME": env.get("SERVICE_NAME", "Ask for or correct your family support records"),
        "COUNCIL_PHONE": env.get("COUNCIL_PHONE", "020 7974 4444"),
        # Where "Exit this page" goes: a neutral site (GOV.UK's own suggestion).
        "EXIT_PAGE_URL": env.get("EXIT_PAGE_URL", "https://www.bbc.co.uk/weather"),
        "COUNCIL_EMAIL": env.get("COUNCIL_EMAIL", "dpo@camden.gov.uk"),
        "COUNCIL_ADDRESS": env.get("COUNCIL_ADDRESS", "Judd Street, London, WC1H 9JE"),
        "EXTRA_NON_WORKING_DAYS": _dates(env.get("EXTRA_NON_WORKING_DAYS", "")),
        # Letters the portal makes (outcome notices) go through Notify's precompiled-letter API
        # when this is on; otherwise staff print them from the request page and record posting.
        "NOTIFY_LETTERS": env.get("NOTIFY_LETTERS", "").lower() in ("1", "true", "yes", "on"),
        # Art 18(3): working days between telling the requester a restriction will be lifted and
        # recording the lift.
        "LIFT_NOTICE_WORKING_DAYS": int(env.get("LIFT_NOTICE_WORKING_DAYS", "10")),
        "TASK_TARGET_WORKING_DAYS": int(env.get("TASK_TARGET_WORKING_DAYS", "5")),
        "REMINDER_WORKING_DAYS": _ints(
            "REMINDER_WORKING_DAYS", env.get("REMINDER_WORKING_DAYS", "5,2")
        ),
        # Sweep batches written at once on PostgreSQL, each on its own connection (SQLite: one).
        # Each batch waits on the database about half its time; two fill two cores. In the
        # worker these come on top of NOTIFY_SEND_THREADS, its heartbeat and its own
        # connection: 10 + 1 + 1 + 2 by default, within the pool's 15 (5 + 10 overflow).
        "SWEEP_CONNECTIONS": _positive("SWEEP_CONNECTIONS", env.get("SWEEP_CONNECTIONS", "2")),
        # Notify's test numbers (07700 900xxx) are not real numbers to `phonenumbers`.
        "ALLOW_TEST_PHONE_NUMBERS": not production,
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        # Lets several portals (or test runs) share one Redis without sharing counts.
        "RATELIMIT_KEY_PREFIX": env.get("RATELIMIT_KEY_PREFIX", "portal"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Per client (address): new requests started, files uploaded (journey and tracking
        # pages together) and one-time codes sent (journey, resend and tracking together).
        "LIMIT_START_REQUEST": env.get("LIMIT_START_REQUEST", "10 per minute; 30 per hour"),
        "LIMIT_UPLOADS": env.get("LIMIT_UPLOADS", "10 per minute; 40 per hour"),
        "LIMIT_CODES_SENT": env.get("LIMIT_CODES_SENT", "5 per minute; 20 per hour"),
        "MAX_CONTENT_LENGTH": 11 * 1024 * 1024,  # a 10 MB upload plus the form around it
        # Disclosure pack files are streamed here; evidence and journey uploads stay in the row.
        "UPLOAD_STORAGE_DIR": env.get("UPLOAD_STORAGE_DIR") or str(instance / "uploads"),
        # Malware scanning of every upload by ClamAV's clamd: a Unix socket, or a host and port.
        # Neither set: uploads are not scanned (the staff Services page says so).
        "CLAMD_SOCKET": env.get("CLAMD_SOCKET") or None,
        "CLAMD_HOST": env.get("CLAMD_HOST") or None,
        "CLAMD_PORT": _positive("CLAMD_PORT", env.get("CLAMD_PORT", "3310")),
        "CLAMD_TIMEOUT": float(env.get("CLAMD_TIMEOUT", "20")),
        "PACK_MAX_MB": _positive("PACK_MAX_MB", env.get("PACK_MAX_MB", "200")),
        "DELIVERY_DAYS": _positive("DELIVERY_DAYS", env.get("DELIVERY_DAYS", "60")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        # Separate cookies for the resident's and the staff session (portal/sessions.py). The
        # __Host- prefix makes the browser accept them only Secure, for this host, for path /.
        "SESSION_COOKIE_NAME": f"{cookie_prefix}portal_session",
        "STAFF_SESSION_COOKIE_NAME": f"{cookie_prefix}portal_staff_session",
        "SESSION_COOKIE_PATH": "/",
        "SESSION_COOKIE_DOMAIN": None,
        # Sessions live server-side: in the database, or in Redis when this is set.
        "SESSION_REDIS_URL": env.get("SESSION_REDIS_URL") or None,
        # Staff sessions' records (staff are signed out sooner by STAFF_IDLE_MINUTES).
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=2),
        # A resident's session ends this long after their last page: the one setting the
        # session store, the time-out warning and every page that mentions it read.
        "RESIDENT_SESSION_MINUTES": _positive(
            "RESIDENT_SESSION_MINUTES", env.get("RESIDENT_SESSION_MINUTES", "120")
        ),
        # The time-out warning opens this long before a session ends.
        "TIMEOUT_WARNING_SECONDS": _positive(
            "TIMEOUT_WARNING_SECONDS", env.get("TIMEOUT_WARNING_SECONDS", "120")
        ),
        "STAFF_IDLE_MINUTES": _positive("STAFF_IDLE_MINUTES", env.get("STAFF_IDLE_MINUTES", "30")),
        "STAFF_SESSION_HOURS": _positive(
            "STAFF_SESSION_HOURS", env.get("STAFF_SESSION_HOURS", "12")
        ),
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO").upper(),
        # Proxies in front that set X-Forwarded-For/-Proto/-Host (0: none, the client connects
        # straight to us). Rate limits key on the address the nearest untrusted hop gave.
        "TRUSTED_PROXIES": _count("TRUSTED_PROXIES", env.get("TRUSTED_PROXIES", "0")),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "PREFERRED_URL_SCHEME": "https" if production else "http",
    }


def check_scanner_config(config: dict) -> None:
    """In production every upload must be scanned: refuse to start without a ClamAV daemon to ask
    (uploads would otherwise be accepted unscanned, which is only for development)."""
    if config["PRODUCTION"] and not (config.get("CLAMD_SOCKET") or config.get("CLAMD_HOST")):
        raise ConfigError("CLAMD_SOCKET or CLAMD_HOST must be set when PORTAL_ENV=production")


def check_notify_config(config: dict, messages) -> None:
    """In production every message must really be sendable: refuse to start otherwise."""
    if not config["PRODUCTION"]:
        return
    if not config["NOTIFY_API_KEY"]:
        raise ConfigError("NOTIFY_API_KEY must be set when PORTAL_ENV=production")
    missing = [
        m.env_var(channel)
        for m in messages.values()
        for channel in m.channels
        if m.needs_template(channel) and not config["NOTIFY_TEMPLATE_IDS"].get(m.env_var(channel))
    ]
    if missing:
        raise ConfigError(
            "These Notify template ids are not set (see `flask --app portal notify templates "
            "--env`): " + ", ".join(missing)
        )
