"""Semantic version strings: parsing, ordering, bumping and range matching."""


def parse(text):
    """Parse "MAJOR.MINOR.PATCH" with an optional leading "v" and an optional "-PRERELEASE".

    PRERELEASE is a dot-separated list of non-empty identifiers made of ASCII letters, digits and "-".
    Returns [major, minor, patch, identifiers] where identifiers is a list in which purely numeric
    identifiers are ints and the others strings ("1.2.3-rc.1" -> [1, 2, 3, ["rc", 1]]).
    Raises ValueError for anything else, including leading zeros in MAJOR/MINOR/PATCH ("1.02.3").
    """
    s = text.strip()
    if s.startswith("v"):
        s = s[1:]
    core, sep, pre = s.partition("-")
    parts = core.split(".")
    if len(parts) != 3:
        raise ValueError(f"not a version: {text!r}")
    nums = []
    for p in parts:
        if not (p.isascii() and p.isdigit()) or (len(p) > 1 and p[0] == "0"):
            raise ValueError(f"not a version: {text!r}")
        nums.append(int(p))
    idents = []
    if sep:
        for ident in pre.split("."):
            if not ident or not all(c.isascii() and (c.isalnum() or c == "-") for c in ident):
                raise ValueError(f"bad pre-release in {text!r}")
            idents.append(int(ident) if ident.isdigit() else ident)
    return nums + [idents]


def compare(a, b):
    """Return -1, 0 or 1 as version a has lower, equal or higher precedence than version b.

    MAJOR, MINOR and PATCH compare numerically. A version with a pre-release is lower than the same version
    without one. Pre-releases compare identifier by identifier: numeric identifiers compare numerically and
    are lower than alphanumeric ones, alphanumeric ones compare in ASCII order, and when all shared
    identifiers are equal the shorter list is lower.
    """
    pa, pb = parse(a), parse(b)
    if pa[:3] != pb[:3]:
        return -1 if pa[:3] < pb[:3] else 1
    ia, ib = pa[3], pb[3]
    if ia == ib:
        return 0
    if not ia:
        return 1
    if not ib:
        return -1
    for x, y in zip(ia, ib):
        if x == y:
            continue
        if isinstance(x, int) and isinstance(y, int):
            return -1 if x < y else 1
        if isinstance(x, int):
            return -1
        if isinstance(y, int):
            return 1
        return -1 if x < y else 1
    return -1 if len(ia) < len(ib) else 1


def bump(version, part):
    """Next version string (without "v") after bumping part "major", "minor" or "patch".

    Lower parts reset to 0 and any pre-release is dropped: bump("1.4.2-rc.1", "minor") == "1.5.0".
    Raises ValueError for an unknown part.
    """
    major, minor, patch, _ = parse(version)
    if part == "major":
        major, minor, patch = major + 1, 0, 0
    elif part == "minor":
        minor, patch = minor + 1, 0
    elif part == "patch":
        patch += 1
    else:
        raise ValueError(f"unknown part {part!r}")
    return f"{major}.{minor}.{patch}"


def satisfies(version, spec):
    """Whether version matches spec: "X.Y.Z" (exactly), ">=X.Y.Z", "~X.Y.Z" (>= X.Y.Z and < X.(Y+1).0) or
    "^X.Y.Z" (>= X.Y.Z and < (X+1).0.0; when X is 0: < 0.(Y+1).0).

    A version with a pre-release only matches an exact spec equal to it.
    """
    v = parse(version)
    if spec[0] not in "^~>":
        return compare(version, spec) == 0
    if v[3]:
        return False
    base = spec[2:] if spec.startswith(">=") else spec[1:]
    b = parse(base)
    if compare(version, base) < 0:
        return False
    if spec.startswith(">="):
        return True
    if spec[0] == "~":
        return v[:2] == b[:2]
    if b[0] == 0:
        return v[:2] == b[:2]
    return v[0] == b[0]


def max_satisfying(versions, spec):
    """Highest version string in `versions` that satisfies spec, or None. Invalid strings are skipped."""
    best = None
    for candidate in versions:
        try:
            ok = satisfies(candidate, spec)
        except ValueError:
            continue
        if ok and (best is None or compare(candidate, best) > 0):
            best = candidate
    return best
