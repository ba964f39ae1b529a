"""Interval sets: examples for the edges, and every operation against plain sets of minutes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from panelist.availability.intervals import EMPTY, IntervalSet, intersect_all, union_all


def points(s: IntervalSet) -> set[int]:
    return {m for a, b in s for m in range(a, b)}


def test_of_sorts_merges_overlapping_and_touching_and_drops_empty() -> None:
    s = IntervalSet.of([(10, 20), (0, 5), (5, 7), (15, 25), (30, 30), (40, 35)])
    assert list(s) == [(0, 7), (10, 25)]
    assert s.total() == 22


def test_overlaps_is_half_open() -> None:
    s = IntervalSet.of([(10, 20)])
    assert s.overlaps(19, 30)
    assert not s.overlaps(20, 30)  # touching the end is not overlapping
    assert not s.overlaps(0, 10)  # nor touching the start
    assert s.overlaps(0, 11)
    assert not s.overlaps(15, 15)  # an empty query overlaps nothing


def test_covers_and_contains() -> None:
    s = IntervalSet.of([(10, 20), (20, 30), (40, 50)])
    assert s.covers(10, 30)  # touching intervals were merged
    assert not s.covers(25, 45)
    assert s.contains(10) and not s.contains(30) and not s.contains(35)


def test_widen_and_narrow() -> None:
    s = IntervalSet.of([(10, 20), (25, 30)])
    assert list(s.widen(2, 3)) == [(8, 33)]
    assert list(s.widen(0, -6)) == [(10, 14)]  # (25, 24) vanished


def test_difference_splits_and_complement_fills_gaps() -> None:
    s = IntervalSet.span(0, 100)
    cut = s.difference(IntervalSet.of([(10, 20), (50, 60), (90, 120)]))
    assert list(cut) == [(0, 10), (20, 50), (60, 90)]
    assert list(cut.complement(0, 100)) == [(10, 20), (50, 60), (90, 100)]


def test_clip() -> None:
    s = IntervalSet.of([(0, 10), (20, 30), (40, 50)])
    assert list(s.clip(5, 45)) == [(5, 10), (20, 30), (40, 45)]
    assert s.clip(10, 20) == EMPTY
    assert s.clip(30, 20) == EMPTY


def test_intersect_all_of_nothing_is_none() -> None:
    assert intersect_all([]) is None
    assert union_all([]) == EMPTY


pairs = st.lists(st.tuples(st.integers(0, 200), st.integers(0, 200)), max_size=12)
SETS = settings(max_examples=200, deadline=None, derandomize=True, database=None)


def model(raw: list[tuple[int, int]]) -> set[int]:
    return {m for a, b in raw for m in range(a, b)}


@SETS
@given(pairs, pairs)
def test_set_operations_match_sets_of_minutes(
    a: list[tuple[int, int]], b: list[tuple[int, int]]
) -> None:
    x, y = IntervalSet.of(a), IntervalSet.of(b)
    assert points(x) == model(a)
    assert points(x.union(y)) == model(a) | model(b)
    assert points(x.intersection(y)) == model(a) & model(b)
    assert points(x.difference(y)) == model(a) - model(b)
    assert points(x.complement(50, 150)) == set(range(50, 150)) - model(a)
    assert points(x.clip(30, 120)) == model(a) & set(range(30, 120))
    # normal form: sorted, disjoint, never touching
    assert all(end < start for end, start in zip(x.ends, x.starts[1:], strict=False))


@SETS
@given(pairs, st.integers(0, 220), st.integers(0, 30))
def test_queries_match_sets_of_minutes(a: list[tuple[int, int]], start: int, length: int) -> None:
    x, inside = IntervalSet.of(a), model(a)
    window = set(range(start, start + length))
    assert x.overlaps(start, start + length) == bool(window & inside)
    if length:
        # merged intervals never touch, so a contiguous window inside the set is inside one
        assert x.covers(start, start + length) == (window <= inside)
    assert x.contains(start) == (start in inside)


@SETS
@given(pairs, st.integers(0, 20), st.integers(0, 20))
def test_widen_matches_sets_of_minutes(a: list[tuple[int, int]], before: int, after: int) -> None:
    widened = {m for lo, hi in a if hi > lo for m in range(lo - before, hi + after)}
    assert points(IntervalSet.of(a).widen(before, after)) == widened
