"""One won deal in the org rewrites the account that won it, not its peers."""

from __future__ import annotations

from e2e_support import MAVEN_ACCOUNTS, account_ids, run_maven

from connectors.salesforce_emulator import Emulator


def test_one_won_deal_in_the_org_writes_a_handful_of_accounts(
    maven_org: Emulator,
) -> None:
    first = run_maven(maven_org)
    winner = account_ids(maven_org)["Golddex"]
    maven_org.insert(
        "Opportunity",
        [
            {"Name": "New deal", "AccountId": winner, "Amount": 5_000.0}
            | {"StageName": "Closed Won", "CloseDate": "2017-12-01"}
        ],
    )
    maven_org.reset()

    second = run_maven(maven_org)

    written = maven_org.stats()["writes_by_id"]
    assert first.report.records_written == MAVEN_ACCOUNTS
    assert second.report.status == "succeeded"
    assert winner in written
    assert len(written) <= 2
