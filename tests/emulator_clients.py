"""Build simple-salesforce clients logged in to a Salesforce emulator."""

from __future__ import annotations

from typing import Any

from simple_salesforce import Salesforce

from connectors.salesforce_emulator import Emulator


def make_salesforce(
    emu: Emulator, flow: str = "client_credentials", **kwargs: Any
) -> Salesforce:
    """A simple-salesforce client logged in to ``emu`` through ``flow``.

    Flows: client_credentials, password (SOAP), oauth_password, jwt, session
    (an existing session id, no login).
    """
    creds = emu.credentials
    session = emu.requests_session()
    if flow == "client_credentials":
        return Salesforce(
            domain="mkp-emulator.my",
            consumer_key=creds["client_id"],
            consumer_secret=creds["client_secret"],
            session=session,
            **kwargs,
        )
    if flow == "password":
        return Salesforce(
            username=creds["username"],
            password=creds["password"],
            security_token=creds["security_token"],
            session=session,
            **kwargs,
        )
    if flow == "oauth_password":
        return Salesforce(
            username=creds["username"],
            password=creds["password"],
            consumer_key=creds["client_id"],
            consumer_secret=creds["client_secret"],
            session=session,
            **kwargs,
        )
    if flow == "jwt":
        return Salesforce(
            username=creds["username"],
            consumer_key=creds["client_id"],
            privatekey_file=emu.private_key_file,
            session=session,
            **kwargs,
        )
    if flow == "session":
        return Salesforce(instance_url=emu.instance_url, session=session, **kwargs)
    raise ValueError(f"unknown login flow {flow!r}")
