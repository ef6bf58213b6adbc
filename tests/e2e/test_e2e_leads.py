"""Leads in the Maven org: scored on potential alone and written back to
the same MKP fields on Lead, through the connector and the emulator."""

from __future__ import annotations

from e2e_support import MAVEN_ACCOUNTS, run_maven

from connectors.salesforce_emulator import Emulator

LEADS = 6


def _add_leads(emu: Emulator) -> None:
    emu.insert(
        "Lead",
        [
            {
                "LastName": f"Lead {n}",
                "Company": f"Lead Co {n}",
                "Industry": "retail",
                "NumberOfEmployees": 100 * 10**n,
                "Status": "Open - Not Contacted",
            }
            for n in range(LEADS)
        ],
    )


def test_leads_get_a_not_working_segment_and_a_potential_on_the_lead_record(
    maven_org: Emulator,
) -> None:
    _add_leads(maven_org)

    result = run_maven(maven_org)

    stored = maven_org.records("Lead")
    assert result.report.leads_scored == LEADS
    assert result.report.records_written == MAVEN_ACCOUNTS + LEADS
    assert {lead["MKP_Segment__c"] for lead in stored} <= {"1", "4", "7"}
    assert all(lead["MKP_Potential__c"] > 0 for lead in stored)
    assert {lead["MKP_Progress_Level__c"] for lead in stored} == {"Not working"}


def test_a_second_run_writes_no_lead_again(maven_org: Emulator) -> None:
    _add_leads(maven_org)
    run_maven(maven_org)

    second = run_maven(maven_org)

    assert second.report.records_changed == 0
