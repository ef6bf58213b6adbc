"""Every failure the Salesforce boundary can meet maps onto one error class,
decided by type, HTTP status and Salesforce error code alone."""

import pytest
import requests
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceOperationError,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)

from connectors.errors import (
    AuthenticationError,
    BudgetExhaustedError,
    ConfigurationError,
    ConnectorError,
    FatalError,
    RetriableError,
)
from connectors.salesforce import classify
from connectors.salesforce._classify import SessionExpiredError

URL = "https://example.my.salesforce.com/services/data/v59.0/query/"
HTML_503 = "<html><body><h1>503 Service Unavailable</h1></body></html>"


def body(code: str, message: str = "") -> list[dict[str, str]]:
    return [{"errorCode": code, "message": message}]


def answer(status: int, content: object) -> SalesforceError:
    """The exception simple-salesforce raises for this HTTP answer."""
    raised = {
        400: SalesforceMalformedRequest,
        401: SalesforceExpiredSession,
        403: SalesforceRefusedRequest,
        404: SalesforceResourceNotFound,
    }.get(status, SalesforceGeneralError)
    return raised(URL, status, "query", content)  # type: ignore[arg-type]


CASES = [
    (answer(503, body("SERVER_UNAVAILABLE")), RetriableError),
    (answer(503, HTML_503), RetriableError),
    (answer(502, "Bad Gateway"), RetriableError),
    (answer(504, ""), RetriableError),
    (answer(400, body("UNABLE_TO_LOCK_ROW")), RetriableError),
    (answer(400, body("QUERY_TIMEOUT")), RetriableError),
    (requests.ConnectTimeout(), RetriableError),
    (requests.ReadTimeout(), RetriableError),
    (requests.ConnectionError("connection reset by peer"), RetriableError),
    (requests.exceptions.ChunkedEncodingError(), RetriableError),
    (requests.exceptions.JSONDecodeError("Expecting value", "<", 0), RetriableError),
    (SalesforceAuthenticationFailed(503, "Service Unavailable"), RetriableError),
    (answer(403, body("REQUEST_LIMIT_EXCEEDED")), BudgetExhaustedError),
    (SalesforceAuthenticationFailed("invalid_grant", "bad"), AuthenticationError),
    (SalesforceAuthenticationFailed("invalid_client_id", None), AuthenticationError),
    (answer(401, body("INVALID_SESSION_ID")), SessionExpiredError),
    (answer(400, body("MALFORMED_QUERY")), ConfigurationError),
    (answer(400, body("INVALID_FIELD")), ConfigurationError),
    (answer(400, body("INVALID_TYPE")), ConfigurationError),
    (answer(400, body("INVALID_QUERY_LOCATOR")), ConfigurationError),
    (answer(403, body("INSUFFICIENT_ACCESS")), ConfigurationError),
    (answer(403, body("API_DISABLED_FOR_ORG")), ConfigurationError),
    (answer(404, body("NOT_FOUND")), ConfigurationError),
    (answer(414, "<html>URI Too Long</html>"), ConfigurationError),
    (requests.exceptions.SSLError("certificate verify failed"), ConfigurationError),
    (answer(500, body("UNKNOWN_EXCEPTION")), FatalError),
    (answer(400, body("JSON_PARSER_ERROR")), FatalError),
    (SalesforceOperationError("Job failure"), FatalError),
    (requests.exceptions.InvalidURL("no host"), FatalError),
]


@pytest.mark.parametrize(
    ("failure", "expected"), CASES, ids=lambda v: getattr(v, "__name__", None)
)
def test_each_failure_maps_onto_exactly_its_error_class(
    failure: Exception, expected: type[ConnectorError]
) -> None:
    error = classify(failure, "query Account")
    assert type(error) is expected


def test_the_salesforce_error_code_and_status_are_kept_as_attributes() -> None:
    failure = answer(400, body("INVALID_FIELD", "No such column 'Foo__c'"))
    error = classify(failure, "query Account")
    assert (error.code, error.status) == ("INVALID_FIELD", 400)
    assert "query Account" in error.message
    assert "No such column 'Foo__c'" in error.message


def test_an_html_error_page_is_not_copied_into_the_message() -> None:
    error = classify(answer(503, HTML_503), "query X")
    assert "<html>" not in error.message
    assert error.status == 503


def test_the_same_message_text_with_another_code_classifies_by_the_code() -> None:
    text = "unable to obtain exclusive access to this record"
    locked = classify(answer(400, body("X", text)), "a")
    assert not isinstance(locked, RetriableError)


def test_an_error_already_classified_passes_through_unchanged() -> None:
    original = BudgetExhaustedError("stop", code="MKP_API_BUDGET")
    assert classify(original, "query Account") is original
