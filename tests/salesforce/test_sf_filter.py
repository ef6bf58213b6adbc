"""The configured account filter is parsed, and anything but plain field
comparisons is refused before it can reach a query."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.errors import ConfigurationError
from connectors.salesforce._filter import through_relationship, validate_filter


@pytest.mark.parametrize(
    "condition",
    [
        "Industry = 'Retail'",
        "Industry IN ('Retail', 'Banking') AND NOT (AnnualRevenue > 1000000)",
        "CreatedDate > LAST_N_DAYS:30 OR Owner.Name LIKE 'J%'",
        r"Name = 'O\'Brien'",
        "AnnualRevenue >= USD5000",
        "Type != null AND IsDeleted = false",
        "CloseDate = 2024-01-01 AND LastModifiedDate > 2024-01-01T00:00:00Z",
        "Industry NOT IN ('Retail')",
        "Rating__c INCLUDES ('Hot')",
    ],
)
def test_plain_field_comparisons_are_accepted_unchanged(condition: str) -> None:
    assert validate_filter(f"  {condition} ") == condition


@pytest.mark.parametrize(
    ("condition", "problem"),
    [
        ("Industry = 'x' OR 1=1", "constant"),
        ("Industry = 'x' OR 'a'='a'", "constant"),
        ("Industry = 'x' OR TRUE", "constant"),
        ("Industry = 'x'; DELETE FROM Account", "';'"),
        ("Industry = 'x' -- all", "comments"),
        ("Industry = 'x' /* c */", "comments"),
        ("Industry = 'x", "unbalanced quote"),
        (r"Industry = 'x\q'", "unbalanced quote"),
        ('Industry = "x"', "single quotes"),
        ("Id IN (SELECT AccountId FROM Contact)", "subqueries"),
        ("Industry = 'x' LIMIT 5", "LIMIT"),
        ("Name = Name", "right side must be a literal"),
        ("(Industry = 'x'", "closing parenthesis"),
        ("Industry = 'x')", "unexpected"),
        ("Industry", "comparison operator"),
        ("Industry = 'x' AND", "field name"),
        ("", "empty"),
        ("Industry = 'a' OR Industry = 'b' " * 200, "longer than"),
    ],
)
def test_unsafe_or_broken_filters_are_refused_with_the_problem_named(
    condition: str, problem: str
) -> None:
    with pytest.raises(ConfigurationError, match="account_filter") as caught:
        validate_filter(condition)
    assert problem in str(caught.value)


def test_the_refusal_says_where_the_problem_starts() -> None:
    with pytest.raises(ConfigurationError) as caught:
        validate_filter("Industry = 'x' OR 1=1")
    assert "at character 19" in str(caught.value)


@given(st.text(max_size=60))
def test_any_text_is_either_accepted_or_refused_with_a_configuration_error(
    text: str,
) -> None:
    try:
        accepted = validate_filter(text)
    except ConfigurationError:
        return
    assert ";" not in accepted.replace("';'", "")
    assert "--" not in accepted


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\r\n")))
def test_any_properly_escaped_string_literal_is_accepted(value: str) -> None:
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    assert validate_filter(f"Name = '{escaped}'") == f"Name = '{escaped}'"


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("Industry = 'A'", "Account.Industry = 'A'"),
        (
            "NOT (Owner.Name LIKE 'J%') AND Type IN ('x', 'Type = y')",
            "NOT (Account.Owner.Name LIKE 'J%') AND Account.Type IN ('x', 'Type = y')",
        ),
    ],
)
def test_a_filter_can_be_applied_through_a_relationship(
    condition: str, expected: str
) -> None:
    assert through_relationship(condition, "Account") == expected


@pytest.mark.parametrize("literal", ["'a;b'", "'--'", "'/* x */'", "'1=1 OR'"])
def test_dangerous_looking_text_inside_a_string_literal_is_just_text(
    literal: str,
) -> None:
    assert validate_filter(f"Name = {literal}") == f"Name = {literal}"
