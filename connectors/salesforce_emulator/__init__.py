"""A local Salesforce org that the unmodified simple-salesforce client can use.

A real HTTPS server on loopback speaking the subset of the REST, SOAP login,
OAuth 2.0 and Bulk API 2.0 protocols the product uses, backed by SQLite,
with API-usage accounting and scripted fault injection. The custom fields and
the integration user's permissions come from ``deploy/salesforce``.
"""

from connectors.salesforce_emulator._client import PinnedVerifySession, emulator_session
from connectors.salesforce_emulator._errors import EmulatorError
from connectors.salesforce_emulator._faults import FaultKind
from connectors.salesforce_emulator.config import EmulatorConfig
from connectors.salesforce_emulator.emulator import Emulator, serve

__all__ = [
    "Emulator",
    "EmulatorConfig",
    "EmulatorError",
    "FaultKind",
    "PinnedVerifySession",
    "emulator_session",
    "serve",
]
