"""Small text helpers used by the publishing pipeline."""

import re

_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
_DURATION = re.compile(r"^\s*(?:(\d+)d)?\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?\s*$")


def wrap(text, width):
    """Greedy word wrap. Words are the whitespace-separated parts of text; each line holds as many
    words as fit in `width` characters, joined by single spaces. A word longer than width gets a line
    of its own. Returns the list of lines ([] when text has no words)."""
    lines = []
    current = ""
    for word in text.split():
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= width:
            current += " " + word
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def parse_duration(text):
    """Seconds in a duration such as "1h30m", "45s", "2d 4h" or "1h 5m 3s". Units are d, h, m and s, each
    used at most once and in that order, with optional whitespace between parts. Raises ValueError for
    anything else, including an empty string."""
    m = _DURATION.match(text)
    if not m or not any(m.groups()):
        raise ValueError(f"bad duration: {text!r}")
    return sum(int(v) * _UNITS[u] for v, u in zip(m.groups(), "dhms") if v)


def top_words(text, k):
    """The k most frequent words as [word, count] lists, most frequent first and, for equal counts,
    alphabetical. Words are runs of ASCII letters, compared case-insensitively (reported lowercase)."""
    counts = {}
    for word in re.findall(r"[a-z]+", text.lower()):
        counts[word] = counts.get(word, 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [[w, c] for w, c in ranked[:k]]


def chunk(items, size):
    """Split a list into consecutive lists of `size` items (the last one may be shorter).
    Raises ValueError when size < 1."""
    if size < 1:
        raise ValueError("size must be at least 1")
    return [items[i:i + size] for i in range(0, len(items), size)]


def slugify(title, max_len=40):
    """URL slug: lowercase ASCII letters and digits; every run of other characters becomes one "-";
    no leading or trailing "-". The result is cut to at most max_len characters, and a "-" left at the
    end by the cut is removed too."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug[:max_len].rstrip("-")
