"""Fixtures shared by every test: one Salesforce emulator for the session.

``emulator`` starts once; ``sf_org`` clears its records, faults and counters
before each test and yields it. ``salesforce`` builds a real
``simple_salesforce.Salesforce`` logged in to it. Its ``requests.Session``
trusts only the emulator's CA even though this machine sets
``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` (which ``requests`` would otherwise
let override ``Session.verify``), and sends the library's hard-coded
``*.salesforce.com`` login requests to the emulator.

The whole session keeps its files in a temporary data home: ``XDG_DATA_HOME``
is set before any test starts, so the default snapshot folder, beat's schedule
and every Celery worker or CLI run the tests start (they inherit it) stay out
of the user's own data folder, where ``mkp report`` would find them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from emulator_clients import make_salesforce
from simple_salesforce import Salesforce

from connectors.salesforce_emulator import Emulator, EmulatorConfig

MakeSalesforce = Callable[..., Salesforce]

SESSION_DATA_HOME = Path(tempfile.mkdtemp(prefix="mkp-tests-data-"))
os.environ["XDG_DATA_HOME"] = str(SESSION_DATA_HOME)
# A snapshot folder set in the user's shell would win over the data home.
os.environ.pop("MKP_SNAPSHOT_DIR", None)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(SESSION_DATA_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    with Emulator(EmulatorConfig()) as running:
        yield running


@pytest.fixture
def sf_org(emulator: Emulator) -> Emulator:
    emulator.reset(data=True)
    return emulator


@pytest.fixture
def salesforce_factory(sf_org: Emulator) -> MakeSalesforce:
    """Build clients for the freshly reset org: ``salesforce_factory("jwt")``."""

    def build(flow: str = "client_credentials", **kwargs: Any) -> Salesforce:
        return make_salesforce(sf_org, flow, **kwargs)

    return build


@pytest.fixture
def salesforce(salesforce_factory: MakeSalesforce) -> Salesforce:
    """A client logged in with client credentials to the freshly reset org."""
    return salesforce_factory()
