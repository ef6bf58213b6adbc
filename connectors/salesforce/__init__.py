"""The Salesforce connector: reads the portfolio, writes segments back.

``SalesforceConnector`` implements ``connectors.base.CrmConnector`` on the
simple-salesforce client: OAuth 2.0 login, REST or Bulk API 2.0 reads,
sObject Collections or Bulk API 2.0 writes, retries for transient faults
only, and a stop before the org's daily API allowance runs out.
"""

from connectors.salesforce._classify import classify
from connectors.salesforce._write import WriteMethod, WritePlan
from connectors.salesforce.connector import SalesforceConnector
from connectors.salesforce.settings import AuthMode, SalesforceSettings

__all__ = [
    "AuthMode",
    "SalesforceConnector",
    "SalesforceSettings",
    "WriteMethod",
    "WritePlan",
    "classify",
]
