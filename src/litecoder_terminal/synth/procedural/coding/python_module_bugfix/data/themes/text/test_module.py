from @@mod@@ import chunk, parse_duration, slugify, top_words, wrap


def test_slugify_simple():
    assert slugify("Hello, World!") == "hello-world"


def test_wrap():
    assert wrap("the quick brown fox jumps", 10) == ["the quick", "brown fox", "jumps"]
    assert wrap("aaa bbb ccc", 7) == ["aaa bbb", "ccc"]


def test_parse_duration():
    assert parse_duration("1d 1h") == 90000


def test_top_words():
    assert top_words("b a b c b a", 2) == [["b", 3], ["a", 2]]


def test_chunk_even():
    assert chunk([1, 2, 3, 4], 2) == [[1, 2], [3, 4]]
