"""Choosing and building the connector a run talks to."""

from __future__ import annotations

from pathlib import Path

from connectors import (
    ConfigurationError,
    CrmConnector,
    CsvConnector,
    SalesforceConnector,
)
from worker.orgs import OrgSettings
from worker.settings import Settings

__all__ = ["open_connector"]


def open_connector(
    settings: Settings | OrgSettings,
    *,
    csv_profile: Path | None = None,
    output: Path | None = None,
    corporate_currency: str | None = None,
) -> CrmConnector:
    """A CSV profile when one is given, else the configured Salesforce org.

    ``settings`` is the deployment's (its single org) or one org's of many;
    ``corporate_currency`` (the policy's) converts CSV account amounts.
    """
    profile = csv_profile or settings.csv_profile
    if profile is not None:
        return CsvConnector.from_profile(
            profile, output=output, corporate_currency=corporate_currency
        )
    if settings.salesforce is not None:
        return SalesforceConnector(settings.salesforce)
    raise ConfigurationError(
        "No CRM is configured: pass --csv PROFILE.toml, set MKP_CSV_PROFILE, or set "
        "the MKP_SALESFORCE__… variables (see the README, 'Connect your org')."
    )
