"""Account keys stand for account ids exactly, or the ids are used."""

from __future__ import annotations

import itertools

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from mkp_core._keys import (
    ACCOUNT_KEY,
    SeenKeys,
    account_key,
    has_repeats,
    repeated,
)

ids = st.lists(st.text(min_size=1, max_size=6) | st.none(), max_size=40)


@given(ids)
def test_repeats_are_flagged_exactly_as_first_distinct_would(values: list) -> None:
    frame = pl.DataFrame({"id": values}, schema={"id": pl.String})

    flags = frame.with_columns(repeated(frame, "id").alias("repeat"))["repeat"]

    expected = frame.select(~pl.col("id").is_first_distinct()).to_series()
    assert flags.to_list() == expected.to_list()


def test_distinct_ids_have_no_repeats() -> None:
    frame = pl.DataFrame({"id": [f"001{n:015d}" for n in range(10_000)]})

    assert not has_repeats(frame, "id")


def test_a_repeated_id_is_found() -> None:
    frame = pl.DataFrame({"id": ["A", "B", "A"]})

    assert has_repeats(frame, "id")
    assert frame.select(repeated(frame, "id")).to_series().to_list() == [
        False,
        False,
        True,
    ]


def test_accounts_whose_keys_collide_are_matched_by_their_ids() -> None:
    # Two rows with one id stand in for two ids with one hash: the key must
    # then be the id itself, which matches exactly.
    accounts = pl.DataFrame({"account_id": ["A", "A"]})

    keys = accounts.select(account_key(accounts)).get_column(ACCOUNT_KEY)

    assert keys.dtype == pl.String
    assert keys.to_list() == ["A", "A"]


def test_distinct_accounts_are_keyed_by_a_hash_that_deals_share() -> None:
    accounts = pl.DataFrame({"account_id": ["A", "B", None]})
    deals = pl.DataFrame({"account_id": ["B", "C", None]})
    key = account_key(accounts)

    account_keys = accounts.select(key).get_column(ACCOUNT_KEY)
    deal_keys = deals.select(key).get_column(ACCOUNT_KEY)

    assert account_keys.dtype == pl.UInt64
    assert deal_keys[0] == account_keys[1]
    assert deal_keys[1] not in account_keys.to_list()
    assert deal_keys[2] is None


@given(
    # Blank ids never reach this check: they are reported as missing first.
    st.lists(st.sampled_from("abcdefgh"), max_size=40),
    st.lists(st.integers(min_value=1, max_value=40), max_size=6),
)
def test_repeats_over_batches_are_flagged_as_in_one_frame(
    values: list, cuts: list[int]
) -> None:
    frame = pl.DataFrame({"id": values}, schema={"id": pl.String})
    edges = sorted({0, len(values), *(c for c in cuts if c < len(values))})
    seen = SeenKeys()

    flags = [
        seen.repeated(frame.slice(start, end - start), "id")
        for start, end in itertools.pairwise(edges)
    ]

    whole = frame.with_columns(repeated(frame, "id").alias("flag"))["flag"]
    assert pl.concat([pl.Series([], dtype=pl.Boolean), *flags]).to_list() == (
        whole.to_list()
    )
