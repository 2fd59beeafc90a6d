from @@mod@@ import bump, compare, max_satisfying, parse


def test_parse_prefixed():
    assert parse("v1.2.3-rc.1") == [1, 2, 3, ["rc", 1]]


def test_compare_numeric():
    assert compare("1.10.0", "1.9.0") == 1
    assert compare("2.0.0", "2.0.0") == 0


def test_bump_minor():
    assert bump("1.4.2", "minor") == "1.5.0"


def test_max_satisfying_tilde():
    assert max_satisfying(["1.2.3", "1.2.9", "1.3.0"], "~1.2.0") == "1.2.9"
