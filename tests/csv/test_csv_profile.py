"""Loading and validating CSV profiles."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from connectors import ConfigurationError, CsvConnector
from connectors.csv import CsvProfile, CsvTable

BASE: dict[str, Any] = {
    "shape": "salesforce",
    "files": {"accounts": "a.csv", "opportunities": "o.csv"},
}


def _invalid(**changes: Any) -> str:
    with pytest.raises(ConfigurationError) as caught:
        CsvProfile.from_mapping({**BASE, **changes}, source="p.toml")
    return caught.value.message


def test_profile_paths_are_relative_to_the_profile_file(tmp_path: Path) -> None:
    (tmp_path / "p.toml").write_text(
        'shape = "salesforce"\n'
        '[files]\naccounts = "in/a.csv"\nopportunities = "o.csv"\n'
    )

    profile = CsvProfile.from_toml(tmp_path / "p.toml")

    assert profile.file(CsvTable.ACCOUNTS) == tmp_path / "in" / "a.csv"
    assert profile.file(CsvTable.LEADS) is None
    assert profile.output_path == tmp_path / "p-scored.csv"


def test_output_argument_replaces_the_profile_output(tmp_path: Path) -> None:
    (tmp_path / "p.toml").write_text(
        'shape = "salesforce"\noutput = "mine.csv"\n'
        '[files]\naccounts = "a.csv"\nopportunities = "o.csv"\n'
    )

    connector = CsvConnector.from_profile(
        tmp_path / "p.toml", output=Path("elsewhere/out.csv")
    )

    assert connector.output_path == Path("elsewhere/out.csv").absolute()


def test_missing_profile_file_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="not found"):
        CsvProfile.from_toml(tmp_path / "absent.toml")


def test_a_profile_path_that_is_a_directory_is_a_configuration_error(
    tmp_path: Path,
) -> None:
    with pytest.raises(ConfigurationError, match="cannot read the CSV profile"):
        CsvProfile.from_toml(tmp_path)


def test_a_profile_that_is_not_utf8_is_a_configuration_error(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_bytes('name = "crm"  # Профиль\n'.encode("cp1251"))

    with pytest.raises(ConfigurationError, match=r"p\.toml: not UTF-8 text"):
        CsvProfile.from_toml(path)


def test_broken_toml_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "p.toml").write_text("shape = \n")

    with pytest.raises(ConfigurationError, match="not valid TOML"):
        CsvProfile.from_toml(tmp_path / "p.toml")


def test_error_names_the_source_and_a_missing_key() -> None:
    message = _invalid(files={"accounts": "a.csv"})

    assert message.startswith("p.toml: invalid CSV profile")
    assert "files.opportunities" in message


def test_unknown_column_field_is_named() -> None:
    message = _invalid(columns={"accounts": {"revenue": "Rev"}})

    assert "columns.accounts.revenue: unknown field" in message


def test_unknown_table_is_named() -> None:
    assert "columns.deals" in _invalid(columns={"deals": {"amount": "A"}})


def test_mapped_shape_needs_the_required_columns() -> None:
    message = _invalid(shape="mapped", columns={"accounts": {"name": "N"}})

    assert "columns.accounts.account_id: required" in message


def test_mapped_shape_needs_stages_or_won_flags() -> None:
    columns = {
        "accounts": {"account_id": "A"},
        "opportunities": {
            "opportunity_id": "I",
            "account_id": "A",
            "amount": "V",
            "close_date": "D",
        },
    }

    assert "stages:" in _invalid(shape="mapped", columns=columns)


def test_stage_listed_as_won_and_lost_is_rejected() -> None:
    message = _invalid(stages={"won": ["Won"], "lost": [" won"]})

    assert "stages" in message
    assert "both won and lost" in message


def test_scale_on_a_text_field_is_rejected() -> None:
    message = _invalid(scales={"accounts": {"industry": 10}})

    assert "scales.accounts.industry: not a numeric field" in message


def test_scale_must_be_positive() -> None:
    message = _invalid(scales={"opportunities": {"amount": 0}})

    assert "scales.opportunities.amount: must be above 0" in message


def test_value_map_on_a_number_is_rejected() -> None:
    message = _invalid(values={"accounts": {"employees": {"a": "b"}}})

    assert "values.accounts.employees: only text fields" in message


def test_unknown_output_field_is_rejected() -> None:
    assert "fields.segmnet" in _invalid(fields={"segmnet": "X__c"})


def test_two_output_fields_on_one_column_are_refused_naming_both() -> None:
    profile = CsvProfile.from_mapping(
        {**BASE, "fields": {"next_action": "MKP_Explanation__c"}}
    )

    with pytest.raises(ConfigurationError, match="next_action and explanation"):
        CsvConnector(profile)


def test_bad_currency_code_is_named() -> None:
    assert "default_currency" in _invalid(default_currency="usd")


def test_output_that_would_overwrite_an_input_is_rejected() -> None:
    message = _invalid(output="a.csv")

    assert "output:" in message
    assert "accounts input file" in message


def test_unknown_top_level_key_is_named() -> None:
    assert "shap" in _invalid(shap="mapped")
