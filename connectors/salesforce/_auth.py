"""Getting an access token from the org's OAuth 2.0 token endpoint.

Three grants, chosen by ``auth_mode``: client credentials (HTTP Basic with the
connected app's key and secret), JWT bearer (an RS256 assertion signed with
the connected app's private key) and username-password. Failures are raised
as simple-salesforce's own exceptions so that ``classify`` alone decides what
they mean.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import jwt
import requests
from simple_salesforce.exceptions import SalesforceAuthenticationFailed
from simple_salesforce.util import exception_handler

from connectors.errors import ConfigurationError
from connectors.salesforce.settings import AuthMode, SalesforceSettings

__all__ = ["Token", "fetch_token", "jwt_audience"]

JWT_LIFETIME_SECONDS = 180
_JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@dataclasses.dataclass(frozen=True)
class Token:
    """An access token and the instance it is valid for."""

    access_token: str = dataclasses.field(repr=False)
    instance_url: str


def fetch_token(settings: SalesforceSettings, session: requests.Session) -> Token:
    """Log in once with the configured grant."""
    form, auth = _GRANTS[settings.auth_mode](settings)
    response = session.post(
        f"{settings.login_url}/services/oauth2/token",
        data=form,
        auth=auth,
        headers={"Accept": "application/json"},
        timeout=settings.request_timeout_seconds,
    )

    return _token_from(response)


def jwt_audience(settings: SalesforceSettings) -> str:
    """The ``aud`` claim: Salesforce wants its login or test host, not My Domain."""
    if settings.jwt_audience:
        return settings.jwt_audience
    host = urlsplit(settings.login_url).hostname or ""
    if host == "test.salesforce.com" or host.endswith(".sandbox.my.salesforce.com"):
        return "https://test.salesforce.com"
    if host.endswith(".salesforce.com"):
        return "https://login.salesforce.com"
    return settings.login_url


_Grant = tuple[dict[str, str], tuple[str, str] | None]


def _client_credentials(settings: SalesforceSettings) -> _Grant:
    return {"grant_type": "client_credentials"}, (
        settings.client_id,
        _secret(settings.client_secret),
    )


def _jwt_bearer(settings: SalesforceSettings) -> _Grant:
    claims = {
        "iss": settings.client_id,
        "sub": settings.username,
        "aud": jwt_audience(settings),
        "exp": int(time.time()) + JWT_LIFETIME_SECONDS,
    }
    try:
        assertion = jwt.encode(claims, _private_key(settings), algorithm="RS256")
    except jwt.exceptions.InvalidKeyError as exc:
        # The library's text speaks of a "public key"; name the file instead.
        raise ConfigurationError(
            f"The JWT private key {settings.private_key_file} is not an RSA "
            "private key in PEM form; set private_key_file to the connected "
            "app's PEM key, not its certificate"
        ) from exc
    return {"grant_type": _JWT_GRANT, "assertion": assertion}, None


def _password(settings: SalesforceSettings) -> _Grant:
    form = {
        "grant_type": "password",
        "client_id": settings.client_id,
        "client_secret": _secret(settings.client_secret),
        "username": settings.username or "",
        # Salesforce expects the security token appended to the password.
        "password": _secret(settings.password) + _secret(settings.security_token),
    }
    return form, None


_GRANTS: dict[AuthMode, Callable[[SalesforceSettings], _Grant]] = {
    AuthMode.CLIENT_CREDENTIALS: _client_credentials,
    AuthMode.JWT: _jwt_bearer,
    AuthMode.PASSWORD: _password,
}


def _token_from(response: requests.Response) -> Token:
    if response.status_code >= 500:
        exception_handler(response, name="login")
    body = _json_or_none(response)
    if response.status_code != 200 or not isinstance(body, dict):
        error = body.get("error") if isinstance(body, dict) else response.status_code
        description = body.get("error_description") if isinstance(body, dict) else ""
        raise SalesforceAuthenticationFailed(error, description)
    if not body.get("access_token") or not body.get("instance_url"):
        raise SalesforceAuthenticationFailed(
            "INVALID_TOKEN_RESPONSE",
            "the token answer lacks access_token or instance_url",
        )

    return Token(str(body["access_token"]), str(body["instance_url"]))


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except requests.exceptions.JSONDecodeError:
        return None


def _private_key(settings: SalesforceSettings) -> str:
    path = settings.private_key_file
    try:
        return path.read_text(encoding="ascii") if path else ""
    except OSError as exc:
        raise ConfigurationError(
            f"Cannot read the JWT private key {path}: {exc.strerror}; "
            "set private_key_file to the connected app's PEM key"
        ) from exc
    except UnicodeDecodeError as exc:
        raise ConfigurationError(
            f"The JWT private key {path} is not PEM text (a binary DER file?); "
            "set private_key_file to the connected app's PEM key"
        ) from exc


def _secret(value: Any) -> str:
    return value.get_secret_value() if value is not None else ""
