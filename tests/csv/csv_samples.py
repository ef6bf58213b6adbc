"""Headers and helper types shared by the CSV connector tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from connectors.csv import CsvConnector

WriteCsv = Callable[..., Path]
MakeConnector = Callable[..., CsvConnector]

SF_ACCOUNT_HEADER = "Id,Name,Industry,AnnualRevenue,NumberOfEmployees,OwnerId"
SF_OPPORTUNITY_HEADER = (
    "Id,AccountId,Amount,StageName,IsWon,IsClosed,CloseDate,CurrencyIsoCode"
)
