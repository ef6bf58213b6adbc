"""One logged-in simple-salesforce client, with retries, re-login and a budget.

Every request the connector makes goes through ``SalesforceApi.call``:

1. refuse to start when the org's usage has reached our budget share;
2. log in if no client exists yet (first use), run the request, and
   classify any failure (``_classify``);
3. on an expired session, log in once more and repeat the request once —
   a second refusal is an AuthenticationError, never a login loop;
4. retry only RetriableError, with capped exponential backoff and jitter.

Retries (by the fault's code), re-logins and budget stops are counted as
``ApiEvent``s on the meter for the run report.
"""

from __future__ import annotations

import decimal
import logging
from collections.abc import Callable
from typing import TypeVar

import requests
import tenacity
from simple_salesforce.api import Salesforce

from connectors.base import ApiEvent
from connectors.errors import (
    AuthenticationError,
    BudgetExhaustedError,
    RetriableError,
)
from connectors.salesforce._auth import fetch_token
from connectors.salesforce._classify import CLASSIFIED, SessionExpiredError, classify
from connectors.salesforce._transport import UsageMeter, build_session
from connectors.salesforce.settings import SalesforceSettings

__all__ = ["SalesforceApi", "fault_name"]

logger = logging.getLogger(__name__)

T = TypeVar("T")


class SalesforceApi:
    """The connector's only door to Salesforce."""

    def __init__(
        self,
        settings: SalesforceSettings,
        *,
        session: requests.Session | None = None,
        client: Salesforce | None = None,
    ) -> None:
        self.settings = settings
        self.session: requests.Session = (
            session
            or getattr(client, "session", None)
            or build_session(settings.tls_verify, settings.request_timeout_seconds)
        )
        self.meter = UsageMeter(settings.api_budget_percent)
        self.meter.attach(self.session)
        self._client = client

    def login(self) -> Salesforce:
        """Get a fresh access token and a client bound to it."""
        token = self._send("login", lambda: fetch_token(self.settings, self.session))
        self._client = Salesforce(
            instance_url=token.instance_url,
            session_id=token.access_token,
            session=self.session,
            version=self.settings.api_version,
            parse_float=decimal.Decimal,
        )
        logger.info("Logged in to Salesforce at %s", token.instance_url)
        return self._client

    def call(self, action: str, request: Callable[[Salesforce], T]) -> T:
        """Run ``request`` against the client, as described in the module."""
        result: T = self._retrying()(self._attempt, action, request)
        return result

    def _attempt(self, action: str, request: Callable[[Salesforce], T]) -> T:
        client = self._client or self.login()
        try:
            return self._send(action, lambda: request(client))
        except SessionExpiredError:
            logger.info(
                "Salesforce session expired during %s; logging in again", action
            )
        self.meter.count_event(ApiEvent.RELOGIN)
        client = self.login()
        try:
            return self._send(action, lambda: request(client))
        except SessionExpiredError as exc:
            raise AuthenticationError(
                f"Salesforce refused {action} again right after a fresh login: "
                "check the integration user's session policy and IP restrictions",
                code=exc.code,
                status=exc.status,
            ) from exc

    def _send(self, action: str, request: Callable[[], T]) -> T:
        self.meter.ensure_budget()
        try:
            return request()
        except CLASSIFIED as exc:
            error = classify(exc, action)
            if isinstance(error, BudgetExhaustedError):
                self.meter.count_event(ApiEvent.BUDGET_STOP)
            raise error from exc

    def _retrying(self) -> tenacity.Retrying:
        return tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(RetriableError),
            wait=tenacity.wait_random_exponential(
                multiplier=self.settings.retry_base_seconds,
                max=self.settings.retry_max_seconds,
            ),
            stop=tenacity.stop_after_attempt(self.settings.retry_attempts),
            before_sleep=self._before_retry,
            reraise=True,
        )

    def _before_retry(self, state: tenacity.RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        fault = fault_name(error)
        self.meter.count_event(ApiEvent.RETRY.keyed(fault))
        delay = state.next_action.sleep if state.next_action else 0.0
        logger.warning(
            "Transient Salesforce fault (%s); attempt %d failed, retrying in %.1f s",
            fault,
            state.attempt_number,
            delay,
        )


def fault_name(error: BaseException | None) -> str:
    """Salesforce's error code, else ``HTTP_<status>``, else the transport
    fault's type (``ConnectionError``), for counting retries."""
    code = getattr(error, "code", None)
    if code:
        return str(code)
    status = getattr(error, "status", None)
    if status:
        return f"HTTP_{status}"
    cause = error.__cause__ if error is not None else None
    return type(cause or error).__name__
