"""The HTTP session every Salesforce request goes through, and its meter.

``requests`` lets ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` from the
environment replace ``Session.verify`` whenever ``trust_env`` is on, so a CA
bundle (or ``verify_tls = false``) set in our settings would silently lose to
the machine's defaults. ``PinnedVerifySession`` keeps the environment's
proxies (and its bundle when we configured none) but puts our own
verification choice back last.

``UsageMeter`` is a response hook: it counts every HTTP request by operation
(logins included) and remembers the org's usage from ``Sforce-Limit-Info``.
It also counts the ``ApiEvent``s the connector meets (retries, re-logins,
short pages…), so the run report can say what happened without a log line
per record.
"""

from __future__ import annotations

import collections
import logging
import re
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from connectors.base import ApiEvent
from connectors.errors import BudgetExhaustedError, ConfigurationError

__all__ = ["PinnedVerifySession", "UsageMeter", "build_session", "operation_of"]

logger = logging.getLogger(__name__)

_LIMIT_INFO = re.compile(r"(?<![-\w])api-usage=(?P<used>\d+)/(?P<limit>\d+)")

# (method, path pattern) -> operation name, first match wins.
_DATA = r"^/services/data/v[\d.]+"
_OPERATIONS: tuple[tuple[str, re.Pattern[str], str], ...] = tuple(
    (method, re.compile(pattern), name)
    for method, pattern, name in (
        ("POST", r"^/services/oauth2/token/?$", "login"),
        ("POST", r"^/services/Soap/u/", "login"),
        ("GET", _DATA + r"/query(All)?/?$", "query"),
        ("GET", _DATA + r"/query(All)?/[^/]+/?$", "query_more"),
        ("GET", _DATA + r"/sobjects/[^/]+/describe/?$", "describe"),
        ("GET", _DATA + r"/limits/recordCount/?$", "record_count"),
        ("GET", _DATA + r"/limits/?$", "limits"),
        ("PATCH", _DATA + r"/composite/sobjects/?$", "collections_update"),
        ("PATCH", _DATA + r"/sobjects/[^/]+/[^/]+/?$", "sobject_update"),
        ("POST", _DATA + r"/jobs/query/?$", "bulk_query_create"),
        ("GET", _DATA + r"/jobs/query/[^/]+/results/?$", "bulk_query_results"),
        ("GET", _DATA + r"/jobs/query/[^/]+/?$", "bulk_query_status"),
        ("POST", _DATA + r"/jobs/ingest/?$", "bulk_ingest_create"),
        ("PUT", _DATA + r"/jobs/ingest/[^/]+/batches/?$", "bulk_ingest_upload"),
        ("PATCH", _DATA + r"/jobs/ingest/[^/]+/?$", "bulk_ingest_close"),
        ("GET", _DATA + r"/jobs/ingest/[^/]+/\w+/?$", "bulk_ingest_results"),
        ("GET", _DATA + r"/jobs/ingest/[^/]+/?$", "bulk_ingest_status"),
    )
)


class PinnedVerifySession(requests.Session):
    """A session whose own ``verify`` wins over CA bundles in the environment,
    and whose requests time out (``timeout_seconds``) unless told otherwise."""

    timeout_seconds: float | None = None

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        # simple-salesforce sends most requests without a timeout; a silent
        # network would otherwise hang a nightly run forever.
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout_seconds
        return super().request(method, url, *args, **kwargs)

    def merge_environment_settings(
        self, url: str | bytes | None, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> Any:
        merged = super().merge_environment_settings(url, proxies, stream, verify, cert)
        # Without a setting of our own (verify still True) the environment's
        # bundle stays in force, as a corporate proxy may need it.
        if verify is None and self.verify is not True:
            merged["verify"] = self.verify
        return merged


def build_session(
    verify: bool | str, timeout_seconds: float | None = None
) -> PinnedVerifySession:
    """A session verifying TLS against ``verify`` (a CA bundle path, or a bool).

    Raises ``ConfigurationError`` when the CA bundle is not a file: requests
    would only find out at the first call, with an ``OSError`` of its own.
    """
    if isinstance(verify, str) and not Path(verify).is_file():
        raise ConfigurationError(
            f"The CA bundle {verify} is not a file; set ca_bundle to the PEM file "
            "of the CA that signs the Salesforce endpoint, or unset it"
        )
    session = PinnedVerifySession()
    session.verify = verify
    session.timeout_seconds = timeout_seconds
    return session


def operation_of(method: str, url: str) -> str:
    """The operation name a request counts under (``query``, ``login``, …)."""
    path = urlsplit(url).path
    for wanted, pattern, name in _OPERATIONS:
        if method.upper() == wanted and pattern.search(path):
            return name
    return "other"


class UsageMeter:
    """Counts requests and tracks the org's daily API usage."""

    def __init__(self, budget_percent: float) -> None:
        self.calls: collections.Counter[str] = collections.Counter()
        self.events: collections.Counter[str] = collections.Counter()
        self.org_used: int | None = None
        self.org_limit: int | None = None
        self._budget_percent = budget_percent
        self._lock = threading.Lock()

    def attach(self, session: requests.Session) -> None:
        """Count every response this session receives."""
        session.hooks["response"].append(self._on_response)

    def count_event(self, event: str, times: int = 1) -> None:
        """Count ``times`` occurrences of an ``ApiEvent`` key."""
        if times:
            with self._lock:
                self.events[str(event)] += times

    def ensure_budget(self) -> None:
        """Raise BudgetExhaustedError if one more call would pass our share."""
        if self.org_used is None or self.org_limit is None:
            return
        allowed = self.org_limit * self._budget_percent / 100
        if self.org_used + 1 > allowed:
            self.count_event(ApiEvent.BUDGET_STOP)
            raise BudgetExhaustedError(
                f"Salesforce API usage is {self.org_used} of {self.org_limit} "
                f"calls today; the configured budget ({self._budget_percent:g}%) "
                "is reached, so the run stops here and the next run continues",
                code="MKP_API_BUDGET",
            )

    def _on_response(
        self, response: requests.Response, *args: object, **kwargs: object
    ) -> None:
        operation = operation_of(response.request.method or "", response.url)
        with self._lock:
            self.calls[operation] += 1
            self._read_limit_info(response.headers.get("Sforce-Limit-Info"))
        logger.debug("Salesforce %s answered HTTP %s", operation, response.status_code)

    def _read_limit_info(self, header: str | None) -> None:
        match = _LIMIT_INFO.search(header or "")
        if match:
            self.org_used = int(match["used"])
            self.org_limit = int(match["limit"])
