"""Reading the record-count resource's answer (pure functions)."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.salesforce._counts import parse_record_counts, record_count_params


def test_the_request_lists_each_object_once_in_the_order_given() -> None:
    params = record_count_params(["Account", "Opportunity", "Account", "Lead"])
    assert params == {"sObjects": "Account,Opportunity,Lead"}


def test_counts_are_read_by_name_whatever_their_order() -> None:
    answer = {
        "sObjects": [
            {"count": 1_000_000, "name": "Opportunity"},
            {"count": 3, "name": "Account"},
        ]
    }
    assert parse_record_counts(answer) == {"Account": 3, "Opportunity": 1_000_000}


@pytest.mark.parametrize(
    "answer",
    [
        None,
        {},
        {"sObjects": None},
        {"sObjects": [{"name": "Account"}]},
        {"sObjects": [{"name": "Account", "count": -1}]},
        {"sObjects": [{"name": "Account", "count": "12"}]},
        {"sObjects": [{"name": "Account", "count": True}]},
        {"sObjects": ["Account"]},
    ],
)
def test_an_answer_without_a_usable_figure_gives_no_count(answer: Any) -> None:
    assert parse_record_counts(answer) == {}
