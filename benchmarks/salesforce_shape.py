"""The synthetic org in Salesforce's shape: emulator records and Data Loader CSVs.

Field names come from ``connectors.fields``, the same table both connectors
read with, so what is loaded here is exactly what the product reads back.
The emulator assigns its own record ids; ``load_emulator`` returns the map
from the generator's account ids to them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from connectors.fields import SALESFORCE_INPUT_FIELDS
from connectors.salesforce_emulator import Emulator

if TYPE_CHECKING:
    from benchmarks.generate import SyntheticOrg

__all__ = [
    "ACCOUNT_MAP_SCHEMA",
    "insert_opportunities",
    "load_emulator",
    "write_salesforce_csvs",
]

# The generator's account id and the id the emulator gave the same account.
ACCOUNT_MAP_SCHEMA: dict[str, pl.DataType] = {
    "account_id": pl.String(),
    "salesforce_id": pl.String(),
}

# Records handed to one ``Emulator.insert`` call: one SQLite transaction.
DEFAULT_CHUNK_RECORDS = 10_000

Progress = Callable[[str, int], None]

_CREATE_FIELDS = {
    "Account": (
        "name",
        "industry",
        "employees",
        "annual_revenue",
        "potential_override",
    ),
    "Opportunity": ("account_id", "amount", "currency_code", "stage", "close_date"),
    "Lead": ("company", "industry", "employees", "annual_revenue"),
}
_CSV_FILES = {
    "accounts": ("Account", "accounts"),
    "opportunities": ("Opportunity", "opportunities"),
    "leads": ("Lead", "leads"),
    "rates": ("CurrencyType", "rates"),
}


def load_emulator(
    emu: Emulator,
    org: SyntheticOrg,
    *,
    chunk_records: int = DEFAULT_CHUNK_RECORDS,
    progress: Progress | None = None,
) -> pl.DataFrame:
    """Insert rates, accounts, opportunities and leads as an administrator.

    The emulator must be multi-currency with USD as corporate currency,
    because a tenth of the deals are in other currencies. Returns the
    account id map (``ACCOUNT_MAP_SCHEMA``).
    """
    config = emu.config
    if not config.multi_currency or config.corporate_currency != "USD":
        raise ValueError("load the synthetic org into a multi-currency USD org")
    _insert_rates(emu, org.rates)

    accounts = _api_names("Account", org.accounts).with_columns(
        pl.col("NumberOfEmployees").cast(pl.Int64), CurrencyIsoCode=pl.lit("USD")
    )
    ids = _insert(emu, "Account", accounts, chunk_records, progress)
    account_map = pl.DataFrame(
        {"account_id": org.accounts["account_id"], "salesforce_id": ids},
        schema=ACCOUNT_MAP_SCHEMA,
    )
    insert_opportunities(
        emu,
        org.opportunities,
        account_map,
        chunk_records=chunk_records,
        progress=progress,
    )

    leads = _api_names("Lead", org.leads).with_columns(
        pl.col("NumberOfEmployees").cast(pl.Int64),
        LastName=org.leads["name"],
        CurrencyIsoCode=pl.lit("USD"),
    )
    _insert(emu, "Lead", leads, chunk_records, progress)

    return account_map


def insert_opportunities(
    emu: Emulator,
    opportunities: pl.DataFrame,
    account_map: pl.DataFrame,
    *,
    chunk_records: int = DEFAULT_CHUNK_RECORDS,
    progress: Progress | None = None,
) -> None:
    """Insert opportunities, their accounts resolved through ``account_map``.

    A deal without an account (an orphan) is inserted without AccountId,
    the only way Salesforce holds one.
    """
    resolved = opportunities.join(
        account_map, on="account_id", how="left", maintain_order="left"
    ).with_columns(pl.col("salesforce_id").alias("account_id"))
    records = _api_names("Opportunity", resolved).with_columns(
        pl.col("CloseDate").dt.to_string("%Y-%m-%d"),
        Name=pl.lit("Deal ") + resolved["opportunity_id"].str.slice(-8),
    )

    _insert(emu, "Opportunity", records, chunk_records, progress)


def write_salesforce_csvs(org: SyntheticOrg, directory: Path) -> Path:
    """Data Loader CSVs with API-name headers, and a CSV connector profile.

    Returns the profile's path; the connector writes its results beside it.
    """
    directory.mkdir(parents=True, exist_ok=True)
    files = {}
    for table, (sobject, frame_name) in _CSV_FILES.items():
        frame: pl.DataFrame = getattr(org, frame_name)
        columns = SALESFORCE_INPUT_FIELDS[sobject]
        frame.select(pl.col(n).alias(api) for n, api in columns.items()).write_csv(
            directory / f"{sobject}.csv"
        )
        files[table] = f"{sobject}.csv"

    profile = directory / "profile.toml"
    lines = ['name = "synthetic"', 'shape = "salesforce"', "", "[files]"]
    lines += [f'{table} = "{name}"' for table, name in files.items()]
    profile.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return profile


def _insert_rates(emu: Emulator, rates: pl.DataFrame) -> None:
    static = rates.filter(
        pl.col("start_date").is_null() & (pl.col("currency_code") != "USD")
    )
    emu.insert(
        "CurrencyType",
        [
            {"IsoCode": code, "ConversionRate": rate, "DecimalPlaces": 2}
            for code, rate in static.select("currency_code", "rate").iter_rows()
        ],
    )
    dated = rates.filter(pl.col("start_date").is_not_null())
    emu.insert(
        "DatedConversionRate",
        [
            {"IsoCode": code, "ConversionRate": rate, "StartDate": start.isoformat()}
            for code, rate, start in dated.select(
                "currency_code", "rate", "start_date"
            ).iter_rows()
        ],
    )


def _api_names(sobject: str, frame: pl.DataFrame) -> pl.DataFrame:
    """The fields a record is created with, under their API names."""
    columns = SALESFORCE_INPUT_FIELDS[sobject]
    return frame.select(
        pl.col(name).alias(columns[name]) for name in _CREATE_FIELDS[sobject]
    )


def _insert(
    emu: Emulator,
    sobject: str,
    frame: pl.DataFrame,
    chunk_records: int,
    progress: Progress | None,
) -> list[str]:
    ids: list[str] = []
    for records in _chunks(frame, chunk_records):
        ids += emu.insert(sobject, records)
        if progress is not None:
            progress(sobject, len(ids))
    return ids


def _chunks(frame: pl.DataFrame, size: int) -> Iterator[list[dict[str, Any]]]:
    """Records of at most ``size`` rows, null fields left out as Data Loader does."""
    for chunk in frame.iter_slices(size):
        yield [
            {key: value for key, value in row.items() if value is not None}
            for row in chunk.iter_rows(named=True)
        ]
