"""How the connector reaches one Salesforce org, and how hard it may use it.

Used nested in the application settings, so every key below is also an
environment variable ``MKP_SALESFORCE__<KEY>`` (``MKP_SALESFORCE__FIELDS``
takes JSON). Secrets are ``SecretStr``: they never appear in a repr, a log
line or a dumped settings object.
"""

from __future__ import annotations

import enum
import re
from pathlib import Path
from typing import Annotated, Any, Literal, Self
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)

from connectors.fields import POTENTIAL_OVERRIDE_FIELD, field_names
from connectors.salesforce._filter import validate_filter

__all__ = ["AuthMode", "SalesforceSettings"]

# A Salesforce API name: letters, digits and single underscores, optionally
# with a namespace prefix and a __c/__r suffix. Anything else could smuggle
# SOQL into a SELECT list, so it is refused here.
_API_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")

Percent = Annotated[float, Field(gt=0, le=100)]
Seconds = Annotated[float, Field(ge=0)]


class AuthMode(enum.StrEnum):
    """How the integration user logs in (all through OAuth 2.0)."""

    CLIENT_CREDENTIALS = "client_credentials"
    JWT = "jwt"
    PASSWORD = "password"  # noqa: S105 - the name of a login flow, not a secret


class SalesforceSettings(BaseModel):
    """Connection, field names and API-usage limits for one org."""

    # Validation errors would otherwise echo the raw input, secrets included.
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    login_url: str = "https://login.salesforce.com"
    auth_mode: AuthMode = AuthMode.CLIENT_CREDENTIALS
    client_id: str = ""
    client_secret: SecretStr | None = None
    username: str | None = None
    password: SecretStr | None = None
    security_token: SecretStr | None = None
    private_key_file: Path | None = None
    jwt_audience: str | None = None
    api_version: str = Field(default="59.0", pattern=r"^\d{2,3}\.0$")
    ca_bundle: Path | None = None
    verify_tls: bool = True
    request_timeout_seconds: float = Field(default=120.0, gt=0)

    fields: dict[str, str] = Field(default_factory=dict, validate_default=True)
    potential_override_field: str = POTENTIAL_OVERRIDE_FIELD
    multi_currency: bool | Literal["auto"] = "auto"
    account_filter: str | None = None
    include_leads: bool = True

    api_budget_percent: Percent = 90.0
    bulk_read_threshold: int = Field(default=10_000, ge=0)
    bulk_write_threshold: int = Field(default=2_000, ge=0)
    query_batch_size: int = Field(default=2000, ge=200, le=2000)
    bulk_query_page_records: int = Field(default=50_000, ge=1)
    bulk_job_max_bytes: int = Field(default=90 * 1024 * 1024, ge=1024)
    bulk_poll_seconds: Seconds = 2.0
    bulk_timeout_seconds: float = Field(default=3 * 3600.0, gt=0)

    retry_attempts: int = Field(default=5, ge=1)
    retry_base_seconds: Seconds = 1.0
    retry_max_seconds: Seconds = 60.0
    lock_retry_attempts: int = Field(default=4, ge=0)

    @field_validator("login_url")
    @classmethod
    def _https_login_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError(
                "login_url must be an https URL such as https://login.salesforce.com, "
                "https://test.salesforce.com or https://<mydomain>.my.salesforce.com"
            )
        return value.rstrip("/")

    @field_validator("fields", mode="after")
    @classmethod
    def _complete_fields(cls, value: dict[str, str]) -> dict[str, str]:
        names = field_names(value)
        for name in names.values():
            _check_api_name(name)
        return names

    @field_validator("potential_override_field")
    @classmethod
    def _override_name(cls, value: str) -> str:
        return _check_api_name(value)

    @field_validator("account_filter")
    @classmethod
    def _safe_filter(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        return validate_filter(value)

    @model_validator(mode="after")
    def _override_is_an_input(self) -> Self:
        # Reading our own output as sales' estimate would freeze every
        # potential at the value written the night before.
        written = {name.lower() for name in self.fields.values()}
        if self.potential_override_field.lower() in written:
            raise ValueError(
                f"potential_override_field {self.potential_override_field} is "
                "also an output field; name the field sales enter estimates in"
            )
        return self

    @model_validator(mode="after")
    def _credentials_for_mode(self) -> Self:
        missing = [
            name for name in _REQUIRED[self.auth_mode] if not _is_set(self, name)
        ]
        if missing:
            raise ValueError(
                f"auth_mode {self.auth_mode.value} needs {', '.join(missing)} "
                f"(MKP_SALESFORCE__{missing[0].upper()})"
            )
        return self

    @property
    def tls_verify(self) -> bool | str:
        """What ``requests`` should verify the server certificate against."""
        if not self.verify_tls:
            return False
        return str(self.ca_bundle) if self.ca_bundle else True


_REQUIRED: dict[AuthMode, tuple[str, ...]] = {
    AuthMode.CLIENT_CREDENTIALS: ("client_id", "client_secret"),
    AuthMode.JWT: ("client_id", "username", "private_key_file"),
    AuthMode.PASSWORD: ("client_id", "client_secret", "username", "password"),
}


def _is_set(settings: SalesforceSettings, name: str) -> bool:
    value: Any = getattr(settings, name)
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    return value is not None and value != ""


def _check_api_name(name: str) -> str:
    if not _API_NAME.fullmatch(name) or "___" in name:
        raise ValueError(f"{name!r} is not a Salesforce field API name")
    return name
