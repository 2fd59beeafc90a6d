"""Near-duplicate instructions (MinHash over word shingles) and a diversity figure for a generated set."""

from __future__ import annotations

import itertools
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
        m = minhash(text)
        for other in self.lsh.query(m):
            if m.jaccard(self.hashes[other]) >= self.threshold:
                return False
        self.lsh.insert(key, m)
        self.hashes[key] = m
        return True


def diversity(texts: list[str], max_pairs: int = 20000) -> float:
    """1 - mean pairwise Jaccard similarity of word 3-gram shingles (1.0: no shared phrasing at all)."""
    sets = [shingles(t) for t in texts]
    pairs = list(itertools.islice(itertools.combinations(range(len(sets)), 2), max_pairs))
    if not pairs:
        return 1.0
    sim = sum(len(sets[a] & sets[b]) / max(1, len(sets[a] | sets[b])) for a, b in pairs) / len(pairs)
    return round(1 - sim, 4)
