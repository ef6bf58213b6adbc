"""The one place where Salesforce and transport failures get our meaning.

``classify`` maps a simple-salesforce exception, a ``requests`` exception or
a Salesforce error code onto the tree of ``connectors.errors``; retry
policies then name only ``RetriableError``. Decisions use the exception
type, the HTTP status and Salesforce's ``errorCode`` — never message text.
"""

from __future__ import annotations

from typing import Any

import requests
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceOperationError,
)

from connectors.errors import (
    AuthenticationError,
    BudgetExhaustedError,
    ConfigurationError,
    ConnectorError,
    FatalError,
    RetriableError,
)

__all__ = [
    "DELETED_RECORD_CODE",
    "RETRIABLE_RECORD_CODES",
    "SessionExpiredError",
    "classify",
    "error_code",
]

CLASSIFIED = (SalesforceError, SalesforceOperationError, requests.RequestException)


class SessionExpiredError(AuthenticationError):
    """The access token expired: one fresh login may mend it, a second may not."""


# Per-record codes worth sending again, alone, a little later.
RETRIABLE_RECORD_CODES = frozenset({"UNABLE_TO_LOCK_ROW"})

# The per-record code of a record deleted since it was read: reported, and
# never retried, since no later attempt can find it.
DELETED_RECORD_CODE = "ENTITY_IS_DELETED"

_RETRIABLE_STATUSES = frozenset({502, 503, 504})

_BY_CODE: dict[str, tuple[type[ConnectorError], str]] = {
    "REQUEST_LIMIT_EXCEEDED": (
        BudgetExhaustedError,
        "the org's daily API allowance is used up; the next scheduled run "
        "continues, or raise the allowance in Salesforce",
    ),
    "UNABLE_TO_LOCK_ROW": (RetriableError, "another process holds the record"),
    "SERVER_UNAVAILABLE": (RetriableError, "Salesforce is busy"),
    "QUERY_TIMEOUT": (RetriableError, "the query timed out on Salesforce"),
    "INVALID_SESSION_ID": (SessionExpiredError, "log in again"),
    "MALFORMED_QUERY": (
        ConfigurationError,
        "check account_filter and the field names in the settings",
    ),
    "INVALID_FIELD": (
        ConfigurationError,
        "a configured field does not exist or is not visible to the integration "
        "user: deploy the MKP fields and permission set (see `mkp check`)",
    ),
    "INVALID_TYPE": (
        ConfigurationError,
        "the object is not available to the integration user",
    ),
    "INVALID_QUERY_LOCATOR": (
        ConfigurationError,
        "the query cursor expired or was evicted; run again",
    ),
    "INSUFFICIENT_ACCESS": (
        ConfigurationError,
        "assign the MKP permission set to the integration user",
    ),
    "API_DISABLED_FOR_ORG": (
        ConfigurationError,
        "enable API access for the org and the integration user's profile",
    ),
}

_BY_STATUS: dict[int, tuple[type[ConnectorError], str]] = {
    401: (SessionExpiredError, "log in again"),
    403: (ConfigurationError, "the integration user lacks a permission"),
    404: (ConfigurationError, "check login_url and api_version"),
    414: (ConfigurationError, "the request is too long for Salesforce"),
    431: (ConfigurationError, "the request is too long for Salesforce"),
}


def classify(exc: BaseException, action: str) -> ConnectorError:
    """Our error for ``exc``, raised while doing ``action`` (e.g. "query Account")."""
    if isinstance(exc, ConnectorError):
        return exc
    if isinstance(exc, SalesforceAuthenticationFailed):
        return _authentication(exc, action)
    if isinstance(exc, SalesforceError):
        return _salesforce(exc, action)
    if isinstance(exc, requests.RequestException):
        return _transport(exc, action)
    return FatalError(f"Salesforce {action} failed: {type(exc).__name__}: {exc}")


def error_code(content: Any) -> str | None:
    """Salesforce's ``errorCode`` (or ``statusCode``) from an error body."""
    entries = content if isinstance(content, list) else [content]
    for entry in entries:
        if isinstance(entry, dict):
            code = entry.get("errorCode") or entry.get("statusCode")
            if isinstance(code, str):
                return code
    return None


def _salesforce(exc: SalesforceError, action: str) -> ConnectorError:
    code = error_code(exc.content)
    if isinstance(exc, SalesforceExpiredSession):
        code = code or "INVALID_SESSION_ID"
    kind, remedy = _BY_CODE.get(code or "", (None, ""))
    if kind is None:
        kind, remedy = _by_status(exc.status)
    detail = _detail(exc.content)
    return kind(
        f"Salesforce refused {action} (HTTP {exc.status}, {code or 'no error code'})"
        f"{detail}: {remedy}",
        code=code,
        status=exc.status,
    )


def _by_status(status: int) -> tuple[type[ConnectorError], str]:
    if status in _RETRIABLE_STATUSES:
        return RetriableError, "Salesforce or its network is briefly unavailable"
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    return FatalError, "an unexpected answer; see the Salesforce status page"


def _authentication(exc: SalesforceAuthenticationFailed, action: str) -> ConnectorError:
    # The token endpoint reports an HTTP status as the code when its body is
    # not the OAuth JSON error, e.g. a 503 page during maintenance.
    code = exc.code
    if isinstance(code, int) and code in _RETRIABLE_STATUSES:
        return RetriableError(
            f"Salesforce login for {action} got HTTP {code}; trying again later",
            status=code,
        )
    return AuthenticationError(
        f"Salesforce refused the login for {action} ({code}: {exc.auth_message}): "
        "check client_id, the secret or key, the username and login_url",
        code=str(code) if code is not None else None,
        status=exc.status,
    )


def _transport(exc: requests.RequestException, action: str) -> ConnectorError:
    name = type(exc).__name__
    if isinstance(exc, requests.exceptions.SSLError):
        return ConfigurationError(
            f"TLS verification failed for {action} ({name}): set ca_bundle to the "
            "CA that signs the Salesforce endpoint, or fix the proxy certificate"
        )
    if isinstance(exc, requests.exceptions.JSONDecodeError):
        return RetriableError(
            f"Salesforce answered {action} with a body that is not JSON ({name}), "
            "as a maintenance page or a proxy does"
        )
    if isinstance(
        exc,
        requests.Timeout
        | requests.ConnectionError
        | requests.exceptions.ChunkedEncodingError,
    ):
        return RetriableError(f"network fault during {action} ({name}); trying again")
    return FatalError(f"request for {action} could not be sent ({name}): {exc}")


def _detail(content: Any) -> str:
    if isinstance(content, list | dict):
        entries = content if isinstance(content, list) else [content]
        messages = [str(e.get("message", "")) for e in entries if isinstance(e, dict)]
        text = "; ".join(m.strip() for m in messages if m.strip())
        return f" — {text[:300]}" if text else ""
    return ""  # HTML pages and other raw bodies say nothing an operator needs
