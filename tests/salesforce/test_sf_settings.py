"""Settings are validated once, keep secrets out of sight and name what is wrong."""

from pathlib import Path

import pytest
from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from connectors.errors import ConfigurationError
from connectors.salesforce import AuthMode, SalesforceSettings
from connectors.salesforce._auth import jwt_audience


def test_secrets_never_appear_in_the_repr_or_a_json_dump() -> None:
    settings = SalesforceSettings(
        auth_mode=AuthMode.PASSWORD,
        client_id="app",
        client_secret="s3cret-client",
        username="u@example.com",
        password="s3cret-password",
        security_token="s3cret-token",
    )
    shown = repr(settings) + settings.model_dump_json()
    assert "s3cret" not in shown


def test_a_validation_error_does_not_echo_a_secret() -> None:
    with pytest.raises(ValidationError) as caught:
        SalesforceSettings(auth_mode="password", client_secret="s3cret-client")
    assert "s3cret" not in str(caught.value)


@pytest.mark.parametrize(
    ("mode", "missing"),
    [
        ("client_credentials", "client_secret"),
        ("jwt", "private_key_file"),
        ("password", "password"),
    ],
)
def test_each_login_flow_names_the_credential_it_lacks(mode: str, missing: str) -> None:
    with pytest.raises(ValidationError, match=missing):
        SalesforceSettings(auth_mode=mode, client_id="app", username="u@example.com")


def test_unset_field_names_fall_back_to_the_defaults() -> None:
    settings = SalesforceSettings(
        client_id="app", client_secret="x", fields={"segment": "Seg__c"}
    )
    assert settings.fields["segment"] == "Seg__c"
    assert settings.fields["potential"] == "MKP_Potential__c"


@pytest.mark.parametrize("name", ["Seg__c, Name", "Seg__c FROM User", "1Seg__c", ""])
def test_a_field_name_that_is_not_an_api_name_is_refused(name: str) -> None:
    with pytest.raises(ValidationError, match="API name"):
        SalesforceSettings(client_id="a", client_secret="x", fields={"segment": name})


def test_an_unknown_output_field_is_refused_by_name() -> None:
    with pytest.raises(ConfigurationError, match="segmnt"):
        SalesforceSettings(client_id="a", client_secret="x", fields={"segmnt": "S__c"})


def test_two_output_fields_on_one_api_name_are_refused_naming_both() -> None:
    with pytest.raises(ConfigurationError, match="segment and previous_segment"):
        SalesforceSettings(
            client_id="a",
            client_secret="x",
            fields={"segment": "mkp_previous_segment__c"},
        )


def test_the_override_field_cannot_be_an_output_field() -> None:
    with pytest.raises(ValidationError, match="potential_override_field"):
        SalesforceSettings(
            client_id="a",
            client_secret="x",
            potential_override_field="MKP_Potential__c",
        )


def test_an_unsafe_account_filter_is_refused_when_the_settings_load() -> None:
    with pytest.raises(ConfigurationError, match="constant"):
        SalesforceSettings(
            client_id="a", client_secret="x", account_filter="Name = 'x' OR 1=1"
        )


def test_the_login_url_must_be_https() -> None:
    with pytest.raises(ValidationError, match="https"):
        SalesforceSettings(
            client_id="a", client_secret="x", login_url="http://login.salesforce.com"
        )


def test_the_settings_load_from_nested_mkp_salesforce_variables(tmp_path: Path) -> None:
    class App(BaseSettings):
        model_config = SettingsConfigDict(env_prefix="MKP_", env_nested_delimiter="__")
        salesforce: SalesforceSettings | None = None

    env_file = tmp_path / ".env"
    env_file.write_text(
        "MKP_SALESFORCE__CLIENT_ID=app\n"
        "MKP_SALESFORCE__CLIENT_SECRET=s3cret\n"
        "MKP_SALESFORCE__BULK_READ_THRESHOLD=0\n"
        'MKP_SALESFORCE__FIELDS={"segment": "Seg__c"}\n'
    )
    app = App(_env_file=env_file)  # type: ignore[call-arg]
    assert app.salesforce is not None
    assert app.salesforce.bulk_read_threshold == 0
    assert app.salesforce.fields["segment"] == "Seg__c"


@pytest.mark.parametrize(
    ("login_url", "audience"),
    [
        ("https://login.salesforce.com", "https://login.salesforce.com"),
        ("https://acme.my.salesforce.com", "https://login.salesforce.com"),
        ("https://test.salesforce.com", "https://test.salesforce.com"),
        ("https://acme--uat.sandbox.my.salesforce.com", "https://test.salesforce.com"),
        ("https://127.0.0.1:8443", "https://127.0.0.1:8443"),
    ],
)
def test_the_jwt_audience_is_the_login_or_test_host(
    login_url: str, audience: str
) -> None:
    settings = SalesforceSettings(
        auth_mode="jwt",
        client_id="app",
        username="u@example.com",
        private_key_file="key.pem",
        login_url=login_url,
    )
    assert jwt_audience(settings) == audience
