"""Honest splits of the team's corpus: whole source pages go to one side, and no row on one
side is a near-copy of a row on the other (a row rewritten from the same page would
otherwise let the model be scored on what it was trained on)."""

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from classifiers.textnorm import fold

if TYPE_CHECKING:  # classifiers.text groups its training folds by page_of
    from classifiers.text import Example

NEAR_DUPLICATE = 0.8  # Jaccard similarity of character 5-grams


def page_of(url: str) -> str:
    """A source page's identity: host without www, path without a trailing slash."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").removeprefix("www.")
    return f"{host}{parts.path.rstrip('/')}"


def held_out_by_source(
    examples: Sequence["Example"], *, share: float, salt: str = "triage-2026"
) -> tuple[list["Example"], list["Example"]]:
    """(train, held out): each source page falls wholly on one side, chosen by a stable hash,
    so the split does not move when rows are added to other pages."""
    train: list[Example] = []
    held: list[Example] = []
    for example in examples:
        digest = hashlib.sha256(f"{salt}:{page_of(example.source)}".encode()).digest()
        (held if int.from_bytes(digest[:4], "big") / 2**32 < share else train).append(example)
    return train, held


def _shingles(text: str, n: int = 5) -> set[str]:
    norm = fold(text)
    return {norm[i : i + n] for i in range(max(1, len(norm) - n + 1))}


def near_duplicates(
    left: Sequence[str], right: Sequence[str], *, threshold: float = NEAR_DUPLICATE
) -> list[tuple[int, int, float]]:
    """Pairs (i, j, similarity) of a left and a right text at least `threshold` alike."""
    right_sets = [_shingles(t) for t in right]
    found = []
    for i, text in enumerate(left):
        mine = _shingles(text)
        for j, theirs in enumerate(right_sets):
            union = len(mine | theirs)
            similarity = len(mine & theirs) / union if union else 1.0
            if similarity >= threshold:
                found.append((i, j, similarity))
    return found
