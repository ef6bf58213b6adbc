"""Logins and sessions as simple-salesforce drives them."""

from __future__ import annotations

import time

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from emulator_clients import make_salesforce
from simple_salesforce import (
    Salesforce,
    SalesforceAuthenticationFailed,
    SalesforceExpiredSession,
)

from connectors.salesforce_emulator import Emulator, EmulatorConfig, PinnedVerifySession


@pytest.mark.parametrize(
    "flow", ["client_credentials", "password", "oauth_password", "jwt"]
)
def test_each_login_flow_opens_a_session_that_can_query(
    salesforce_factory, sf_org, flow
):
    client = salesforce_factory(flow)

    result = client.query("SELECT Id, Name FROM User")

    assert result["totalSize"] == 1
    assert sf_org.stats()["logins"] == 1


def test_soap_login_with_a_wrong_password_fails_with_invalid_login(sf_org):
    creds = sf_org.credentials

    with pytest.raises(SalesforceAuthenticationFailed) as failure:
        Salesforce(
            username=creds["username"],
            password="wrong",
            security_token=creds["security_token"],
            session=sf_org.requests_session(),
        )

    assert failure.value.code == "INVALID_LOGIN"


def test_client_credentials_with_a_wrong_secret_fail(sf_org):
    with pytest.raises(SalesforceAuthenticationFailed) as failure:
        Salesforce(
            domain="acme.my",
            consumer_key=sf_org.credentials["client_id"],
            consumer_secret="nope",
            session=sf_org.requests_session(),
        )

    assert failure.value.code == "invalid_client"


def test_jwt_signed_by_an_untrusted_key_is_refused(sf_org):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )

    with pytest.raises(SalesforceAuthenticationFailed) as failure:
        Salesforce(
            username=sf_org.credentials["username"],
            consumer_key=sf_org.credentials["client_id"],
            privatekey=pem,
            session=sf_org.requests_session(),
        )

    assert failure.value.code == "invalid_grant"


def test_an_expired_session_is_refreshed_by_a_client_holding_credentials(
    salesforce, sf_org
):
    salesforce.query("SELECT Id FROM User")
    sf_org.expire_sessions()

    result = salesforce.query("SELECT Id FROM User")

    assert result["totalSize"] == 1
    assert sf_org.stats()["logins"] == 2


def test_an_expired_direct_session_raises_expired_session(salesforce, sf_org):
    direct = Salesforce(
        instance_url=sf_org.instance_url,
        session_id=salesforce.session_id,
        session=sf_org.requests_session(),
    )
    sf_org.expire_sessions()

    with pytest.raises(SalesforceExpiredSession) as failure:
        direct.query("SELECT Id FROM User")

    assert failure.value.content[0]["errorCode"] == "INVALID_SESSION_ID"


def test_sessions_end_after_their_idle_lifetime():
    with Emulator(EmulatorConfig(session_seconds=1)) as emu:
        client = make_salesforce(emu)
        time.sleep(1.2)
        answer = emu.requests_session().get(
            f"{emu.instance_url}/services/data/v59.0/limits/",
            headers={"Authorization": f"Bearer {client.session_id}"},
        )

    assert answer.status_code == 401
    assert answer.json()[0]["errorCode"] == "INVALID_SESSION_ID"


def test_a_plain_session_lets_the_environment_ca_bundle_override_verify(
    sf_org, monkeypatch
):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    plain = requests.Session()
    plain.verify = sf_org.ca_file

    with pytest.raises(requests.exceptions.SSLError):
        plain.get(f"{sf_org.instance_url}/services/data/")


def test_the_pinned_session_keeps_its_own_ca_despite_the_environment(
    sf_org, monkeypatch
):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    pinned = PinnedVerifySession()
    pinned.verify = sf_org.ca_file

    answer = pinned.get(f"{sf_org.instance_url}/services/data/")

    assert answer.status_code == 200
    assert answer.json()[0]["version"]
