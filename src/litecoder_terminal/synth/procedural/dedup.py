"""Near-duplicate instructions (MinHash over word shingles) and a diversity figure for a generated set."""

from __future__ import annotations

import itertools
import random
import re

from datasketch import MinHash, MinHashLSH

NUM_PERM = 128


def shingles(text: str, k: int = 3) -> set[str]:
    words = re.findall(r"[a-z0-9_./-]+", text.lower())
    return {" ".join(words[i:i + k]) for i in range(max(1, len(words) - k + 1))}


def minhash(text: str) -> MinHash:
    m = MinHash(num_perm=NUM_PERM, seed=1)
    m.update_batch([s.encode() for s in shingles(text)])
    return m


class NearDuplicateFilter:
    """Admits a text unless its estimated Jaccard similarity to an admitted one reaches `threshold`."""

    def __init__(self, threshold: float = 0.9):
        self.lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self.threshold = threshold
        self.hashes: dict[str, MinHash] = {}

    def admit(self, key: str, text: str) -> bool:
        return self._admit(key, minhash(text))

    def admit_minhash(self, key: str, hashvalues) -> bool:
        """The same decision from the text's MinHash values (`minhash(text).hashvalues`, computed elsewhere, e.g.
        in the worker process that made the text)."""
        scheme = getattr(MinHash(num_perm=1, seed=1), "scheme", None)  # datasketch >= 2 asks for it
        extra = {"scheme": scheme} if scheme is not None else {}
        return self._admit(key, MinHash(num_perm=NUM_PERM, seed=1, hashvalues=hashvalues, **extra))

    def _admit(self, key: str, m: MinHash) -> bool:
        for other in self.lsh.query(m):
            if m.jaccard(self.hashes[other]) >= self.threshold:
                return False
        self.lsh.insert(key, m)
        self.hashes[key] = m
        return True


def diversity(texts: list[str], max_pairs: int = 20000) -> float:
    """1 - mean pairwise Jaccard similarity of word 3-gram shingles (1.0: no shared phrasing at all). Over every
    pair when there are at most `max_pairs`, else over `max_pairs` pairs drawn uniformly (a fixed seed: the same
    texts give the same figure)."""
    n = len(texts)
    total = n * (n - 1) // 2
    if total == 0:
        return 1.0
    if total <= max_pairs:
        pairs = list(itertools.combinations(range(n), 2))
    else:
        rng = random.Random(0)
        pairs = []
        while len(pairs) < max_pairs:
            a, b = rng.randrange(n), rng.randrange(n)
            if a != b:
                pairs.append((a, b))
    cache: dict[int, set[str]] = {}

    def sh(i: int) -> set[str]:
        if i not in cache:
            cache[i] = shingles(texts[i])
        return cache[i]

    sim = sum(len(sh(a) & sh(b)) / max(1, len(sh(a) | sh(b))) for a, b in pairs) / len(pairs)
    return round(1 - sim, 4)
