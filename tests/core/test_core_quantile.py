"""The leave-one-out peer quantile equals a brute-force computation."""

from __future__ import annotations

import math

import polars as pl
from core_builders import linear_quantile
from hypothesis import given, settings
from hypothesis import strategies as st

from mkp_core._quantile import peer_quantiles

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


def _frame(data: list[tuple[str | None, float, bool]]) -> pl.DataFrame:
    return pl.DataFrame(
        data,
        schema={"group": pl.String, "value": pl.Float64, "peer": pl.Boolean},
        orient="row",
    )


def _quantiles(
    data: list[tuple[str | None, float, bool]], q: float, *, grouped: bool = True
) -> pl.DataFrame:
    return peer_quantiles(
        _frame(data).lazy(),
        group=pl.col("group") if grouped else None,
        peer_values={"t": pl.when(pl.col("peer")).then(pl.col("value"))},
        quantile=q,
    ).collect()


def _brute_force(
    data: list[tuple[str | None, float, bool]], index: int, q: float, *, grouped: bool
) -> float | None:
    group = data[index][0]
    others = [
        value
        for other, (other_group, value, peer) in enumerate(data)
        if other != index
        and peer
        and (not grouped or (group is not None and other_group == group))
    ]
    return linear_quantile(others, q)


@settings(max_examples=150, deadline=None)
@given(data=rows, q=st.sampled_from([0.51, 0.75, 0.9, 0.99]))
def test_leave_one_out_quantile_matches_brute_force(
    data: list[tuple[str | None, float, bool]], q: float
) -> None:
    result = _quantiles(data, q)

    for index in range(len(data)):
        expected = _brute_force(data, index, q, grouped=True)
        got = result.get_column("t_quantile")[index]
        if expected is None:
            assert got is None
        else:
            assert math.isclose(got, expected, rel_tol=1e-9)


@settings(max_examples=100, deadline=None)
@given(data=rows, q=st.sampled_from([0.51, 0.9]))
def test_without_a_group_the_whole_frame_is_one_peer_group(
    data: list[tuple[str | None, float, bool]], q: float
) -> None:
    result = _quantiles(data, q, grouped=False)

    for index in range(len(data)):
        expected = _brute_force(data, index, q, grouped=False)
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


def test_measures_sharing_a_grouping_are_each_taken_over_their_own_peers() -> None:
    frame = _frame([("a", 1.0, True), ("a", 2.0, False), ("a", 3.0, True)])

    result = peer_quantiles(
        frame.lazy(),
        group=pl.col("group"),
        peer_values={
            "all": pl.col("value"),
            "peers": pl.when(pl.col("peer")).then(pl.col("value")),
            "none": pl.lit(None, pl.Float64),
        },
        quantile=0.5,
    ).collect()

    assert result.get_column("all_quantile").to_list() == [2.5, 2.0, 1.5]
    assert result.get_column("peers_quantile").to_list() == [3.0, 2.0, 1.0]
    assert result.get_column("peers_count").to_list() == [1, 2, 1]
    assert result.get_column("none_quantile").to_list() == [None, None, None]
    assert result.get_column("none_count").to_list() == [0, 0, 0]


def test_one_group_without_any_peer_still_gives_every_row_a_count() -> None:
    result = _quantiles([("a", 1.0, False), (None, 2.0, False)], 0.9, grouped=False)

    assert result.get_column("t_quantile").to_list() == [None, None]
    assert result.get_column("t_count").to_list() == [0, 0]
