"""``SalesforceConnector``: the ``CrmConnector`` for one Salesforce org.

It logs in lazily (on the first call that needs the org), reads each object
into ``mkp_core.frames`` shapes (opportunities page by page, the others
whole), and writes only the fields an update marks as changed.

Currency: in a multi-currency org every amount on a record is in that
record's currency. Account and lead amounts are divided by the static
CurrencyType rate into the corporate currency on read, and the potential is
multiplied back into the record's currency on write; opportunities keep
their currency for the scoring model, which applies the rates (dated ones
where advanced currency management has them).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from types import TracebackType

import polars as pl
import requests
from simple_salesforce.api import Salesforce

from connectors.base import (
    ApiUsage,
    Extract,
    FieldProblem,
    ProgressCallback,
    WriteFailure,
    WriteResult,
)
from connectors.errors import ConfigurationError
from connectors.fields import OBJECT_NAMES
from connectors.salesforce._api import SalesforceApi
from connectors.salesforce._check import field_problems
from connectors.salesforce._currency import (
    RECORD_CURRENCY_SCHEMA,
    convert_money,
    to_record_currency,
)
from connectors.salesforce._payloads import wire_records
from connectors.salesforce._read import Reader, to_schema
from connectors.salesforce._soql import (
    CURRENCY_COLUMN,
    ReadSpec,
    account_spec,
    currency_type_spec,
    dated_rate_spec,
    lead_spec,
    opportunity_spec,
)
from connectors.salesforce._write import WritePlan, Writer
from connectors.salesforce.settings import SalesforceSettings
from mkp_core import RATE_SCHEMA, RecordKind, empty_frame

__all__ = ["SalesforceConnector"]

logger = logging.getLogger(__name__)

_SCORED_SPECS = {RecordKind.ACCOUNT: account_spec, RecordKind.LEAD: lead_spec}
# Objects that may be large enough for Bulk. Their counts come in one call
# whichever of them a run reads, so all are asked for.
_COUNTED_SOBJECTS = ("Account", "Opportunity", "Lead")


class SalesforceConnector:
    """Reads the portfolio from one org and writes the MKP fields back.

    ``session`` (a ``requests.Session``) or ``client`` (a logged-in
    ``simple_salesforce.Salesforce``) may be injected; otherwise the
    connector builds its own session from the TLS settings and logs in.
    """

    name = "salesforce"

    def __init__(
        self,
        settings: SalesforceSettings,
        *,
        session: requests.Session | None = None,
        client: Salesforce | None = None,
    ) -> None:
        self.settings = settings
        self._api = SalesforceApi(settings, session=session, client=client)
        self._reader = Reader(self._api, _COUNTED_SOBJECTS)
        self._writer = Writer(self._api)
        self._multi_currency = (
            None if settings.multi_currency == "auto" else settings.multi_currency
        )
        self._static_rates: pl.DataFrame | None = None
        self._record_currency: dict[RecordKind, pl.DataFrame] = {}

    def read_accounts(self) -> Extract:
        """Every account (matching ``account_filter``) with its MKP fields."""
        return self._read_scored(RecordKind.ACCOUNT)

    def read_leads(self) -> Extract:
        """Every unconverted lead with its MKP fields."""
        return self._read_scored(RecordKind.LEAD)

    def iter_opportunities(self) -> Iterator[Extract]:
        """Every opportunity (of the filtered accounts), in its own currency,
        page by page (REST or Bulk) as each arrives."""
        spec = opportunity_spec(
            multi_currency=self.multi_currency,
            account_filter=self.settings.account_filter,
        )
        for frame, issues in self._reader.pages(spec):
            yield Extract(to_schema(frame, dict(spec.schema)), issues)

    def read_currency_rates(self) -> Extract:
        """Conversion rates; dated ones replace a currency's static rate."""
        if not self.multi_currency:
            return Extract(empty_frame(RATE_SCHEMA))
        dated = self._dated_rates()
        static = self._rates().filter(
            ~pl.col(CURRENCY_COLUMN).is_in(dated[CURRENCY_COLUMN])
        )
        rates = pl.concat([to_schema(static, RATE_SCHEMA), dated])
        return Extract(rates.sort(CURRENCY_COLUMN, "start_date", nulls_last=False))

    def write_updates(
        self,
        kind: RecordKind,
        updates: pl.DataFrame,
        progress: ProgressCallback | None = None,
    ) -> WriteResult:
        """Send each record's changed fields; failures come back per record."""
        sendable, unpriced = self._in_record_currency(kind, updates)
        records = wire_records(sendable, self.settings.fields)
        result = self._writer.write(OBJECT_NAMES[kind], records, progress)
        result.attempted += len(unpriced)
        result.failures.extend(unpriced)
        logger.info(
            "Wrote %d of %d %s records with %d API calls; %d failed",
            result.written,
            result.attempted,
            OBJECT_NAMES[kind],
            result.write_calls,
            len(result.failures),
        )
        return result

    def dry_run_plan(self, kind: RecordKind, updates: pl.DataFrame) -> WritePlan:
        """How a real ``write_updates`` would send these updates, and at what cost."""
        records = wire_records(updates, self.settings.fields)
        return self._writer.plan(OBJECT_NAMES[kind], records)

    def planned_write_calls(self, kind: RecordKind, records: int) -> int:
        """API calls a real write of this many changed records would make."""
        return self._writer.planned_calls(records)

    def check_fields(self) -> list[FieldProblem]:
        """Each MKP field exists and the integration user may update it."""
        kinds = [RecordKind.ACCOUNT]
        if self.settings.include_leads:
            kinds.append(RecordKind.LEAD)
        return [problem for kind in kinds for problem in self._field_problems(kind)]

    def api_usage(self) -> ApiUsage:
        """Requests made by this connector (logins included), by operation,
        and the events met on the way (retries, re-logins, short pages…)."""
        meter = self._api.meter
        return ApiUsage(
            calls=sum(meter.calls.values()),
            calls_by_operation=dict(meter.calls),
            org_used=meter.org_used,
            org_limit=meter.org_limit,
            events=dict(meter.events),
        )

    @property
    def multi_currency(self) -> bool:
        """Whether the org has several currencies (asked once when "auto")."""
        if self._multi_currency is None:
            try:
                self._rates()
                self._multi_currency = True
            except ConfigurationError as exc:
                if exc.code != "INVALID_TYPE":
                    raise
                self._multi_currency = False
            logger.info("Salesforce org multi-currency: %s", self._multi_currency)
        return self._multi_currency

    def close(self) -> None:
        """Release the HTTP connections."""
        self._api.session.close()

    def __enter__(self) -> SalesforceConnector:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _read_scored(self, kind: RecordKind) -> Extract:
        multi_currency = self.multi_currency
        spec: ReadSpec = _SCORED_SPECS[kind](
            self.settings, multi_currency=multi_currency
        )
        frame, issues = self._reader.read(spec)
        if multi_currency:
            self._record_currency[kind] = frame.select(
                pl.col(spec.id_column).alias("record_id"), CURRENCY_COLUMN
            )
            frame, currency_issues = convert_money(spec, frame, self._rates())
            issues = pl.concat([issues, currency_issues])
        return Extract(to_schema(frame, dict(spec.schema)), issues)

    def _rates(self) -> pl.DataFrame:
        if self._static_rates is None:
            self._static_rates, _ = self._reader.read(currency_type_spec(), small=True)
        return self._static_rates

    def _dated_rates(self) -> pl.DataFrame:
        try:
            frame, _ = self._reader.read(dated_rate_spec(), small=True)
        except ConfigurationError as exc:
            if exc.code != "INVALID_TYPE":
                raise
            return empty_frame(RATE_SCHEMA)  # no advanced currency management
        return to_schema(frame, RATE_SCHEMA)

    def _in_record_currency(
        self, kind: RecordKind, updates: pl.DataFrame
    ) -> tuple[pl.DataFrame, list[WriteFailure]]:
        """Updates with potential in each record's currency, and failures for
        records whose rate is unknown (never read, or a currency without a
        rate): sending corporate amounts into them would be wrong."""
        if not self.multi_currency:
            return updates, []
        currencies = self._record_currency.get(
            kind, empty_frame(RECORD_CURRENCY_SCHEMA)
        )
        converted, unpriced = to_record_currency(updates, currencies, self._rates())
        failures = [
            WriteFailure(
                record_id,
                "MKP_UNKNOWN_CURRENCY",
                f"{OBJECT_NAMES[kind]} {record_id}: no conversion rate is known for "
                "its currency (read the records first), so nothing was sent",
                (self.settings.fields["potential"],),
            )
            for record_id in unpriced
        ]
        return converted, failures

    def _field_problems(self, kind: RecordKind) -> list[FieldProblem]:
        sobject = OBJECT_NAMES[kind]
        describe = self._api.call(
            f"describe {sobject}", lambda sf: sf.restful(f"sobjects/{sobject}/describe")
        )
        return field_problems(kind, (describe or {}).get("fields", []), self.settings)
