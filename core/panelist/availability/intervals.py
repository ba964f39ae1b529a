"""Sets of half-open integer intervals [start, end): sorted, disjoint, never touching.

Availability works on whole minutes since the Unix epoch (UTC), so every
comparison is an integer comparison and the brute-force oracle in the tests can
check the same thing minute by minute. Operations are linear merges or bisects;
pure Python beats numpy at the sizes a calendar has (hundreds of intervals).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

Pair = tuple[int, int]


@dataclass(frozen=True, slots=True)
class IntervalSet:
    """An immutable union of intervals; build it with `IntervalSet.of(pairs)`."""

    starts: tuple[int, ...] = ()
    ends: tuple[int, ...] = ()

    @classmethod
    def of(cls, pairs: Iterable[Pair]) -> IntervalSet:
        """Any pairs, in any order, overlapping or empty ones included."""
        return _merged(sorted(pairs))

    @classmethod
    def span(cls, start: int, end: int) -> IntervalSet:
        return cls((start,), (end,)) if end > start else EMPTY

    def __len__(self) -> int:
        return len(self.starts)

    def __bool__(self) -> bool:
        return bool(self.starts)

    def __iter__(self) -> Iterator[Pair]:
        return zip(self.starts, self.ends, strict=True)

    def total(self) -> int:
        """The summed length of all intervals."""
        return sum(self.ends) - sum(self.starts)

    def contains(self, point: int) -> bool:
        index = bisect_right(self.starts, point) - 1
        return index >= 0 and self.ends[index] > point

    def overlaps(self, start: int, end: int) -> bool:
        """Whether any interval shares at least one point with [start, end)."""
        index = bisect_right(self.ends, start)
        return index < len(self.starts) and self.starts[index] < end and start < end

    def covers(self, start: int, end: int) -> bool:
        """Whether [start, end) lies inside one interval."""
        index = bisect_right(self.starts, start) - 1
        return index >= 0 and self.ends[index] >= end

    def clip(self, start: int, end: int) -> IntervalSet:
        """The part inside [start, end)."""
        if end <= start:
            return EMPTY
        first = bisect_right(self.ends, start)
        last = bisect_left(self.starts, end)
        if first >= last:
            return EMPTY
        starts = list(self.starts[first:last])
        ends = list(self.ends[first:last])
        starts[0] = max(starts[0], start)
        ends[-1] = min(ends[-1], end)
        return IntervalSet(tuple(starts), tuple(ends))

    def widen(self, before: int, after: int) -> IntervalSet:
        """Every [a, b) becomes [a - before, b + after); negative values narrow instead."""
        pairs = [(a - before, b + after) for a, b in self]
        return _merged(pairs)  # still sorted by start: all starts move by the same amount

    def union(self, *others: IntervalSet) -> IntervalSet:
        sets = [s for s in (self, *others) if s]
        if len(sets) <= 1:
            return sets[0] if sets else EMPTY
        return _merged(sorted(pair for s in sets for pair in s))

    def intersection(self, other: IntervalSet) -> IntervalSet:
        a_starts, a_ends, b_starts, b_ends = self.starts, self.ends, other.starts, other.ends
        starts: list[int] = []
        ends: list[int] = []
        i = j = 0
        while i < len(a_starts) and j < len(b_starts):
            lo = max(a_starts[i], b_starts[j])
            hi = min(a_ends[i], b_ends[j])
            if lo < hi:
                starts.append(lo)
                ends.append(hi)
            if a_ends[i] < b_ends[j]:
                i += 1
            else:
                j += 1
        return IntervalSet(tuple(starts), tuple(ends))

    def difference(self, other: IntervalSet) -> IntervalSet:
        """The points of this set that are not in `other`."""
        if not other or not self:
            return self
        b_starts, b_ends = other.starts, other.ends
        starts: list[int] = []
        ends: list[int] = []
        j = 0
        for a, b in self:
            while j < len(b_starts) and b_ends[j] <= a:
                j += 1
            k = j
            cursor = a
            while k < len(b_starts) and b_starts[k] < b:
                if b_starts[k] > cursor:
                    starts.append(cursor)
                    ends.append(b_starts[k])
                cursor = max(cursor, b_ends[k])
                k += 1
            if cursor < b:
                starts.append(cursor)
                ends.append(b)
        return IntervalSet(tuple(starts), tuple(ends))

    def complement(self, start: int, end: int) -> IntervalSet:
        """The gaps of this set inside [start, end)."""
        return IntervalSet.span(start, end).difference(self)


EMPTY = IntervalSet()


def _merged(pairs: Sequence[Pair]) -> IntervalSet:
    """Pairs sorted by start, merged where they overlap or touch; empty pairs dropped."""
    starts: list[int] = []
    ends: list[int] = []
    for start, end in pairs:
        if end <= start:
            continue
        if ends and start <= ends[-1]:
            if end > ends[-1]:
                ends[-1] = end
        else:
            starts.append(start)
            ends.append(end)
    return IntervalSet(tuple(starts), tuple(ends))


def union_all(sets: Iterable[IntervalSet]) -> IntervalSet:
    return EMPTY.union(*sets)


def intersect_all(sets: Iterable[IntervalSet]) -> IntervalSet | None:
    """The common part of all sets; None for no sets at all (nothing constrains)."""
    result: IntervalSet | None = None
    for current in sets:
        result = current if result is None else result.intersection(current)
    return result
