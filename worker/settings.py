"""All settings, read and validated once: environment (``MKP_``, nested with
``__``), an optional ``.env`` file, a TOML policy file, and for a deployment
serving several orgs an orgs file (``worker.orgs``).

Secrets are ``SecretStr`` and never printed: ``Settings.redacted()`` is what
logs and ``mkp check`` show.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Literal, Self
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from connectors import ConnectorError, SalesforceSettings
from mkp_core import Policy

__all__ = [
    "ORG_NAME_PATTERN",
    "IanaZone",
    "Settings",
    "SettingsError",
    "known_zone",
    "load_settings",
    "redact_url",
]

# An org name keys Redis entries, queues and snapshot folders.
ORG_NAME_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"


def known_zone(value: str) -> str:
    """``value`` when it names an IANA time zone; else a message that says so."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown time zone {value!r}: use an IANA name such as Europe/Berlin"
        ) from exc
    return value


IanaZone = Annotated[str, AfterValidator(known_zone)]

_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _known_log_level(value: str) -> str:
    """The level in capitals; logging and Celery both refuse any other name."""
    level = value.strip().upper()
    if level not in _LOG_LEVELS:
        raise ValueError(f"unknown log level: use one of {', '.join(_LOG_LEVELS)}")
    return level


LogLevel = Annotated[str, AfterValidator(_known_log_level)]


class Settings(BaseSettings):
    """Everything a run, a worker or beat needs to know."""

    model_config = SettingsConfigDict(
        env_prefix="MKP_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
        # A validation error would otherwise echo the raw input, URLs with
        # passwords included.
        hide_input_in_errors=True,
    )

    org: str = Field(default="default", pattern=ORG_NAME_PATTERN)
    policy_file: Path | None = None
    csv_profile: Path | None = None
    salesforce: SalesforceSettings | None = None
    # Several orgs in one deployment: one table per org (``worker.orgs``).
    orgs_file: Path | None = None
    # Per-org keys from the environment, ``MKP_ORGS__<ORG>__<KEY>``, merged
    # over the orgs file. Raw values, secrets among them: never dumped.
    orgs: dict[str, dict[str, Any]] = Field(
        default_factory=dict, exclude=True, repr=False
    )

    broker_url: SecretStr = SecretStr("redis://127.0.0.1:6379/0")
    result_backend: SecretStr = SecretStr("redis://127.0.0.1:6379/1")
    schedule_time: dt.time = dt.time(2, 30)
    schedule_timezone: IanaZone = "UTC"
    run_soft_time_limit_s: int = Field(default=4 * 3600, gt=0)
    run_time_limit_s: int = Field(default=4 * 3600 + 600, gt=0)
    history_size: int = Field(default=200, gt=0)
    # Scored portfolio of every run, for `mkp report`; None: the user's data
    # directory (see ``worker.snapshots.default_snapshot_dir``).
    snapshot_dir: Path | None = None
    snapshot_keep: int = Field(default=60, ge=1)
    # Beat's schedule (last run times); None: the user's data directory (see
    # ``worker._beat.default_beat_schedule_file``), not the working directory.
    beat_schedule_file: Path | None = None
    log_level: LogLevel = "INFO"

    # Longer than the hard time limit, or Redis hands a still-running task to a
    # second worker. None: the hard limit plus half an hour.
    visibility_timeout_s: int | None = Field(default=None, gt=0)
    lock_ttl_s: int = Field(default=60, ge=3)
    task_max_retries: int = Field(default=3, ge=0)
    retry_backoff_s: int = Field(default=60, gt=0)
    redis_ssl_cert_reqs: Literal["required", "optional", "none"] = "required"
    redis_ssl_ca_file: Path | None = None
    # Celery queue of this org's tasks; None: "mkp.<org>", so workers of
    # several orgs can share one Redis without taking each other's runs.
    queue: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.:-]{1,128}$")
    # On SIGQUIT (or SIGTERM with REMAP_SIGTERM=SIGQUIT) a worker waits this
    # long for its run, then hands the task back to the queue to be resumed.
    shutdown_grace_s: float = Field(default=60.0, ge=0)

    @model_validator(mode="after")
    def _time_limits_nest(self) -> Self:
        if self.run_soft_time_limit_s >= self.run_time_limit_s:
            raise ValueError("run_soft_time_limit_s must be below run_time_limit_s")
        if self.broker_visibility_timeout_s <= self.run_time_limit_s:
            raise ValueError(
                "visibility_timeout_s must be longer than run_time_limit_s, or a "
                "long run is delivered to a second worker while it still runs"
            )
        return self

    @property
    def task_queue(self) -> str:
        """The queue this org's tasks are sent to and consumed from."""
        return self.queue or f"mkp.{self.org}"

    @property
    def broker_visibility_timeout_s(self) -> int:
        """Seconds Redis waits before redelivering an unacknowledged task."""
        return self.visibility_timeout_s or self.run_time_limit_s + 1800

    def load_policy(self, override: Path | None = None) -> Policy:
        """The policy from ``override``, else the policy file, else defaults."""
        path = override or self.policy_file
        return Policy.from_toml(path) if path else Policy()

    def redacted(self) -> dict[str, Any]:
        """The settings as shown to people: secrets masked, URLs without passwords."""
        data = self.model_dump(mode="json")
        data["broker_url"] = redact_url(self.broker_url.get_secret_value())
        data["result_backend"] = redact_url(self.result_backend.get_secret_value())
        return data


def redact_url(url: str) -> str:
    """``redis://:secret@host/0`` → ``redis://:***@host/0``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    netloc = f"{user}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class SettingsError(ValueError):
    """Settings that cannot be used; the message names each bad variable."""


def load_settings() -> Settings:
    """The settings, or a ``SettingsError`` naming each bad variable (not its value)."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"MKP_{'__'.join(str(p) for p in error['loc']).upper()}: {error['msg']}"
            for error in exc.errors()
        )
        raise SettingsError(f"invalid settings: {problems}") from exc
    except ConnectorError as exc:
        raise SettingsError(f"invalid settings: {exc}") from exc
