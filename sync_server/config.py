"""Settings of the sync server: one validated object, read from ``FIELDTALLY_*`` variables.

``get_settings()`` is the only place the environment is read; ``create_app``
and the CLI take a ``Settings`` so tests pass their own.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from schemas.common import PROGRAMME_TZ_NAME
from schemas.sync import MAX_BODY_BYTES

from .errors import ConfigError

ENV_PREFIX = "FIELDTALLY_"
DEFAULT_DATABASE_URL = "sqlite:///./var/fieldtally.sqlite3"


class Settings(BaseModel):
    """Everything the server can be told; invalid values are refused at construction."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = DEFAULT_DATABASE_URL
    # Largest push body, compressed or not; past it the answer is 413.
    max_body_bytes: int = Field(default=MAX_BODY_BYTES, ge=1024, le=256 * 1024 * 1024)
    # Failed sign-ins allowed per username and client address within the window.
    signin_max_failures: int = Field(default=5, ge=1, le=1000)
    signin_window_seconds: int = Field(default=300, ge=1, le=7 * 24 * 3600)
    # The programme's calendar: "today", the current year and phase are judged here.
    timezone: str = PROGRAMME_TZ_NAME
    sqlite_busy_timeout_ms: int = Field(default=10_000, ge=0, le=600_000)
    db_pool_size: int = Field(default=5, ge=1, le=200)
    # Pushes one worker process stores at once; later ones wait their turn without holding a thread
    # or a database connection, so that dashboards and pulls are answered while phones queue.
    push_concurrency: int = Field(default=4, ge=1, le=200)
    # The X25519 key pair that can open phones' vaults after a forgotten PIN (made on first use).
    # Default: recovery-key.json beside the SQLite file, or ./var/recovery-key.json. Back it up apart.
    recovery_key_file: str | None = None
    # The app's web build at /app/ (needs the "web" extra). Every browser is its own device, its
    # encrypted files under web_data_dir (default: web-devices beside the SQLite file, or ./var/web-devices).
    serve_app: bool = True
    web_data_dir: str | None = None
    # A browser session nobody touches locks itself after this long (0: never).
    web_idle_lock_minutes: float = Field(default=15, ge=0, le=24 * 60)
    # How long Flet keeps a closed tab's session for a reload; the vault is locked at once regardless.
    web_session_timeout_seconds: int = Field(default=300, ge=10, le=24 * 3600)
    # Files the web client would fetch from a CDN, served from our own origin (scripts/fetch_web_assets.sh).
    web_assets_dir: str = "var/web-assets"
    # Photos, one file per content hash, never in the database. Default: a media folder beside the
    # SQLite file, or ./var/media. Back it up with the database (docs/operations.md).
    media_dir: str | None = None
    # Create tables and seed the shipped forms and plans when the app starts.
    init_db_on_startup: bool = True
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, v: str) -> str:
        v = v.strip()
        if not (v.startswith("sqlite") or v.startswith("postgresql")):
            raise ValueError("database_url must be a sqlite:/// or postgresql+psycopg:// URL")
        if v.startswith("postgresql") and not v.startswith("postgresql+psycopg://"):
            raise ValueError("use the psycopg 3 driver: postgresql+psycopg://user@host/db")
        return v

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {v!r}") from exc
        return v

    @property
    def database_kind(self) -> Literal["sqlite", "postgresql"]:
        return "sqlite" if self.database_url.startswith("sqlite") else "postgresql"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def with_changes(self, **changes: object) -> Settings:
        """A validated copy with some values replaced."""
        return make_settings({**self.model_dump(), **changes})


def make_settings(values: Mapping[str, object]) -> Settings:
    """``Settings(**values)``, with a validation failure turned into a readable ConfigError."""
    try:
        return Settings.model_validate(dict(values))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"invalid settings: {problems}") from exc


def get_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from ``FIELDTALLY_<NAME>`` variables, e.g. FIELDTALLY_DATABASE_URL, FIELDTALLY_ENVIRONMENT."""
    environ = os.environ if environ is None else environ
    fields = Settings.model_fields
    values: dict[str, object] = {}
    for key, raw in environ.items():
        name = key[len(ENV_PREFIX) :].lower() if key.startswith(ENV_PREFIX) else ""
        # Other FIELDTALLY_* variables belong to the app or the test suites: not ours to refuse.
        if name in fields:
            values[name] = raw
    return make_settings(values)


def beside_database(database_url: str, name: str) -> Path:
    """Where the server keeps a file or folder of its own (``name``) unless a setting names it:
    beside the SQLite file, or under ./var for a database that is not a file (PostgreSQL, memory)."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    database = url.database or ""
    if (
        url.get_backend_name() == "sqlite"
        and database
        and database != ":memory:"
        and "mode=memory" not in database
    ):
        return Path(database).expanduser().resolve().parent / name
    return Path("var") / name
