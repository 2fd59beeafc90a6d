from @@mod@@ import gaps, locate, merge, total_covered


def test_merge_basic():
    assert merge([[5, 8], [1, 3], [2, 4]]) == [[1, 4], [5, 8]]


def test_total_covered():
    assert total_covered([[1, 3], [10, 10]]) == 4


def test_gaps_middle():
    assert gaps([[3, 4], [8, 9]], 1, 12) == [[1, 2], [5, 7], [10, 12]]


def test_locate_found():
    assert locate([[1, 2], [5, 9], [20, 30], [40, 41]], 7) == 1
