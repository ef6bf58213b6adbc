"""Per-org settings: the orgs file, per-org secrets and the beat schedule."""

from __future__ import annotations

import datetime as dt
import logging
import re
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from connectors import SalesforceSettings
from mkp_core import Locale
from worker.orgs import Orgs, OrgsFileError, org_env_prefix
from worker.schedule import NightlySchedule, beat_schedule
from worker.settings import Settings

SECRET = "sentinel-client-secret-4c1d"
LOGIN_URL = "https://acme.my.salesforce.com"


def _orgs_file(folder: Path, text: str) -> Path:
    path = folder / "orgs.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _two_orgs(folder: Path) -> Path:
    (folder / "policies").mkdir()
    (folder / "policies" / "acme.toml").write_text('locale = "ru"\n')
    return _orgs_file(
        folder,
        f"""
        [orgs.acme-eu]
        policy_file = "policies/acme.toml"
        schedule_time = "01:15"
        schedule_timezone = "Europe/Berlin"

        [orgs.acme-eu.salesforce]
        login_url = "{LOGIN_URL}"
        client_id = "acme-app"

        [orgs.globex]
        csv_profile = "/data/globex/profile.toml"
        """,
    )


def _settings(path: Path, **values: Any) -> Settings:
    return Settings(orgs_file=path, **values)


def _acme_secret() -> dict[str, dict[str, Any]]:
    return {"acme_eu": {"salesforce": {"client_secret": SECRET}}}


def test_without_an_orgs_file_the_deployment_serves_the_org_of_mkp_org() -> None:
    salesforce = SalesforceSettings(client_id="app", client_secret=SECRET)
    settings = Settings(org="acme", salesforce=salesforce, schedule_time="04:00")

    orgs = Orgs.from_settings(settings)
    acme = orgs.settings_for("acme")

    assert orgs.names == ("acme",)
    assert acme.salesforce == salesforce
    assert acme.schedule_time == dt.time(4, 0)


def test_each_org_of_the_orgs_file_has_its_own_policy_schedule_and_crm(
    tmp_path: Path,
) -> None:
    settings = _settings(_two_orgs(tmp_path), orgs=_acme_secret())

    orgs = Orgs.from_settings(settings)
    acme, globex = orgs.settings_for("acme-eu"), orgs.settings_for("globex")

    assert orgs.names == ("acme-eu", "globex")
    assert acme.load_policy().locale is Locale.RU
    assert (acme.schedule_time, acme.schedule_timezone) == (
        dt.time(1, 15),
        "Europe/Berlin",
    )
    assert acme.salesforce is not None
    assert acme.salesforce.login_url == LOGIN_URL
    assert globex.salesforce is None
    assert globex.csv_profile == Path("/data/globex/profile.toml")


def test_keys_an_org_leaves_out_fall_back_to_the_deployment_settings(
    tmp_path: Path,
) -> None:
    deployment_policy = tmp_path / "policy.toml"
    settings = _settings(
        _two_orgs(tmp_path),
        policy_file=deployment_policy,
        schedule_time="03:45",
        schedule_timezone="Asia/Tokyo",
    )

    globex = Orgs.from_settings(settings).settings_for("globex")

    assert globex.policy_file == deployment_policy
    assert (globex.schedule_time, globex.schedule_timezone) == (
        dt.time(3, 45),
        "Asia/Tokyo",
    )


def test_org_secret_and_keys_are_read_from_that_orgs_environment_variables(
    tmp_path: Path,
) -> None:
    path = _two_orgs(tmp_path)
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        f"MKP_ORGS_FILE={path}\n"
        f"{org_env_prefix('acme-eu')}SALESFORCE__CLIENT_SECRET={SECRET}\n"
        f"{org_env_prefix('acme-eu')}SCHEDULE_TIME=05:30\n"
    )

    acme = Orgs.from_settings(Settings(_env_file=dotenv)).settings_for("acme-eu")

    assert acme.salesforce is not None
    assert acme.salesforce.client_secret == SecretStr(SECRET)
    assert acme.schedule_time == dt.time(5, 30)


def test_a_secret_file_that_is_not_utf8_is_named_without_its_bytes(
    tmp_path: Path,
) -> None:
    (tmp_path / "acme.secret").write_bytes(b"\xff\xfe" + SECRET.encode())
    path = _orgs_file(
        tmp_path,
        f"""
        [orgs.acme.salesforce]
        login_url = "{LOGIN_URL}"
        client_id = "acme-app"
        client_secret = {{ file = "acme.secret" }}
        """,
    )

    with pytest.raises(OrgsFileError, match="UnicodeDecodeError") as caught:
        Orgs.from_settings(_settings(path)).settings_for("acme")

    assert "acme.secret" in caught.value.message
    assert caught.value.__cause__ is None
    assert "0xff" not in caught.value.message


def test_secret_named_by_file_is_read_from_that_file_beside_the_orgs_file(
    tmp_path: Path,
) -> None:
    (tmp_path / "acme.secret").write_text(f"{SECRET}\n")
    path = _orgs_file(
        tmp_path,
        f"""
        [orgs.acme.salesforce]
        login_url = "{LOGIN_URL}"
        client_id = "acme-app"
        client_secret = {{ file = "acme.secret" }}
        """,
    )

    acme = Orgs.from_settings(_settings(path)).settings_for("acme")

    assert acme.salesforce is not None
    assert acme.salesforce.client_secret == SecretStr(SECRET)


def test_schedules_are_read_without_the_secret_files_beat_does_not_have(
    tmp_path: Path,
) -> None:
    path = _orgs_file(
        tmp_path,
        """
        [orgs.acme]
        schedule_time = "01:00"

        [orgs.acme.salesforce]
        client_id = "acme-app"
        client_secret = { file = "/run/secrets/not-mounted-here" }
        """,
    )
    orgs = Orgs.from_settings(_settings(path))

    schedules = orgs.schedules()

    assert schedules["acme"].schedule_time == dt.time(1, 0)
    with pytest.raises(OrgsFileError, match=r"org acme: salesforce\.client_secret"):
        orgs.settings_for("acme")


def test_secret_written_in_the_orgs_file_is_refused_naming_org_key_and_variable(
    tmp_path: Path,
) -> None:
    path = _orgs_file(
        tmp_path,
        f"""
        [orgs.acme-eu.salesforce]
        client_id = "acme-app"
        client_secret = "{SECRET}"
        """,
    )

    with pytest.raises(OrgsFileError) as caught:
        Orgs.from_settings(_settings(path))

    message = caught.value.message
    assert "org acme-eu: salesforce.client_secret" in message
    assert "MKP_ORGS__ACME_EU__SALESFORCE__CLIENT_SECRET" in message
    assert SECRET not in message


def test_missing_secret_names_the_org_and_its_own_environment_variable(
    tmp_path: Path,
) -> None:
    orgs = Orgs.from_settings(_settings(_two_orgs(tmp_path)))

    with pytest.raises(OrgsFileError) as caught:
        orgs.settings_for("acme-eu")

    assert "org acme-eu" in caught.value.message
    assert "MKP_ORGS__ACME_EU__SALESFORCE__CLIENT_SECRET" in caught.value.message
    assert orgs.problems().keys() == {"acme-eu"}


def test_unknown_key_in_an_org_table_is_refused_naming_the_org_and_key(
    tmp_path: Path,
) -> None:
    path = _orgs_file(
        tmp_path,
        """
        [orgs.acme]
        csv_profile = "profile.toml"
        schedule_tmie = "02:00"
        """,
    )

    with pytest.raises(OrgsFileError, match=r"org acme: schedule_tmie: Extra"):
        Orgs.from_settings(_settings(path)).settings_for("acme")


def test_unknown_time_zone_of_one_org_is_refused_naming_the_org(
    tmp_path: Path,
) -> None:
    path = _orgs_file(
        tmp_path,
        """
        [orgs.acme]
        csv_profile = "profile.toml"
        schedule_timezone = "Mars/Olympus_Mons"
        """,
    )

    with pytest.raises(OrgsFileError, match=r"org acme: schedule_timezone: .*IANA"):
        beat_schedule(_settings(path))


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ('schedule_time = "02:00"', "no CRM"),
        ('csv_profile = "p.toml"\n[orgs.acme.salesforce]\nclient_id = "x"', "both"),
    ],
)
def test_org_needs_exactly_one_crm(tmp_path: Path, table: str, problem: str) -> None:
    path = _orgs_file(tmp_path, f"[orgs.acme]\n{table}\n")

    with pytest.raises(OrgsFileError, match=f"org acme: {problem}"):
        Orgs.from_settings(_settings(path)).settings_for("acme")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[orgs.acme\n", "not valid TOML"),
        ("[nothing]\n", "unknown top-level key 'nothing'"),
        ("orgs = {}\n", "declares no org"),
        ('[orgs."acme corp"]\ncsv_profile = "p"\n', "org name 'acme corp'"),
        ('[orgs.a-b]\ncsv_profile = "p"\n[orgs.a_b]\ncsv_profile = "p"\n', "share"),
    ],
)
def test_unusable_orgs_file_is_refused_naming_the_file(
    tmp_path: Path, text: str, problem: str
) -> None:
    path = _orgs_file(tmp_path, text)

    with pytest.raises(OrgsFileError, match=re.escape(problem)) as caught:
        Orgs.from_settings(_settings(path))

    assert str(path) in caught.value.message


def test_missing_orgs_file_is_named_with_its_variable(tmp_path: Path) -> None:
    with pytest.raises(OrgsFileError, match="MKP_ORGS_FILE"):
        Orgs.from_settings(_settings(tmp_path / "absent.toml"))


def test_an_orgs_file_path_that_is_a_directory_is_named_with_its_variable(
    tmp_path: Path,
) -> None:
    with pytest.raises(OrgsFileError, match="cannot read the orgs file"):
        Orgs.from_settings(_settings(tmp_path))


def test_an_orgs_file_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    path = tmp_path / "orgs.toml"
    path.write_bytes("[orgs.acme]  # Организации\n".encode("cp1251"))

    with pytest.raises(OrgsFileError, match="not UTF-8 text"):
        Orgs.from_settings(_settings(path))


def test_task_for_an_org_not_served_names_the_orgs_that_are(tmp_path: Path) -> None:
    orgs = Orgs.from_settings(_settings(_two_orgs(tmp_path)))

    with pytest.raises(OrgsFileError, match=r"serves acme-eu, globex, not 'initech'"):
        orgs.settings_for("initech")


def test_top_level_org_with_its_own_crm_is_served_beside_the_file_orgs(
    tmp_path: Path,
) -> None:
    settings = _settings(
        _two_orgs(tmp_path), org="legacy", csv_profile=tmp_path / "legacy.toml"
    )

    orgs = Orgs.from_settings(settings)

    assert orgs.names == ("acme-eu", "globex", "legacy")
    assert orgs.settings_for("legacy").csv_profile == tmp_path / "legacy.toml"


def test_top_level_org_declared_again_in_the_orgs_file_is_refused(
    tmp_path: Path,
) -> None:
    settings = _settings(
        _two_orgs(tmp_path), org="globex", csv_profile=tmp_path / "other.toml"
    )

    with pytest.raises(OrgsFileError, match="org globex is declared here and by"):
        Orgs.from_settings(settings)


def test_variable_for_an_org_not_in_the_file_is_ignored_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = _settings(
        _two_orgs(tmp_path), orgs={"initech": {"schedule_time": "01:00"}}
    )

    with caplog.at_level(logging.WARNING, logger="worker.orgs"):
        orgs = Orgs.from_settings(settings)

    assert orgs.names == ("acme-eu", "globex")
    assert "MKP_ORGS__INITECH__" in caplog.text


def test_org_secrets_appear_in_no_repr_or_redacted_settings(tmp_path: Path) -> None:
    settings = _settings(_two_orgs(tmp_path), orgs=_acme_secret())

    acme = Orgs.from_settings(settings).settings_for("acme-eu")

    shown = [repr(settings), str(settings.redacted()), repr(acme), str(acme)]
    assert all(SECRET not in text for text in shown)


def test_beat_schedule_has_one_entry_per_org_at_its_own_local_time(
    tmp_path: Path,
) -> None:
    schedule = beat_schedule(_settings(_two_orgs(tmp_path), schedule_time="02:30"))

    assert schedule.keys() == {
        "nightly-resegment:acme-eu",
        "nightly-resegment:globex",
    }
    acme, globex = (
        schedule["nightly-resegment:acme-eu"],
        schedule["nightly-resegment:globex"],
    )
    assert acme["schedule"] == NightlySchedule(dt.time(1, 15), "Europe/Berlin")
    assert globex["schedule"] == NightlySchedule(dt.time(2, 30), "UTC")
    assert [acme["kwargs"], globex["kwargs"]] == [
        {"org": "acme-eu", "triggered_by": "schedule"},
        {"org": "globex", "triggered_by": "schedule"},
    ]


_ORG_NAMES = st.from_regex(r"[A-Za-z0-9_.-]{1,64}", fullmatch=True)


@settings(max_examples=40, deadline=None)
@given(org=_ORG_NAMES)
def test_every_org_name_has_a_shell_safe_prefix_that_reaches_that_org(
    org: str,
) -> None:
    prefix = org_env_prefix(org)
    # The settings reader lowercases variable names before they reach an org.
    variable_key = prefix.removeprefix("MKP_ORGS__").removesuffix("__").lower()
    with tempfile.TemporaryDirectory() as folder:
        path = _orgs_file(Path(folder), f'[orgs."{org}"]\ncsv_profile = "p.toml"\n')
        settings = _settings(path, orgs={variable_key: {"schedule_time": "07:07"}})

        resolved = Orgs.from_settings(settings).settings_for(org)

    assert re.fullmatch(r"MKP_ORGS__[A-Z0-9_]+__", prefix)
    assert resolved.schedule_time == dt.time(7, 7)
