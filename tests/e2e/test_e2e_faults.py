"""Faults injected through the emulator's admin API: each run ends with the
values a fault-free run leaves, and its report names what happened."""

from __future__ import annotations

from typing import Any

import pytest
from e2e_support import (
    MAVEN_ACCOUNTS,
    Values,
    account_ids,
    calls_after_first,
    mkp_values,
    on_phase,
    recording_session,
    run_maven,
)

from connectors.salesforce_emulator import Emulator


def faults(*plan: dict[str, Any]) -> dict[str, Any]:
    return {"faults": list(plan)}


@pytest.mark.parametrize(
    ("kind", "operation", "call", "event"),
    [
        ("http_503_json", "query_more", 2, "retry:SERVER_UNAVAILABLE"),
        ("http_503_html", "query_more", 2, "retry:HTTP_503"),
        ("http_503_json", "collections_update", 1, "retry:SERVER_UNAVAILABLE"),
        ("http_503_html", "collections_update", 1, "retry:HTTP_503"),
    ],
)
def test_a_503_is_retried_and_the_report_names_its_code(
    fault_free_values: Values,
    maven_org: Emulator,
    kind: str,
    operation: str,
    call: int,
    event: str,
) -> None:
    maven_org.set_faults(faults({"kind": kind, "operation": operation, "call": call}))

    result = run_maven(maven_org)

    assert result.report.status == "succeeded"
    assert result.report.events == {event: 1}
    assert mkp_values(maven_org) == fault_free_values


def test_a_session_expiring_mid_pagination_costs_exactly_one_new_login(
    fault_free_values: Values, maven_org: Emulator
) -> None:
    maven_org.set_faults(
        faults({"kind": "expire_session", "operation": "query_more", "call": 3})
    )

    result = run_maven(maven_org, query_batch_size=500)

    assert maven_org.stats()["calls"]["query_more"] > 3  # expiry was mid-way
    assert maven_org.stats()["logins"] == 2
    assert result.report.events == {"relogin": 1}
    assert mkp_values(maven_org) == fault_free_values


def test_locked_records_are_sent_again_until_written(
    fault_free_values: Values, maven_org: Emulator
) -> None:
    locked = list(account_ids(maven_org).values())[:3]
    maven_org.set_faults(faults({"kind": "lock_records", "ids": locked, "attempts": 2}))

    result = run_maven(maven_org)

    assert result.report.write_failures == []
    assert result.report.events == {"locked_record_retry": 6}  # 3 records, twice
    assert maven_org.stats()["calls"]["collections_update"] == 3
    assert mkp_values(maven_org) == fault_free_values


def test_a_record_deleted_between_read_and_write_is_reported_not_retried(
    fault_free_values: Values, maven_org: Emulator
) -> None:
    name, deleted = next(iter(account_ids(maven_org).items()))
    maven_org.set_faults(faults({"kind": "delete_before_write", "ids": [deleted]}))

    result = run_maven(maven_org)

    [failure] = result.report.write_failures
    assert (failure["record_id"], failure["code"]) == (deleted, "ENTITY_IS_DELETED")
    assert result.report.status == "partial"
    assert result.report.records_written == MAVEN_ACCOUNTS - 1
    assert result.report.events == {"deleted_record_skipped": 1}
    assert maven_org.stats()["calls"]["collections_update"] == 1
    survivors = {k: v for k, v in fault_free_values.items() if k != name}
    assert mkp_values(maven_org) == survivors


def test_pages_shorter_than_asked_are_all_read_and_counted(
    fault_free_values: Values, maven_org: Emulator
) -> None:
    maven_org.set_faults(faults({"kind": "short_pages", "size": 1000}))

    result = run_maven(maven_org, query_batch_size=2000)

    assert result.report.status == "succeeded"
    assert result.report.events["short_page"] >= 8  # 8,800 opportunities
    assert mkp_values(maven_org) == fault_free_values


def test_the_daily_limit_reached_mid_run_stops_it_right_after_the_refusal(
    maven_org: Emulator,
) -> None:
    # Another integration spends the rest of the day's allowance while the
    # run is scoring, so the write is the first call Salesforce refuses.
    def spend_the_allowance() -> None:
        maven_org.set_faults(faults({"kind": "daily_limit", "after_calls": 0}))

    session, seen = recording_session(maven_org)

    result = run_maven(
        maven_org, session=session, progress=on_phase("score", spend_the_allowance)
    )

    assert result.report.status == "budget exhausted"
    assert result.report.events == {"budget_stop": 1}
    assert "REQUEST_LIMIT_EXCEEDED" in result.report.message
    assert calls_after_first(403, seen) < 5


def test_a_limit_refusal_in_the_middle_of_pagination_ends_the_run_at_once(
    maven_org: Emulator,
) -> None:
    maven_org.set_faults(
        faults({"kind": "request_limit", "operation": "query_more", "call": 2})
    )
    session, seen = recording_session(maven_org)

    result = run_maven(maven_org, session=session)

    assert result.report.status == "budget exhausted"
    assert result.report.records_written == 0
    assert calls_after_first(403, seen) < 5


def test_the_budget_share_stops_a_run_before_salesforce_refuses_a_call(
    maven_org: Emulator,
) -> None:
    maven_org.set_faults(faults({"kind": "daily_limit", "after_calls": 8}))
    session, seen = recording_session(maven_org)

    result = run_maven(maven_org, session=session, api_budget_percent=100)

    assert result.report.status == "budget exhausted"
    assert result.report.events == {"budget_stop": 1}
    assert 403 not in {status for _, status in seen}
    assert maven_org.stats()["api_usage"]["used"] == 8
