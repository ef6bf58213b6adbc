"""The leave-one-out peer quantile equals a brute-force computation."""

from __future__ import annotations

import math

import polars as pl
from core_builders import linear_quantile
from hypothesis import given, settings
from hypothesis import strategies as st

from mkp_core._quantile import peer_quantile

rows = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", None]),
        st.one_of(
            st.sampled_from([1.0, 2.0, 5.0]),
            st.floats(min_value=0.01, max_value=1e6),
        ),
        st.booleans(),
    ),
    min_size=1,
    max_size=25,
)


def _quantiles(data: list[tuple[str | None, float, bool]], q: float) -> pl.DataFrame:
    frame = pl.DataFrame(
        data,
        schema={"group": pl.String, "value": pl.Float64, "peer": pl.Boolean},
        orient="row",
    )
    return peer_quantile(
        frame.lazy(),
        value=pl.col("value"),
        is_peer=pl.col("peer"),
        group=pl.col("group"),
        quantile=q,
        prefix="t",
    ).collect()


@settings(max_examples=150, deadline=None)
@given(data=rows, q=st.sampled_from([0.51, 0.75, 0.9, 0.99]))
def test_leave_one_out_quantile_matches_brute_force(
    data: list[tuple[str | None, float, bool]], q: float
) -> None:
    result = _quantiles(data, q)

    for index, (group, _, _) in enumerate(data):
        others = [
            value
            for other, (other_group, value, peer) in enumerate(data)
            if other != index and peer and group is not None and other_group == group
        ]
        expected = linear_quantile(others, q)
        got = result.get_column("t_quantile")[index]
        if expected is None:
            assert got is None
        else:
            assert math.isclose(got, expected, rel_tol=1e-9)


def test_a_peer_never_counts_itself() -> None:
    data = [("a", 1.0, True), ("a", 2.0, True), ("a", 100.0, True)]

    result = _quantiles(data, 0.9)

    assert result.get_column("t_count").to_list() == [2, 2, 2]
    assert result.get_column("t_quantile")[2] == linear_quantile([1.0, 2.0], 0.9)


def test_a_non_peer_is_measured_against_the_whole_group() -> None:
    data = [("a", 1.0, True), ("a", 2.0, True), ("a", 3.0, False)]

    result = _quantiles(data, 0.5)

    assert result.row(2, named=True)["t_quantile"] == 1.5
    assert result.row(2, named=True)["t_count"] == 2


def test_a_lone_peer_has_no_quantile() -> None:
    result = _quantiles([("a", 7.0, True)], 0.9)

    assert result.get_column("t_quantile").to_list() == [None]
    assert result.get_column("t_count").to_list() == [0]
