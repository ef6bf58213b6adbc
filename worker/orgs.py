"""The orgs one deployment serves, and the settings of each.

Without an orgs file a deployment serves one org, ``MKP_ORG``, configured by
the top-level settings (``MKP_SALESFORCE__…`` or ``MKP_CSV_PROFILE``,
``MKP_POLICY_FILE``, ``MKP_SCHEDULE_…``). With ``MKP_ORGS_FILE`` it serves
every org the file declares, one table each::

    [orgs.acme]
    policy_file = "policies/acme.toml"        # relative to the orgs file
    schedule_time = "02:30"
    schedule_timezone = "Europe/Berlin"

    [orgs.acme.salesforce]                    # any MKP_SALESFORCE__ key
    login_url = "https://acme.my.salesforce.com"
    client_id = "3MVG9…"
    client_secret = { file = "/run/secrets/acme-client-secret" }

    [orgs.globex]
    csv_profile = "/data/globex/profile.toml"

No secret is written in the file: a secret key names the file that holds it,
or is left out and set in the environment as
``MKP_ORGS__ACME__SALESFORCE__CLIENT_SECRET``. Any other key of an org may be
set there too, and the environment wins over the file. Keys an org leaves out
fall back to the deployment's ``MKP_POLICY_FILE``, ``MKP_SCHEDULE_TIME`` and
``MKP_SCHEDULE_TIMEZONE``. The top-level org is served beside the file's orgs
when it has a CRM of its own.

Beat needs only each org's schedule, so ``Orgs.schedules`` reads no secret.
A worker resolves an org's full settings (``Orgs.settings_for``) when a run of
that org starts, so one org's bad settings fail that org's runs only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
import tomllib
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError

from connectors import ConfigurationError, SalesforceSettings
from mkp_core import Policy
from worker.settings import ORG_NAME_PATTERN, IanaZone

if TYPE_CHECKING:
    from worker.settings import Settings

__all__ = [
    "OrgSchedule",
    "OrgSettings",
    "Orgs",
    "OrgsFileError",
    "org_env_prefix",
]

logger = logging.getLogger(__name__)

_PATH_KEYS = ("policy_file", "csv_profile")
_SALESFORCE_PATH_KEYS = ("private_key_file", "ca_bundle")


def _holds_secret(annotation: Any) -> bool:
    return annotation is SecretStr or SecretStr in typing.get_args(annotation)


# Keys of the Salesforce table that may never be written in the orgs file.
_SECRET_KEYS = frozenset(
    name
    for name, field in SalesforceSettings.model_fields.items()
    if _holds_secret(field.annotation)
)


class OrgsFileError(ConfigurationError):
    """An orgs file, or one org's settings, that cannot be used.

    The message names the file, the org and the key, never a secret's value.
    """


def org_env_prefix(org: str) -> str:
    """Prefix of the environment variables of one org: ``MKP_ORGS__ACME_EU__``."""
    return f"MKP_ORGS__{_env_key(org).upper()}__"


class OrgSchedule(BaseModel):
    """When beat starts an org's nightly resegmentation."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    schedule_time: dt.time
    schedule_timezone: IanaZone


class OrgSettings(OrgSchedule):
    """Everything a run of one org needs beyond the deployment's settings."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    name: str
    policy_file: Path | None = None
    csv_profile: Path | None = None
    salesforce: SalesforceSettings | None = None

    def load_policy(self, override: Path | None = None) -> Policy:
        """The policy from ``override``, else the org's policy file, else defaults."""
        path = override or self.policy_file
        return Policy.from_toml(path) if path else Policy()


@dataclasses.dataclass(frozen=True)
class _SecretFile:
    """A secret the orgs file names by the file holding it, read when needed."""

    path: Path


class Orgs:
    """The orgs one deployment serves: their names, schedules and settings."""

    def __init__(
        self,
        tables: dict[str, dict[str, Any]],
        *,
        defaults: dict[str, Any],
        env: dict[str, dict[str, Any]],
        source: str,
        declared: frozenset[str] = frozenset(),
    ) -> None:
        self._tables = tables
        self._defaults = defaults
        self._env = env
        self._source = source
        self._declared = declared

    @classmethod
    def from_settings(cls, settings: Settings) -> Orgs:
        """The orgs of the orgs file, else the single org of the top-level settings."""
        path = settings.orgs_file
        tables = _read_orgs_file(path) if path is not None else {}
        declared = frozenset(tables)
        if path is None or settings.salesforce or settings.csv_profile:
            if settings.org in tables:
                raise OrgsFileError(
                    f"{path}: org {settings.org} is declared here and by MKP_ORG "
                    "with its own CRM settings: keep one of the two"
                )
            tables[settings.org] = _top_level_table(settings)

        return cls(
            tables,
            defaults=_defaults(settings),
            env=_env_tables(settings.orgs, declared, path),
            source=str(path) if path is not None else "settings",
            declared=declared,
        )

    @property
    def names(self) -> tuple[str, ...]:
        """The served orgs, in the order they were declared."""
        return tuple(self._tables)

    def schedules(self) -> dict[str, OrgSchedule]:
        """Each org's nightly schedule, validated without reading any secret."""
        return {name: self._schedule(name) for name in self._tables}

    def settings_for(self, org: str) -> OrgSettings:
        """The full settings of one org, secrets included, validated."""
        values = {**self._defaults, **self._values(org), "name": org}
        if org in self._declared:
            self._check_one_crm(org, values)
        try:
            return OrgSettings.model_validate(values)
        except ValidationError as exc:
            raise self._invalid(org, exc) from exc

    def problems(self) -> dict[str, str]:
        """Why each org that cannot run cannot, by org; empty when all can."""
        found: dict[str, str] = {}
        for org in self._tables:
            try:
                self.settings_for(org)
            except OrgsFileError as exc:
                found[org] = exc.message
        return found

    def _schedule(self, org: str) -> OrgSchedule:
        values = {**self._defaults, **self._tables[org], **self._env.get(org, {})}
        try:
            return OrgSchedule.model_validate(values)
        except ValidationError as exc:
            raise self._invalid(org, exc) from exc

    def _values(self, org: str) -> dict[str, Any]:
        table = self._tables.get(org)
        if table is None:
            served = ", ".join(self._tables)
            raise OrgsFileError(
                f"This deployment serves {served}, not {org!r}: declare "
                f"[orgs.{org}] in the orgs file (MKP_ORGS_FILE), or send the task "
                "to the queue of a deployment that serves it"
            )
        resolved = _read_secret_files(self._source, org, table)
        return _deep_merge(resolved, self._env.get(org, {}))

    def _check_one_crm(self, org: str, values: dict[str, Any]) -> None:
        crms = [key for key in ("salesforce", "csv_profile") if values.get(key)]
        if not crms:
            raise OrgsFileError(
                f"{self._source}: org {org}: no CRM: add an [orgs.{org}.salesforce] "
                "table or a csv_profile"
            )
        if len(crms) > 1:
            raise OrgsFileError(
                f"{self._source}: org {org}: both salesforce and csv_profile are "
                "set: keep one"
            )

    def _invalid(self, org: str, exc: ValidationError) -> OrgsFileError:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or '(table)'}: {error['msg']}"
            for error in exc.errors()
        )
        if org in self._declared:
            # The connector's own hint names the single-org variable.
            problems = problems.replace(
                "MKP_SALESFORCE__", f"{org_env_prefix(org)}SALESFORCE__"
            )
        return OrgsFileError(f"{self._source}: org {org}: {problems}")


def _read_orgs_file(path: Path) -> dict[str, dict[str, Any]]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise OrgsFileError(f"{path}: orgs file not found (MKP_ORGS_FILE)") from exc
    except UnicodeDecodeError as exc:
        raise OrgsFileError(f"{path}: not UTF-8 text; save it as UTF-8") from exc
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise OrgsFileError(
            f"{path}: cannot read the orgs file (MKP_ORGS_FILE): {reason}"
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise OrgsFileError(f"{path}: not valid TOML: {exc}") from exc

    stray = sorted(set(data) - {"orgs"})
    if stray:
        raise OrgsFileError(
            f"{path}: unknown top-level key {stray[0]!r}: every setting belongs "
            "in an [orgs.<name>] table"
        )
    orgs = data.get("orgs")
    if not isinstance(orgs, dict) or not orgs:
        raise OrgsFileError(f"{path}: declares no org: add an [orgs.<name>] table")

    tables = {name: _file_table(path, name, table) for name, table in orgs.items()}
    _check_env_keys_unique(path, tables)
    return tables


def _file_table(path: Path, org: str, table: Any) -> dict[str, Any]:
    if not re.fullmatch(ORG_NAME_PATTERN, org):
        raise OrgsFileError(
            f"{path}: org name {org!r} must be 1-64 letters, digits, '_', '.' or '-'"
        )
    if not isinstance(table, dict):
        raise OrgsFileError(f"{path}: org {org}: must be a table, [orgs.{org}]")

    resolved = dict(table)
    for key in _PATH_KEYS:
        if isinstance(resolved.get(key), str):
            resolved[key] = _relative_to(path, resolved[key])
    if "salesforce" in resolved:
        resolved["salesforce"] = _salesforce_table(path, org, resolved["salesforce"])
    return resolved


def _salesforce_table(path: Path, org: str, table: Any) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise OrgsFileError(
            f"{path}: org {org}: salesforce must be a table, [orgs.{org}.salesforce]"
        )
    resolved = dict(table)
    for key in _SALESFORCE_PATH_KEYS:
        if isinstance(resolved.get(key), str):
            resolved[key] = _relative_to(path, resolved[key])
    for key in _SECRET_KEYS & set(resolved):
        resolved[key] = _secret_reference(path, org, key, resolved[key])
    return resolved


def _secret_reference(path: Path, org: str, key: str, value: Any) -> _SecretFile:
    named = value.get("file") if isinstance(value, dict) and len(value) == 1 else None
    if isinstance(named, str):
        return _SecretFile(_relative_to(path, named))
    variable = f"{org_env_prefix(org)}SALESFORCE__{key.upper()}"
    raise OrgsFileError(
        f"{path}: org {org}: salesforce.{key}: a secret is never written in the "
        f'orgs file: set {variable}, or name the file holding it, {{ file = "…" }}'
    )


def _read_secret_files(source: str, org: str, table: dict[str, Any]) -> dict[str, Any]:
    salesforce = table.get("salesforce")
    if not isinstance(salesforce, dict):
        return table
    resolved = dict(salesforce)
    for key, value in salesforce.items():
        if isinstance(value, _SecretFile):
            resolved[key] = _read_secret(source, org, key, value.path)
    return {**table, "salesforce": resolved}


def _read_secret(source: str, org: str, key: str, path: Path) -> str:
    try:
        # A trailing newline is how editors and `echo` end a file, not the secret.
        return path.read_text(encoding="utf-8").rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as exc:
        # The decode error's own text quotes the secret's bytes: name only its type.
        raise OrgsFileError(
            f"{source}: org {org}: salesforce.{key}: cannot read the secret file "
            f"{path} ({type(exc).__name__})"
        ) from None


def _relative_to(path: Path, value: str) -> Path:
    named = Path(value).expanduser()
    return named if named.is_absolute() else path.parent / named


def _top_level_table(settings: Settings) -> dict[str, Any]:
    return {
        "policy_file": settings.policy_file,
        "csv_profile": settings.csv_profile,
        "salesforce": settings.salesforce,
    }


def _defaults(settings: Settings) -> dict[str, Any]:
    return {
        "policy_file": settings.policy_file,
        "schedule_time": settings.schedule_time,
        "schedule_timezone": settings.schedule_timezone,
    }


def _env_key(org: str) -> str:
    # Environment variable names hold letters, digits and '_' only, and the
    # settings reader lowercases them.
    return re.sub(r"[^a-z0-9]", "_", org.lower())


def _check_env_keys_unique(path: Path, tables: dict[str, dict[str, Any]]) -> None:
    seen: dict[str, str] = {}
    for org in tables:
        other = seen.setdefault(_env_key(org), org)
        if other != org:
            raise OrgsFileError(
                f"{path}: orgs {other} and {org} share the environment prefix "
                f"{org_env_prefix(org)}: rename one"
            )


def _env_tables(
    raw: dict[str, dict[str, Any]], declared: frozenset[str], path: Path | None
) -> dict[str, dict[str, Any]]:
    by_key = {_env_key(org): org for org in declared}
    tables: dict[str, dict[str, Any]] = {}
    for key, table in raw.items():
        org = by_key.get(_env_key(key))
        if org is None:
            # A warning, not a refusal: a variable left behind by an org taken
            # out of the file must not stop the orgs that remain.
            logger.warning(
                "%s… is set but names no org of the orgs file %s; ignored",
                org_env_prefix(key),
                path or "(none: MKP_ORGS_FILE is unset)",
            )
            continue
        tables[org] = _deep_merge(tables.get(org, {}), table)
    return tables


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        below = merged.get(key)
        if isinstance(below, dict) and isinstance(value, dict):
            merged[key] = _deep_merge(below, value)
        else:
            merged[key] = value
    return merged
