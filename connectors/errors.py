"""Errors raised by connectors, grouped by what the caller must do.

::

    ConnectorError                   root: anything a connector raises on purpose
    ├── RetriableError               transient; the same call may succeed later
    │                                (HTTP 502/503/504, timeouts, resets, row locks)
    ├── FatalError                   retrying cannot help; an operator must act
    │   ├── AuthenticationError      bad or expired credentials, refused login
    │   ├── ConfigurationError       missing field, malformed query, bad profile
    │   └── InputFileError           a CSV file that cannot be read as a whole
    └── BudgetExhaustedError         the org's daily API allowance is used up
                                     (or our configured share of it): stop now,
                                     the next scheduled run picks up

Per-record failures (validation rules, deleted records) are not exceptions:
they come back as ``WriteFailure`` rows in a ``WriteResult``.
"""

from __future__ import annotations

__all__ = [
    "AuthenticationError",
    "BudgetExhaustedError",
    "ConfigurationError",
    "ConnectorError",
    "FatalError",
    "InputFileError",
    "RetriableError",
]


class ConnectorError(Exception):
    """Root of every error a connector raises on purpose.

    ``code`` is the CRM's own error code when there is one (e.g.
    ``INVALID_FIELD``); ``status`` the HTTP status when the CRM spoke HTTP.
    """

    def __init__(
        self, message: str, *, code: str | None = None, status: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


class RetriableError(ConnectorError):
    """A transient fault: the same request may succeed if tried again later."""


class FatalError(ConnectorError):
    """A fault that retrying cannot mend; the run stops and names the remedy."""


class AuthenticationError(FatalError):
    """The CRM refused the credentials."""


class ConfigurationError(FatalError):
    """The CRM or a profile lacks something the product needs (a field, a file)."""


class InputFileError(FatalError):
    """An input file cannot be read at all (missing file or required column)."""


class BudgetExhaustedError(ConnectorError):
    """The org's API allowance (or our share of it) is used up: stop, do not retry."""
