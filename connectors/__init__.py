"""Talking to CRMs: the interface the pipeline depends on and its implementations.

``connectors.base`` holds the interface, ``connectors.errors`` the error tree,
``connectors.fields`` the default CRM field names; each CRM has a subpackage.
"""

from connectors.base import (
    ApiEvent,
    ApiUsage,
    CrmConnector,
    Extract,
    FieldProblem,
    WriteFailure,
    WriteResult,
)
from connectors.csv import CsvConnector, CsvProfile
from connectors.errors import (
    AuthenticationError,
    BudgetExhaustedError,
    ConfigurationError,
    ConnectorError,
    FatalError,
    InputFileError,
    RetriableError,
)
from connectors.salesforce import SalesforceConnector, SalesforceSettings

__all__ = [
    "ApiEvent",
    "ApiUsage",
    "AuthenticationError",
    "BudgetExhaustedError",
    "ConfigurationError",
    "ConnectorError",
    "CrmConnector",
    "CsvConnector",
    "CsvProfile",
    "Extract",
    "FatalError",
    "FieldProblem",
    "InputFileError",
    "RetriableError",
    "SalesforceConnector",
    "SalesforceSettings",
    "WriteFailure",
    "WriteResult",
]
