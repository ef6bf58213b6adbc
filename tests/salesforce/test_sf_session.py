"""Logins, sessions, TLS and the API budget, against the emulator."""

from __future__ import annotations

from pathlib import Path

import pytest
from sf_data import MakeConnector, seed_accounts, settings_for
from sf_updates import scored, updates_frame
from simple_salesforce.api import Salesforce
from urllib3.exceptions import InsecureRequestWarning

from connectors.errors import (
    AuthenticationError,
    BudgetExhaustedError,
    ConfigurationError,
)
from connectors.salesforce import SalesforceConnector
from connectors.salesforce._transport import build_session
from connectors.salesforce_emulator import Emulator
from mkp_core import RecordKind


@pytest.mark.parametrize(
    ("mode", "flow"),
    [
        ("client_credentials", "client_credentials"),
        ("jwt", "jwt"),
        ("password", "password"),
    ],
)
def test_each_login_flow_reaches_the_org(
    sf_org: Emulator, make_connector: MakeConnector, mode: str, flow: str
) -> None:
    seed_accounts(sf_org, 2)
    connector = make_connector(auth_mode=mode, private_key_file=sf_org.private_key_file)
    assert connector.read_accounts().frame.height == 2
    assert sf_org.stats()["logins_by_flow"] == {flow: 1}


def test_a_wrong_secret_fails_once_as_an_authentication_error(
    sf_org: Emulator, make_connector: MakeConnector
) -> None:
    connector = make_connector(client_secret="wrong")
    with pytest.raises(AuthenticationError) as caught:
        connector.read_accounts()
    assert "wrong" not in str(caught.value)
    assert connector.api_usage().calls_by_operation == {"login": 1}


def test_a_session_refused_again_after_a_new_login_stops_without_a_loop(
    sf_org: Emulator, make_connector: MakeConnector
) -> None:
    seed_accounts(sf_org, 2)
    sf_org.set_faults(
        {
            "faults": [
                {"operation": "query", "call": 1, "kind": "expire_session"},
                {"operation": "query", "call": 2, "kind": "expire_session"},
            ]
        }
    )
    connector = make_connector(multi_currency=False)
    with pytest.raises(AuthenticationError, match="again right after a fresh login"):
        connector.read_accounts()
    assert sf_org.stats()["logins"] == 2


def test_a_session_expired_before_a_write_is_renewed_once(
    sf_org: Emulator, make_connector: MakeConnector
) -> None:
    ids = seed_accounts(sf_org, 3)
    connector = make_connector(multi_currency=False)
    connector.check_fields()
    sf_org.expire_sessions()
    result = connector.write_updates(
        RecordKind.ACCOUNT, updates_frame([scored(i) for i in ids])
    )
    assert result.written == 3
    assert sf_org.stats()["logins"] == 2


def test_the_configured_ca_bundle_wins_over_the_environment(
    sf_org: Emulator, make_connector: MakeConnector
) -> None:
    # The environment's REQUESTS_CA_BUNDLE (or certifi) does not know the
    # emulator's CA; only our ca_bundle setting does.
    seed_accounts(sf_org, 1)
    assert make_connector().read_accounts().frame.height == 1


def test_without_the_ca_bundle_tls_verification_refuses_the_org(
    sf_org: Emulator, make_connector: MakeConnector
) -> None:
    connector = make_connector(ca_bundle=None)
    with pytest.raises(ConfigurationError, match="TLS verification failed"):
        connector.read_accounts()


def test_an_injected_session_carries_every_request(sf_org: Emulator) -> None:
    seed_accounts(sf_org, 2)
    session = build_session(sf_org.ca_file)
    seen: list[str] = []
    session.hooks["response"].append(lambda response, **_: seen.append(response.url))
    connector = SalesforceConnector(settings_for(sf_org), session=session)
    connector.read_accounts()
    assert len(seen) == connector.api_usage().calls >= 3


def test_an_injected_client_is_used_without_a_login(sf_org: Emulator) -> None:
    seed_accounts(sf_org, 2)
    session = build_session(sf_org.ca_file)
    token = session.post(
        f"{sf_org.login_url}/services/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(sf_org.credentials["client_id"], sf_org.credentials["client_secret"]),
    ).json()["access_token"]
    client = Salesforce(
        instance_url=sf_org.instance_url, session_id=token, session=session
    )
    connector = SalesforceConnector(settings_for(sf_org), client=client)
    assert connector.read_accounts().frame.height == 2
    assert "login" not in connector.api_usage().calls_by_operation


def test_every_request_is_counted_by_operation_logins_included(
    sf_org: Emulator, make_connector: MakeConnector
) -> None:
    seed_accounts(sf_org, 3)
    connector = make_connector()
    connector.read_accounts()
    usage = connector.api_usage()
    assert usage.calls_by_operation == sf_org.stats()["calls"]
    assert usage.org_used == sf_org.stats()["api_usage"]["used"]


def test_the_daily_limit_mid_run_stops_with_few_calls_after_the_first_403(
    sf_org: Emulator, make_connector: MakeConnector
) -> None:
    # Another integration spends the rest of the allowance between our reads
    # and our writes, so the usage we last saw is stale and a 403 arrives.
    ids = seed_accounts(sf_org, 600)
    connector = make_connector(multi_currency=False)
    connector.read_accounts()
    sf_org.set_faults({"faults": [{"kind": "daily_limit", "after_calls": 0}]})
    calls_before = sf_org.stats()["total_calls"]
    with pytest.raises(BudgetExhaustedError) as caught:
        connector.write_updates(
            RecordKind.ACCOUNT, updates_frame([scored(i) for i in ids])
        )
    calls_after_the_403 = sf_org.stats()["total_calls"] - calls_before - 1
    assert caught.value.code == "REQUEST_LIMIT_EXCEEDED"
    assert calls_after_the_403 < 5


def test_the_run_stops_before_passing_the_configured_budget_share(
    sf_org: Emulator, make_connector: MakeConnector
) -> None:
    seed_accounts(sf_org, 900)
    sf_org.set_faults({"faults": [{"kind": "daily_limit", "after_calls": 10}]})
    connector = make_connector(api_budget_percent=50, query_batch_size=200)
    with pytest.raises(BudgetExhaustedError, match="budget"):
        connector.read_accounts()
    stats = sf_org.stats()
    assert stats["api_usage"]["used"] <= stats["api_usage"]["max"] * 0.5


def test_an_unreadable_jwt_key_stops_before_any_request(
    sf_org: Emulator, make_connector: MakeConnector, tmp_path: Path
) -> None:
    connector = make_connector(auth_mode="jwt", private_key_file=tmp_path / "none.pem")
    with pytest.raises(ConfigurationError, match="private_key_file"):
        connector.read_accounts()
    assert connector.api_usage().calls == 0


@pytest.mark.parametrize(
    "content",
    [b"not a key\n", b"\x30\x82\x04\xa4\x02\x01\x00\x02\x82\x01\x01\x00\xc3"],
    ids=["text", "binary"],
)
def test_a_jwt_key_file_that_holds_no_pem_key_stops_before_any_request(
    sf_org: Emulator, make_connector: MakeConnector, tmp_path: Path, content: bytes
) -> None:
    key = tmp_path / "mkp.key"
    key.write_bytes(content)
    connector = make_connector(auth_mode="jwt", private_key_file=key)

    with pytest.raises(ConfigurationError, match=r"mkp\.key is not"):
        connector.read_accounts()
    assert connector.api_usage().calls == 0


def test_a_ca_bundle_that_is_not_a_file_is_named_before_any_request(
    sf_org: Emulator, make_connector: MakeConnector, tmp_path: Path
) -> None:
    with pytest.raises(ConfigurationError, match=r"CA bundle .*absent\.pem"):
        make_connector(ca_bundle=tmp_path / "absent.pem")


def test_turning_tls_verification_off_works_but_warns(
    sf_org: Emulator, make_connector: MakeConnector
) -> None:
    seed_accounts(sf_org, 1)
    connector = make_connector(ca_bundle=None, verify_tls=False)
    with pytest.warns(InsecureRequestWarning):
        assert connector.read_accounts().frame.height == 1
