"""One emulated org: schema, records, sessions, usage counters and faults.

The HTTP layer and the ``Emulator`` facade both work through this object, so
a record written by a test helper and one written through the API follow the
same rules.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

from connectors.salesforce_emulator._auth import Authenticator, Credentials
from connectors.salesforce_emulator._errors import ApiError, RecordError
from connectors.salesforce_emulator._faults import FaultPlan
from connectors.salesforce_emulator._metadata import apply_metadata
from connectors.salesforce_emulator._query import CursorRegistry, QueryEngine
from connectors.salesforce_emulator._schema import OrgSchema, SObjectDef
from connectors.salesforce_emulator._stats import Stats
from connectors.salesforce_emulator._store import Row, Store
from connectors.salesforce_emulator._values import to_json
from connectors.salesforce_emulator.config import EmulatorConfig

__all__ = ["Org"]


class Org:
    """State and rules of the emulated org, shared by every request thread."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.schema = OrgSchema(multi_currency=config.multi_currency)
        apply_metadata(self.schema, config.metadata_dir, config.omit_fields)
        self.store = Store(self.schema, config.db_path, config.corporate_currency)
        self.engine = QueryEngine(self.store, self.schema)
        self.cursors = CursorRegistry(config.max_open_cursors, config.cursor_seconds)
        self.credentials = Credentials.generate()
        self.auth = Authenticator(self.credentials, config.session_seconds)
        self.stats = Stats()
        self.faults = FaultPlan()
        self.instance_url = ""
        self.on_reset: list[Callable[[], None]] = []
        self._usage_lock = threading.Lock()
        self._api_used = 0
        self._limit_base = 0
        self.integration_user_id = self._seed_org()

    def _seed_org(self) -> str:
        user = self.schema.require("User")
        existing = self.store.execute(
            'SELECT "Id" FROM "User" WHERE "Username" = ?', (self.credentials.username,)
        )
        if existing:
            return str(existing[0][0])
        user_id = self.store.insert(
            user,
            {
                "FirstName": "MKP",
                "LastName": "Integration",
                "Username": self.credentials.username,
                "Email": self.credentials.username,
            },
            api=False,
            owner_id="",
        )
        if self.schema.multi_currency:
            self.store.insert(
                self.schema.require("CurrencyType"),
                {
                    "IsoCode": self.config.corporate_currency,
                    "ConversionRate": 1.0,
                    "DecimalPlaces": 2,
                    "IsActive": True,
                    "IsCorporate": True,
                },
                api=False,
                owner_id=user_id,
            )
        return user_id

    # API allowance

    def api_limit(self) -> int:
        """The daily allowance now in force (a daily_limit fault may lower it)."""
        after = self.faults.limit_after
        return (
            self.config.daily_api_limit if after is None else self._limit_base + after
        )

    def api_used(self) -> int:
        """API calls charged so far."""
        with self._usage_lock:
            return self._api_used

    def charge_api_call(self) -> None:
        """Count one API call, or refuse it with 403 once the allowance is spent."""
        with self._usage_lock:
            if self._api_used >= self.api_limit():
                raise ApiError(
                    403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."
                )
            self._api_used += 1
        self.stats.count_api_call()

    def limit_info(self) -> str:
        """The Sforce-Limit-Info header value."""
        return f"api-usage={self.api_used()}/{self.api_limit()}"

    def set_faults(self, faults: list[dict[str, Any]]) -> None:
        """Install a fault plan; a daily_limit counts from this moment."""
        self.faults.set(faults)
        with self._usage_lock:
            self._limit_base = self._api_used

    def reset(self, *, clear_data: bool) -> None:
        """Clear faults, counters and cursors; optionally every record too."""
        self.faults.set([])
        self.stats.reset()
        self.cursors.clear()
        for hook in self.on_reset:
            hook()
        with self._usage_lock:
            self._api_used = 0
            self._limit_base = 0
        if clear_data:
            self.store.clear()
            self.integration_user_id = self._seed_org()

    def stats_snapshot(self) -> dict[str, Any]:
        """Counters plus the allowance, for the admin API and tests."""
        usage = {"used": self.api_used(), "max": self.api_limit()}
        return self.stats.snapshot(usage)

    # Writes through the API: faults and counters apply here.

    def api_update(self, sobject: SObjectDef, record_id: str, values: Row) -> str:
        """Change one record as the integration user; raises RecordError."""
        locked = self.faults.lock_error(record_id)
        if locked is not None:
            raise RecordError(locked.code, locked.message, [])
        if self.faults.take_delete(record_id):
            with contextlib.suppress(RecordError):
                self.store.set_deleted(sobject, record_id)
        return self.store.update(sobject, record_id, values, api=True)

    def api_create(self, sobject: SObjectDef, values: Row) -> str:
        """Create one record as the integration user; raises RecordError."""
        return self.store.insert(
            sobject, values, api=True, owner_id=self.integration_user_id
        )

    def api_delete(self, sobject: SObjectDef, record_id: str) -> str:
        """Move one record to the recycle bin; raises RecordError."""
        locked = self.faults.lock_error(record_id)
        if locked is not None:
            raise RecordError(locked.code, locked.message, [])
        return self.store.set_deleted(sobject, record_id)

    def count_writes(self, sobject: SObjectDef, record_ids: list[str]) -> None:
        """Record successful writes once they are committed."""
        for record_id in record_ids:
            self.stats.count_write(sobject.name, record_id)

    # Direct access for tests and seeding (no API rules on permissions).

    def insert(self, sobject_name: str, records: list[Row]) -> list[str]:
        """Create records as an administrator would; all or none."""
        sobject = self.schema.require(sobject_name)
        with self.store.transaction():
            return [
                self.store.insert(
                    sobject, dict(r), api=False, owner_id=self.integration_user_id
                )
                for r in records
            ]

    def records(self, sobject_name: str, *, include_deleted: bool = False) -> list[Row]:
        """Stored records as JSON values, live ones unless asked otherwise."""
        sobject = self.schema.require(sobject_name)
        rows = self.store.all_rows(sobject)
        return [
            {f.name: to_json(f, row[f.name]) for f in sobject.fields}
            for row in rows
            if include_deleted or not row["IsDeleted"]
        ]
