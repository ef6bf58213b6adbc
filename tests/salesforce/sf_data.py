"""Settings and records the Salesforce connector tests share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from connectors.salesforce import SalesforceConnector, SalesforceSettings
from connectors.salesforce_emulator import Emulator

MakeConnector = Callable[..., SalesforceConnector]

# Waits shrunk so retries and Bulk polling cost milliseconds, not seconds.
FAST = {
    "retry_base_seconds": 0.01,
    "retry_max_seconds": 0.05,
    "bulk_poll_seconds": 0.01,
}


def settings_for(emu: Emulator, **overrides: Any) -> SalesforceSettings:
    """The emulator's published settings plus the test's overrides."""
    published = {
        key.removeprefix("MKP_SALESFORCE__").lower(): value
        for key, value in emu.env.items()
    }
    return SalesforceSettings(**{**published, **FAST, **overrides})


def seed_accounts(emu: Emulator, count: int, **values: Any) -> list[str]:
    """``count`` accounts with varied firmographics and MKP values."""
    records = [
        {
            "Name": f"Account {i:05d}",
            "Industry": ("Retail", "Banking", None)[i % 3],
            "AnnualRevenue": None if i % 7 == 0 else 1_000_000.25 + i,
            "NumberOfEmployees": 10 + i,
            "MKP_Segment__c": str(i % 9 + 1) if i % 4 else None,
            "MKP_Wallet_Share__c": 12.5 if i % 2 else None,
            "MKP_Segment_Changed_At__c": "2017-12-31T00:00:00.000+0000"
            if i % 5
            else None,
            **values,
        }
        for i in range(count)
    ]
    return emu.insert("Account", records)


def seed_opportunities(
    emu: Emulator, account_ids: list[str], **values: Any
) -> list[str]:
    """Two opportunities per account, one won, plus one orphan."""
    records: list[dict[str, Any]] = []
    for i, account_id in enumerate(account_ids):
        records.append(_opportunity(account_id, "Closed Won", 1000.10 + i, **values))
        records.append(_opportunity(account_id, "Prospecting", None, **values))
    records.append(_opportunity(None, "Closed Won", 99.99, **values))
    return emu.insert("Opportunity", records)


def _opportunity(
    account_id: str | None, stage: str, amount: float | None, **values: Any
) -> dict[str, Any]:
    return {
        "Name": f"Deal {stage}",
        "AccountId": account_id,
        "StageName": stage,
        "Amount": amount,
        "CloseDate": "2017-06-30",
        **values,
    }
