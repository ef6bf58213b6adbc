"""Fixtures of the end-to-end tests: the Maven org in the shared emulator,
the values a fault-free run leaves in it, and a multi-currency org.

Loading the sample (85 accounts, 8,800 opportunities) takes about a second,
so each test loads it once and the fault-free reference is computed once
per session.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from e2e_support import MAVEN_DIR, Values, mkp_values, run_maven

from connectors.salesforce_emulator import Emulator, EmulatorConfig


@pytest.fixture
def maven_org(sf_org: Emulator) -> Emulator:
    """The shared org, reset, holding the Maven sample as Salesforce records."""
    sf_org.load_dir(MAVEN_DIR)
    return sf_org


@pytest.fixture(scope="session")
def fault_free_values(emulator: Emulator) -> Values:
    """The MKP fields one fault-free REST run leaves on every account."""
    emulator.reset(data=True)
    emulator.load_dir(MAVEN_DIR)
    result = run_maven(emulator)
    assert result.report.status == "succeeded"
    values = mkp_values(emulator)
    emulator.reset(data=True)
    return values


@pytest.fixture(scope="session")
def multi_currency_org() -> Iterator[Emulator]:
    """A multi-currency org (corporate USD) of its own, started once."""
    with Emulator(EmulatorConfig(multi_currency=True)) as running:
        yield running
