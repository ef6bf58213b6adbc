"""A multi-currency org: amounts are compared in the corporate currency."""

from __future__ import annotations

import pytest
from e2e_support import MAVEN_DIR, run_maven

from connectors.salesforce_emulator import Emulator

JPY_PER_USD = 150.0
EUR_PER_USD = 0.9


@pytest.fixture
def yen_and_euro_buyers(multi_currency_org: Emulator) -> dict[str, str]:
    """The Maven sample plus two alike customers: one has won 1,000,000 JPY,
    the other 50,000 EUR (about 6,667 and 55,556 USD)."""
    emu = multi_currency_org
    emu.reset(data=True)
    emu.load_dir(MAVEN_DIR)
    emu.insert(
        "CurrencyType",
        [
            {"IsoCode": "JPY", "ConversionRate": JPY_PER_USD, "IsActive": True},
            {"IsoCode": "EUR", "ConversionRate": EUR_PER_USD, "IsActive": True},
        ],
    )
    alike = {"Industry": "retail", "NumberOfEmployees": 1000}
    yen, euro = emu.insert(
        "Account",
        [
            {"Name": "Yen Buyer KK", "CurrencyIsoCode": "JPY", **alike},
            {"Name": "Euro Buyer GmbH", "CurrencyIsoCode": "EUR", **alike},
        ],
    )
    won = {"StageName": "Closed Won", "CloseDate": "2017-06-30"}
    emu.insert(
        "Opportunity",
        [
            {"Name": "Yen deal", "AccountId": yen, "Amount": 1_000_000.0}
            | {"CurrencyIsoCode": "JPY", **won},
            {"Name": "Euro deal", "AccountId": euro, "Amount": 50_000.0}
            | {"CurrencyIsoCode": "EUR", **won},
        ],
    )
    return {"yen": yen, "euro": euro}


def test_a_million_yen_of_revenue_does_not_outrank_fifty_thousand_euros(
    multi_currency_org: Emulator, yen_and_euro_buyers: dict[str, str]
) -> None:
    result = run_maven(multi_currency_org)

    revenue = dict(result.scores.select("record_id", "window_revenue").iter_rows())
    stored = {r["Id"]: r for r in multi_currency_org.records("Account")}
    yen = stored[yen_and_euro_buyers["yen"]]
    euro = stored[yen_and_euro_buyers["euro"]]
    assert result.report.status == "succeeded"
    assert revenue[yen["Id"]] == pytest.approx(1_000_000 / JPY_PER_USD, abs=0.01)
    assert revenue[euro["Id"]] == pytest.approx(50_000 / EUR_PER_USD, abs=0.01)
    assert yen["MKP_Wallet_Share__c"] < euro["MKP_Wallet_Share__c"]
    # Potential is written in each record's own currency.
    assert yen["MKP_Potential__c"] / JPY_PER_USD == pytest.approx(
        euro["MKP_Potential__c"] / EUR_PER_USD, rel=1e-4
    )
