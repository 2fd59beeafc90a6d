"""Helpers for closed integer intervals [start, end] (both ends included)."""


def merge(intervals):
    """Merge overlapping or touching intervals.

    `intervals` is a list of [start, end] lists (start <= end) in any order. Two intervals are merged when
    one starts at or before the other one ends, so [1, 3] and [3, 5] give [1, 5], while [1, 2] and [3, 4]
    stay separate. Returns a new list of disjoint [start, end] lists sorted by start.
    """
    result = []
    for start, end in sorted(intervals):
        if result and start <= result[-1][1]:
            result[-1][1] = max(result[-1][1], end)
        else:
            result.append([start, end])
    return result


def total_covered(intervals):
    """Number of integers covered by at least one interval ([2, 4] covers 3 integers)."""
    return sum(end - start + 1 for start, end in merge(intervals))


def gaps(intervals, lo, hi):
    """Maximal runs [start, end] of integers in [lo, hi] not covered by any interval, sorted.

    Returns [[lo, hi]] when nothing in the window is covered and [] when all of it is.
    """
    out = []
    cur = lo
    for start, end in merge(intervals):
        if end < lo:
            continue
        if start > hi:
            break
        if start > cur:
            out.append([cur, start - 1])
        cur = max(cur, end + 1)
    if cur <= hi:
        out.append([cur, hi])
    return out


def locate(intervals, x):
    """Index in merge(intervals) of the merged interval that contains x, or -1 if none does."""
    merged = merge(intervals)
    lo, hi = 0, len(merged) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        start, end = merged[mid]
        if x < start:
            hi = mid - 1
        elif x > end:
            lo = mid + 1
        else:
            return mid
    return -1
