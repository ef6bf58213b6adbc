"""Segment texts in both languages, and policy overrides."""

from __future__ import annotations

import pytest
from core_builders import policy

from mkp_core import Locale, segment_names, segment_texts
from mkp_core.texts import MAX_NAME_CHARS, MAX_NEXT_ACTION_CHARS


@pytest.mark.parametrize("locale", list(Locale))
def test_every_locale_names_all_nine_segments(locale: Locale) -> None:
    texts = segment_texts(policy(locale=locale))

    assert texts.get_column("segment").to_list() == list(range(1, 10))
    assert (
        texts.select("segment_name", "strategy", "playbook")
        .null_count()
        .sum_horizontal()[0]
        == 0
    )


@pytest.mark.parametrize("locale", list(Locale))
def test_texts_fit_the_crm_fields(locale: Locale) -> None:
    texts = segment_texts(policy(locale=locale))

    assert texts.get_column("segment_name").str.len_chars().max() <= MAX_NAME_CHARS
    assert texts.get_column("playbook").str.len_chars().max() <= MAX_NEXT_ACTION_CHARS


def test_names_follow_the_matrix_of_the_method() -> None:
    english = segment_names(policy())
    russian = segment_names(policy(locale="ru"))

    assert (english[5], english[8], english[9]) == (
        "Development focus",
        "Strategic",
        "VIP",
    )
    assert (russian[1], russian[7]) == ("Низкий приоритет", "Приоритет захвата")


def test_policy_overrides_only_the_keys_it_sets() -> None:
    chosen = policy(segment_texts={"en": {5: {"name": "Grow"}}})

    row = segment_texts(chosen).row(4, named=True)

    assert row["segment_name"] == "Grow"
    assert row["playbook"].startswith("Grow share")


def test_override_in_another_locale_leaves_this_one_alone() -> None:
    chosen = policy(segment_texts={"ru": {5: {"name": "Рост"}}})

    assert segment_names(chosen)[5] == "Development focus"
