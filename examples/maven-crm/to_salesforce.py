"""Turn the Maven CRM sample into Salesforce CLI sObject-tree files.

Writes ``salesforce/`` beside this script: one User per sales agent,
the accounts (parents before their subsidiaries, linked by ``ParentId``) and
every opportunity, in files of at most 200 records as ``sf data import tree``
requires, plus ``maven-crm-plan.json`` that loads them in order. The Salesforce
emulator loads the same directory (``Emulator.load_dir``).

Mapping: sector -> Industry (verbatim, so scores match the CSV profile);
revenue (millions) x 1e6 -> AnnualRevenue; employees -> NumberOfEmployees.
Deal stages Won / Lost / Engaging / Prospecting -> Closed Won / Closed Lost /
Qualification / Prospecting. Open deals have no Amount and close 90 days after
engagement (2018-03-31 when never engaged). Deals without an account keep a
null AccountId, which Salesforce allows.

Run: ``python examples/maven-crm/to_salesforce.py``
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "salesforce"
CHUNK = 200  # records per file accepted by `sf data import tree`
STAGES = {
    "Won": "Closed Won",
    "Lost": "Closed Lost",
    "Engaging": "Qualification",
    "Prospecting": "Prospecting",
}
OPEN_DEAL_DAYS = 90
NEVER_ENGAGED_CLOSE = "2018-03-31"


def read(name: str) -> list[dict[str, str]]:
    with (HERE / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def ref(prefix: str, index: int) -> str:
    return f"{prefix}{index}"


def users(teams: list[dict[str, str]]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    records, refs = [], {}
    for index, row in enumerate(teams, start=1):
        first, _, last = row["sales_agent"].partition(" ")
        refs[row["sales_agent"]] = ref("UserRef", index)
        login = f"{first}.{last}".lower().replace(" ", "")
        records.append({
            "attributes": {"type": "User", "referenceId": ref("UserRef", index)},
            "FirstName": first,
            "LastName": last or first,
            "Username": f"{login}@maven-crm.example",
            "Email": f"{login}@maven-crm.example",
        })  # fmt: skip
    return records, refs


def accounts(
    rows: list[dict[str, str]],
) -> tuple[list[list[dict[str, Any]]], dict[str, str]]:
    refs = {row["account"]: ref("AccRef", i) for i, row in enumerate(rows, start=1)}
    parents, subsidiaries = [], []
    for row in rows:
        record: dict[str, Any] = {
            "attributes": {"type": "Account", "referenceId": refs[row["account"]]},
            "Name": row["account"],
            "Industry": row["sector"] or None,
            "AnnualRevenue": round(float(row["revenue"]) * 1e6, 2),
            "NumberOfEmployees": int(row["employees"]),
        }
        if row["subsidiary_of"]:
            record["ParentId"] = "@" + refs[row["subsidiary_of"]]
            subsidiaries.append(record)
        else:
            parents.append(record)
    return [parents, subsidiaries], refs


def close_date(row: dict[str, str]) -> str:
    if row["deal_stage"] in ("Won", "Lost"):
        return row["close_date"]
    if not row["engage_date"]:
        return NEVER_ENGAGED_CLOSE
    engaged = dt.date.fromisoformat(row["engage_date"])
    return (engaged + dt.timedelta(days=OPEN_DEAL_DAYS)).isoformat()


def opportunities(
    rows: list[dict[str, str]], account_refs: dict[str, str], user_refs: dict[str, str]
) -> list[dict[str, Any]]:
    records = []
    for row in rows:
        record: dict[str, Any] = {
            "attributes": {"type": "Opportunity", "referenceId": row["opportunity_id"]},
            "Name": f"{row['opportunity_id']} {row['product']}",
            "StageName": STAGES[row["deal_stage"]],
            "CloseDate": close_date(row),
            "OwnerId": "@" + user_refs[row["sales_agent"]],
        }  # fmt: skip
        if row["account"]:
            record["AccountId"] = "@" + account_refs[row["account"]]
        if row["deal_stage"] in ("Won", "Lost") and row["close_value"]:
            record["Amount"] = float(row["close_value"])
        records.append(record)
    return records


def write(name: str, records: list[dict[str, Any]]) -> str:
    (OUT / name).write_text(
        json.dumps({"records": records}, indent=1) + "\n", encoding="utf-8"
    )
    return name


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for old in OUT.glob("*.json"):
        old.unlink()
    user_records, user_refs = users(read("sales_teams.csv"))
    account_groups, account_refs = accounts(read("accounts.csv"))
    deals = opportunities(read("sales_pipeline.csv"), account_refs, user_refs)

    account_files = [
        write(f"Account-{i}.json", group) for i, group in enumerate(account_groups, 1)
    ]
    deal_files = [
        write(f"Opportunity-{i // CHUNK + 1:02d}.json", deals[i : i + CHUNK])
        for i in range(0, len(deals), CHUNK)
    ]
    plan = [
        {"sobject": "User", "saveRefs": True, "resolveRefs": False,
         "files": [write("User.json", user_records)]},
        {"sobject": "Account", "saveRefs": True, "resolveRefs": True,
         "files": account_files},
        {"sobject": "Opportunity", "saveRefs": False, "resolveRefs": True,
         "files": deal_files},
    ]  # fmt: skip
    (OUT / "maven-crm-plan.json").write_text(
        json.dumps(plan, indent=2) + "\n", encoding="utf-8"
    )
    print(f"Wrote {len(user_records)} users, {sum(map(len, account_groups))} accounts "
          f"and {len(deals)} opportunities to {OUT}")  # fmt: skip


if __name__ == "__main__":
    main()
