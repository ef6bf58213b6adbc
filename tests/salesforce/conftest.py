"""Connectors pointed at the emulator the way an operator would configure one:
through the ``MKP_SALESFORCE__*`` settings it publishes, with short waits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sf_data import MakeConnector, settings_for

from connectors.salesforce import SalesforceConnector
from connectors.salesforce_emulator import Emulator, EmulatorConfig


@pytest.fixture
def make_connector(sf_org: Emulator) -> Iterator[MakeConnector]:
    """Build connectors to the freshly reset shared org; closed after the test."""
    built: list[SalesforceConnector] = []

    def build(**overrides: Any) -> SalesforceConnector:
        connector = SalesforceConnector(settings_for(sf_org, **overrides))
        built.append(connector)
        return connector

    yield build
    for connector in built:
        connector.close()


@pytest.fixture(scope="module")
def multi_currency_org() -> Iterator[Emulator]:
    """A multi-currency org whose corporate currency is EUR."""
    config = EmulatorConfig(multi_currency=True, corporate_currency="EUR")
    with Emulator(config) as running:
        yield running


@pytest.fixture
def mc_org(multi_currency_org: Emulator) -> Emulator:
    multi_currency_org.reset(data=True)
    return multi_currency_org
