"""Whose cable is it? Operator names in a report's text (or in OCR of the labels on the
cable). Unknown is a valid answer; two different operators named is unknown too."""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from classifiers.textnorm import fold


@dataclass(frozen=True, slots=True)
class LabelPatterns:
    """Regular expressions over folded text (lower case, no diacritics) → the slug of the
    operator they name. The caller owns the patterns (the service keeps them as data)."""

    compiled: tuple[tuple[re.Pattern[str], str], ...]

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, str]]) -> "LabelPatterns":
        """From (pattern, slug) pairs; re.error if a pattern does not compile."""
        return cls(tuple((re.compile(pattern), slug) for pattern, slug in pairs))


def operator_in(text: str, patterns: LabelPatterns) -> str | None:
    folded = fold(text)
    found = {slug for pattern, slug in patterns.compiled if pattern.search(folded)}
    return found.pop() if len(found) == 1 else None
