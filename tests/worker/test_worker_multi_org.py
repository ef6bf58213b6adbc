"""One deployment, several orgs, two worker processes, an emulator per org.

The orgs file declares each org with its own emulator, policy, schedule and
secret; the worker processes resolve an org's settings from the org name the
task carries. Three orgs run their nightly resegmentation side by side, a
fourth takes admin backfills, and a fifth lacks its secret.

Redis DB 15 is shared with other test sessions on this machine, so every key,
org and queue here carries a token of this module's own, and only those keys
are removed at the end: nothing is flushed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import secrets
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from worker_process import REDIS_URL, WorkerProcess, run_cli_here, worker_env

from connectors import SalesforceConnector, SalesforceSettings
from connectors.salesforce_emulator import Emulator, EmulatorConfig
from mkp_core import Policy
from worker.history import RunHistory
from worker.lock import RunLock
from worker.orgs import org_env_prefix
from worker.pipeline import RunOptions, run_pipeline

MKP_FIELDS = (
    "MKP_Segment__c",
    "MKP_Segment_Name__c",
    "MKP_Potential__c",
    "MKP_Potential_Level__c",
    "MKP_Progress_Level__c",
    "MKP_Wallet_Share__c",
    "MKP_Next_Action__c",
    "MKP_Explanation__c",
    "MKP_Segment_Changed_At__c",
    "MKP_Previous_Segment__c",
)
TOKEN = f"{os.getpid()}-{secrets.token_hex(2)}"
# Every call waits this long, so each run lasts a few seconds and two runs on
# two workers visibly overlap.
CALL_LATENCY_S = 0.15


@dataclasses.dataclass(frozen=True)
class Portfolio:
    """A small org of its own: how many accounts, in which industries, how big."""

    label: str
    accounts: int
    industries: tuple[str, ...]
    deal_scale: float
    policy: str = ""  # TOML of the org's own policy file; empty: the defaults
    schedule: tuple[str, str] = ("02:30", "UTC")


PORTFOLIOS = (
    Portfolio(
        "alpha",
        accounts=24,
        industries=("Technology", "Retail"),
        deal_scale=1.0,
        policy="reached_share = 0.6\n",
        schedule=("01:30", "Europe/Berlin"),
    ),
    Portfolio(
        "beta",
        accounts=18,
        industries=("Finance", "Energy", "Retail"),
        deal_scale=3.5,
        policy='locale = "ru"\n',
        schedule=("03:00", "America/New_York"),
    ),
    Portfolio(
        "gamma",
        accounts=30,
        industries=("Healthcare",),
        deal_scale=0.4,
    ),
    Portfolio(
        "delta",
        accounts=12,
        industries=("Retail", "Energy"),
        deal_scale=2.0,
        schedule=("04:00", "Asia/Tokyo"),
    ),
)
# The first three run their nightly resegmentation once and are compared
# with an in-process run; delta takes the admin's backfills, so those writes
# never change what the other three are compared with.
NIGHTLY = 3


def _seed(emulator: Emulator, portfolio: Portfolio) -> None:
    today = dt.date.today()
    spread = len(portfolio.industries)
    ids = emulator.insert(
        "Account",
        [
            {
                "Name": f"{portfolio.label} {n:03d}",
                "Industry": portfolio.industries[n % spread],
                "NumberOfEmployees": 40 + 53 * n,
                "AnnualRevenue": 900_000.0 + 31_000.0 * n,
            }
            for n in range(portfolio.accounts)
        ],
    )
    deals = [
        {
            "Name": f"{portfolio.label} deal {n}-{k}",
            "AccountId": account_id,
            "Amount": portfolio.deal_scale * 1000.0 * ((n * 11 + k * 5) % 37 + 1),
            "StageName": "Closed Won",
            "CloseDate": (today - dt.timedelta(days=15 + 60 * k + n % 40)).isoformat(),
        }
        for n, account_id in enumerate(ids)
        for k in range(3)
        if (n + 2 * k) % 4
    ]
    emulator.insert("Opportunity", deals)


@dataclasses.dataclass
class Deployment:
    """The orgs, their emulators, the worker processes and a client app."""

    emulators: dict[str, Emulator]
    portfolios: dict[str, Portfolio]
    policy_files: dict[str, Path | None]
    broken: str  # declared, but its secret is set nowhere
    env: dict[str, str]  # the workers' environment, for the CLI too
    workers: list[WorkerProcess]
    app: Any
    redis: Redis
    task_ids: list[str] = dataclasses.field(default_factory=list)

    def send(self, task: str, org: str, **kwargs: Any) -> Any:
        result = self.app.send_task(task, kwargs={"org": org, **kwargs})
        self.task_ids.append(result.id)
        return result

    def history(self, org: str) -> list[dict[str, Any]]:
        return RunHistory(self.redis, org).recent()


def _org_table(
    name: str, portfolio: Portfolio, emulator: Emulator, policy_file: Path | None
) -> str:
    at, zone = portfolio.schedule
    policy = f'policy_file = "{policy_file.name}"\n' if policy_file else ""
    return (
        f"[orgs.{name}]\n{policy}"
        f'schedule_time = "{at}"\nschedule_timezone = "{zone}"\n\n'
        f"[orgs.{name}.salesforce]\n"
        f'login_url = "{emulator.login_url}"\n'
        f'client_id = "{emulator.credentials["client_id"]}"\n'
        f'ca_bundle = "{emulator.ca_file}"\n\n'
    )


def _names() -> list[str]:
    return [f"{portfolio.label}-{TOKEN}" for portfolio in PORTFOLIOS]


def _write_orgs(
    folder: Path, emulators: dict[str, Emulator], broken: str
) -> tuple[Path, dict[str, Path | None]]:
    policy_files: dict[str, Path | None] = {}
    tables = []
    for name, portfolio in zip(_names(), PORTFOLIOS, strict=True):
        policy_file = folder / f"{portfolio.label}-policy.toml"
        if portfolio.policy:
            policy_file.write_text(portfolio.policy)
        policy_files[name] = policy_file if portfolio.policy else None
        tables.append(_org_table(name, portfolio, emulators[name], policy_files[name]))
    # Its secret is set nowhere: it can be scheduled but never run.
    any_emulator = next(iter(emulators.values()))
    tables.append(_org_table(broken, PORTFOLIOS[0], any_emulator, None))

    path = folder / "orgs.toml"
    path.write_text("".join(tables))
    return path, policy_files


def _worker_env(
    orgs_file: Path, queue: str, emulators: dict[str, Emulator], folder: Path
) -> dict[str, str]:
    secrets_by_org = {
        f"{org_env_prefix(name)}SALESFORCE__CLIENT_SECRET": emulator.credentials[
            "client_secret"
        ]
        for name, emulator in emulators.items()
    }
    return worker_env(
        None,
        MKP_ORGS_FILE=str(orgs_file),
        MKP_QUEUE=queue,
        MKP_SNAPSHOT_DIR=str(folder / "snapshots"),
        **secrets_by_org,
    )


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    from worker.celery_app import create_app
    from worker.settings import Settings

    folder = tmp_path_factory.mktemp("multi-org")
    queue = f"mkp.multi-{TOKEN}"
    broken = f"broken-{TOKEN}"
    with ExitStack() as stack:
        emulators = {
            name: stack.enter_context(Emulator(EmulatorConfig(port=0)))
            for name in _names()
        }
        for name, portfolio in zip(_names(), PORTFOLIOS, strict=True):
            _seed(emulators[name], portfolio)
            latency = {"kind": "latency", "operation": "*", "seconds": CALL_LATENCY_S}
            emulators[name].set_faults({"faults": [latency]})
        orgs_file, policy_files = _write_orgs(folder, emulators, broken)
        env = _worker_env(orgs_file, queue, emulators, folder)
        workers = [WorkerProcess(env, folder / f"worker{n}.log") for n in (1, 2)]
        for worker in workers:
            stack.callback(worker.kill)
            worker.start()
        settings = Settings(
            broker_url=REDIS_URL,
            result_backend=REDIS_URL,
            orgs_file=orgs_file,
            queue=queue,
        )
        app = create_app(settings)
        stack.callback(app.close)
        redis = Redis.from_url(REDIS_URL)
        stack.callback(redis.close)
        found = Deployment(
            emulators=emulators,
            portfolios=dict(zip(_names(), PORTFOLIOS, strict=True)),
            policy_files=policy_files,
            broken=broken,
            env=env,
            workers=workers,
            app=app,
            redis=redis,
        )
        stack.callback(_forget, found)
        yield found


def _forget(deployment: Deployment) -> None:
    """Remove this module's keys (and only those) from the shared database."""
    client = deployment.redis
    keys = list(client.scan_iter(match=f"*{TOKEN}*"))
    for task_id in deployment.task_ids:
        keys += [f"celery-task-meta-{task_id}", f"mkp:checkpoint:{task_id}"]
    if keys:
        client.delete(*keys)


def _values_by_name(emulator: Emulator) -> dict[str, tuple[Any, ...]]:
    return {
        row["Name"]: tuple(row.get(field) for field in MKP_FIELDS)
        for row in emulator.records("Account")
    }


def _reference_values(
    deployment: Deployment, org: str, entry: dict[str, Any]
) -> dict[str, tuple[Any, ...]]:
    """The org's portfolio scored in-process in a fresh emulator of its own."""
    policy_file = deployment.policy_files[org]
    policy = Policy.from_toml(policy_file) if policy_file else Policy()
    policy = policy.model_copy(update={"as_of": dt.date.fromisoformat(entry["as_of"])})
    with Emulator(EmulatorConfig(port=0)) as reference:
        _seed(reference, deployment.portfolios[org])
        settings = SalesforceSettings(
            login_url=reference.login_url,
            client_id=reference.credentials["client_id"],
            client_secret=reference.credentials["client_secret"],
            ca_bundle=Path(reference.ca_file),
        )
        run_pipeline(
            SalesforceConnector(settings),
            policy,
            RunOptions(org=org, triggered_by="test"),
            now=dt.datetime.fromisoformat(entry["started_at"]),
        )
        return _values_by_name(reference)


def _run_ids(deployment: Deployment, org: str) -> set[str]:
    return {entry["run_id"] for entry in deployment.history(org)}


def _entry(deployment: Deployment, org: str, run_id: str) -> dict[str, Any]:
    entry = RunHistory(deployment.redis, org).get(run_id)
    assert entry is not None
    return entry


def _overlap(first: dict[str, Any], second: dict[str, Any]) -> bool:
    return (
        first["started_at"] < second["finished_at"]
        and second["started_at"] < first["finished_at"]
    )


def test_three_orgs_nightly_runs_fan_out_over_two_workers_each_org_correct(
    deployment: Deployment,
) -> None:
    orgs = _names()[:NIGHTLY]
    entries = deployment.app.conf.beat_schedule
    nightly = [entries[f"nightly-resegment:{org}"] for org in orgs]

    results = [deployment.send(e["task"], **e["kwargs"]) for e in nightly]
    summaries = [result.get(timeout=60) for result in results]

    assert [s["status"] for s in summaries] == ["succeeded"] * 3
    runs = {}
    for org, summary in zip(orgs, summaries, strict=True):
        owners = [o for o in orgs if summary["run_id"] in _run_ids(deployment, o)]
        assert owners == [org]
        runs[org] = _entry(deployment, org, summary["run_id"])
        emulator = deployment.emulators[org]
        assert _values_by_name(emulator) == _reference_values(
            deployment, org, runs[org]
        )
    overlapping = [
        (a, b) for a in orgs for b in orgs if a < b and _overlap(runs[a], runs[b])
    ]
    assert overlapping, f"no two runs overlapped: {runs}"
    # Both workers took part: each logged at least one of these tasks.
    assert all(any(r.id in w.log for r in results) for w in deployment.workers)


def test_beat_has_one_nightly_entry_per_org_at_that_orgs_local_time(
    deployment: Deployment,
) -> None:
    entries = deployment.app.conf.beat_schedule

    schedules = [entries[f"nightly-resegment:{org}"]["schedule"] for org in _names()]

    assert [(s.at, s.timezone) for s in schedules] == [
        (dt.time(1, 30), "Europe/Berlin"),
        (dt.time(3, 0), "America/New_York"),
        (dt.time(2, 30), "UTC"),
        (dt.time(4, 0), "Asia/Tokyo"),
    ]
    assert len(entries) == len(PORTFOLIOS) + 1  # the broken org is scheduled too


def test_each_worker_names_at_start_the_orgs_it_serves_and_those_it_cannot(
    deployment: Deployment,
) -> None:
    logs = [worker.log for worker in deployment.workers]

    for log in logs:
        assert all(f"Serving org {org}, nightly at" in log for org in _names())
        assert f"Org {deployment.broken} cannot run" in log
        assert f"Serving org {deployment.broken}" not in log


def test_held_org_lock_skips_both_backfill_and_resegment_while_another_org_runs(
    deployment: Deployment,
) -> None:
    alpha, *_, delta = _names()
    holder = f"held-by-test-{TOKEN}"
    lock = RunLock(deployment.redis, alpha, holder, ttl_s=30)
    assert lock.acquire()

    with lock:
        backfill = deployment.send("mkp.backfill", alpha, triggered_by="test")
        resegment = deployment.send("mkp.resegment", alpha, triggered_by="test")
        other = deployment.send("mkp.backfill", delta, triggered_by="test")
        summaries = [r.get(timeout=60) for r in (backfill, resegment, other)]

    assert [s["status"] for s in summaries] == [
        "skipped: already running",
        "skipped: already running",
        "succeeded",
    ]
    assert all(holder in s["message"] for s in summaries[:2])


def test_run_of_an_org_whose_secret_is_missing_fails_in_its_own_history(
    deployment: Deployment,
) -> None:
    result = deployment.send("mkp.resegment", deployment.broken, triggered_by="test")
    result.get(timeout=60, propagate=False)

    entries = deployment.history(deployment.broken)
    variable = f"{org_env_prefix(deployment.broken)}SALESFORCE__CLIENT_SECRET"
    assert result.state == "FAILURE"
    assert [e["status"] for e in entries] == ["failed"]
    assert variable in entries[0]["message"]


def test_admin_backfills_one_org_by_name_and_lists_that_orgs_runs(
    deployment: Deployment,
) -> None:
    delta = _names()[-1]

    waited = run_cli_here(deployment.env, "backfill", "--org", delta, "--wait")
    listed = run_cli_here(deployment.env, "runs", "--org", delta, "--json")

    deployment.task_ids.append(waited.output.split("queued as task ")[1].split(".")[0])
    assert waited.exit_code == 0, waited.output
    entries = json.loads(listed.stdout)
    assert entries[0]["task"] == "backfill"
    assert entries[0]["status"] == "succeeded"
    assert {entry["org"] for entry in entries} == {delta}


def test_backfill_of_an_org_the_deployment_does_not_serve_is_refused(
    deployment: Deployment,
) -> None:
    refused = run_cli_here(deployment.env, "backfill", "--org", "initech")

    assert refused.exit_code == 2
    assert "not initech" in refused.output
    assert _names()[0] in refused.output
