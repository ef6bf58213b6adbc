"""Load records from Salesforce CLI sObject-tree JSON and Data Loader CSV.

Tree files (``{"records": [{"attributes": {"type", "referenceId"}, ...}]}``)
are loaded in the order of the ``*-plan.json`` files when there are any, in
name order otherwise; ``@RefId`` values name records loaded earlier, and
nested child lists (``"Opportunities": {"records": [...]}``) are linked to
their parent. ``<Object>.csv`` files with API-name headers load afterwards,
parents before children.
"""

from __future__ import annotations

import csv
import json
import logging
from pathlib import Path
from typing import Any

from connectors.salesforce_emulator._errors import EmulatorError
from connectors.salesforce_emulator._org import Org

__all__ = ["load_dir"]

logger = logging.getLogger(__name__)

_CSV_ORDER = ("User", "CurrencyType", "DatedConversionRate", "Account", "Opportunity",
              "Lead")  # fmt: skip


def _tree_files(directory: Path) -> list[Path]:
    plans = sorted(directory.glob("*-plan.json"))
    if not plans:
        return [p for p in sorted(directory.glob("*.json"))]
    files: list[Path] = []
    for plan in plans:
        for step in json.loads(plan.read_text(encoding="utf-8")):
            files += [directory / name for name in step.get("files", [])]
    return files


def _resolve(value: Any, refs: dict[str, str], source: Path) -> Any:
    if isinstance(value, str) and value.startswith("@"):
        if value[1:] not in refs:
            raise EmulatorError(f"{source}: unknown reference {value}")
        return refs[value[1:]]
    return value


def _load_record(
    org: Org, record: dict[str, Any], refs: dict[str, str], source: Path
) -> str:
    attributes = record.get("attributes", {})
    sobject = org.schema.require(str(attributes.get("type", "")))
    values: dict[str, Any] = {}
    children: list[dict[str, Any]] = []
    for key, value in record.items():
        if key == "attributes":
            continue
        if isinstance(value, dict) and isinstance(value.get("records"), list):
            children += value["records"]
            continue
        values[key] = _resolve(value, refs, source)
    [record_id] = org.insert(sobject.name, [values])
    if "referenceId" in attributes:
        refs[str(attributes["referenceId"])] = record_id
    for child in children:
        child_type = org.schema.require(
            str(child.get("attributes", {}).get("type", ""))
        )
        link = next(f for f in child_type.fields if f.reference_to == sobject.name)
        _load_record(org, {**child, link.name: record_id}, refs, source)
    return record_id


def _load_tree(org: Org, path: Path, refs: dict[str, str]) -> int:
    records = json.loads(path.read_text(encoding="utf-8")).get("records", [])
    with org.store.transaction():
        for record in records:
            _load_record(org, record, refs, path)
    return len(records)


def _load_csv(org: Org, path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = [
            {k: (None if v in ("", "#N/A") else v) for k, v in row.items() if k}
            for row in csv.DictReader(handle)
        ]
    org.insert(path.stem, [{k: v for k, v in r.items() if v is not None} for r in rows])
    return len(rows)


def load_dir(org: Org, directory: Path) -> dict[str, int]:
    """Load every seed file of a directory; returns records loaded per file."""
    if not directory.is_dir():
        raise EmulatorError(f"seed directory not found: {directory}")
    loaded: dict[str, int] = {}
    refs: dict[str, str] = {}
    for path in _tree_files(directory):
        loaded[path.name] = _load_tree(org, path, refs)
    known = {name.lower(): i for i, name in enumerate(_CSV_ORDER)}
    csv_files = sorted(
        directory.glob("*.csv"), key=lambda p: (known.get(p.stem.lower(), 99), p.name)
    )
    for path in csv_files:
        loaded[path.name] = _load_csv(org, path)
    logger.info("Seeded the emulator from %s: %d records", directory,
                sum(loaded.values()))  # fmt: skip
    return loaded
