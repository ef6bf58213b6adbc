"""check_fields reads describe results for Account and Lead."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sf_data import MakeConnector, settings_for

from connectors.base import CrmConnector, FieldProblem
from connectors.salesforce import SalesforceConnector
from connectors.salesforce_emulator import Emulator, EmulatorConfig
from mkp_core import RecordKind


@pytest.fixture(scope="module")
def org_without_a_field() -> Iterator[Emulator]:
    config = EmulatorConfig(omit_fields=("Lead.MKP_Segment_Name__c",))
    with Emulator(config) as running:
        yield running


def test_every_field_of_the_deployed_metadata_passes(
    make_connector: MakeConnector,
) -> None:
    connector = make_connector()
    assert connector.check_fields() == []
    assert connector.api_usage().calls_by_operation["describe"] == 2


def test_leads_are_not_checked_when_they_are_not_scored(
    make_connector: MakeConnector,
) -> None:
    connector = make_connector(include_leads=False)
    connector.check_fields()
    assert connector.api_usage().calls_by_operation["describe"] == 1


def test_an_omitted_field_is_reported_with_its_object_and_remedy(
    org_without_a_field: Emulator,
) -> None:
    connector = SalesforceConnector(settings_for(org_without_a_field))
    problems = connector.check_fields()
    assert [(p.kind, p.field) for p in problems] == [
        (RecordKind.LEAD, "MKP_Segment_Name__c")
    ]
    assert "permission set" in problems[0].problem


def test_a_misnamed_field_in_the_settings_is_reported_on_both_objects(
    make_connector: MakeConnector,
) -> None:
    connector = make_connector(fields={"explanation": "MKP_Explain__c"})
    problems = connector.check_fields()
    assert problems == [
        FieldProblem(RecordKind.ACCOUNT, "MKP_Explain__c", problems[0].problem),
        FieldProblem(RecordKind.LEAD, "MKP_Explain__c", problems[1].problem),
    ]


def test_a_field_the_integration_user_cannot_update_is_reported(
    make_connector: MakeConnector,
) -> None:
    # Lead.Name is a compound, read-only field; Account.Name is editable.
    problems = make_connector(fields={"segment_name": "Name"}).check_fields()
    assert [(p.kind, p.field) for p in problems] == [(RecordKind.LEAD, "Name")]
    assert "not updateable" in problems[0].problem


def test_the_connector_satisfies_the_connector_protocol(
    make_connector: MakeConnector,
) -> None:
    assert isinstance(make_connector(), CrmConnector)
