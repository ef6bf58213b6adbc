"""A multi-currency org: CurrencyIsoCode, CurrencyType and convertCurrency()."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from emulator_clients import make_salesforce

from connectors.salesforce_emulator import Emulator, EmulatorConfig


@pytest.fixture(scope="module")
def multi_currency_org() -> Iterator[Emulator]:
    with Emulator(EmulatorConfig(multi_currency=True, corporate_currency="EUR")) as emu:
        emu.insert(
            "CurrencyType",
            [{"IsoCode": "USD", "ConversionRate": 1.25, "IsActive": True}],
        )
        emu.insert(
            "Opportunity",
            [
                {
                    "Name": "US deal",
                    "StageName": "Closed Won",
                    "CloseDate": "2024-01-01",
                    "Amount": 1000,
                    "CurrencyIsoCode": "USD",
                },
                {
                    "Name": "EU deal",
                    "StageName": "Closed Won",
                    "CloseDate": "2024-01-01",
                    "Amount": 1000,
                },
            ],
        )
        yield emu


def test_records_default_to_the_corporate_currency(multi_currency_org):
    codes = {
        r["Name"]: r["CurrencyIsoCode"]
        for r in multi_currency_org.records("Opportunity")
    }

    assert codes == {"US deal": "USD", "EU deal": "EUR"}


def test_convert_currency_answers_in_the_corporate_currency(multi_currency_org):
    client = make_salesforce(multi_currency_org)

    result = client.query(
        "SELECT Name, convertCurrency(Amount) FROM Opportunity ORDER BY Name DESC"
    )

    assert [(r["Name"], r["Amount"]) for r in result["records"]] == [
        ("US deal", 800.0),
        ("EU deal", 1000.0),
    ]


def test_currency_types_are_queryable(multi_currency_org):
    client = make_salesforce(multi_currency_org)

    result = client.query(
        "SELECT IsoCode, ConversionRate, IsCorporate FROM CurrencyType"
    )

    rates = {
        r["IsoCode"]: (r["ConversionRate"], r["IsCorporate"]) for r in result["records"]
    }
    assert rates == {"EUR": (1.0, True), "USD": (1.25, False)}
