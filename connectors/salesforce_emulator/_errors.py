"""Errors the emulator answers with, shaped like Salesforce's own.

::

    EmulatorError                 root: anything the emulator raises on purpose
    ├── ApiError                  a whole request fails: HTTP status + error list
    │   └── QueryError            a SOQL statement Salesforce would refuse (400)
    └── RecordError               one record fails; the request may go on
"""

from __future__ import annotations

from typing import Any

__all__ = ["ApiError", "EmulatorError", "QueryError", "RecordError"]


class EmulatorError(Exception):
    """Root of the emulator's own errors."""


class ApiError(EmulatorError):
    """A request Salesforce refuses as a whole, e.g. 404 NOT_FOUND."""

    def __init__(
        self, status: int, code: str, message: str, fields: list[str] | None = None
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields

    def body(self) -> list[dict[str, Any]]:
        """The JSON error list Salesforce sends for a failed REST request."""
        error: dict[str, Any] = {"message": self.message, "errorCode": self.code}
        if self.fields is not None:
            error["fields"] = self.fields
        return [error]


class QueryError(ApiError):
    """A SOQL statement refused with MALFORMED_QUERY, INVALID_FIELD or similar."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(400, code, message)


class RecordError(EmulatorError):
    """One record refused, with Salesforce's status code and the fields at fault."""

    def __init__(
        self, code: str, message: str, fields: list[str] | None = None
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.fields = fields or []

    def as_result(self) -> dict[str, Any]:
        """The error entry of an sObject Collections result."""
        return {"statusCode": self.code, "message": self.message, "fields": self.fields}

    def as_api_error(self) -> ApiError:
        """The same failure as a single-record REST call reports it."""
        status = 404 if self.code in ("ENTITY_IS_DELETED", "NOT_FOUND") else 400
        return ApiError(status, self.code, self.message, self.fields)
