"""Whose cable is it? Operator names in a report's text (or, later, in OCR of the labels on
the cable). Unknown is a valid answer; two different operators named is unknown too."""

import re

from classifiers.textnorm import fold

# Folded patterns → the operator's slug in data/units.json.
_OPERATORS: tuple[tuple[str, str], ...] = (
    (r"\bvnpt\b|\bvinaphone\b|\bmegavnn\b|\bmytv\b|\bvien thong (tt )?hue\b", "vnpt"),
    (r"\bviettel\b", "viettel"),
    (r"\bfpt\b", "fpt-telecom"),
    (r"\bvtv ?cab\b|\btruyen hinh cap viet nam\b", "vtvcab"),
    (r"\bsctv\b", "sctv"),
    (r"\bmobifone\b|\bmobi fone\b", "mobifone"),
)
_COMPILED = tuple((re.compile(p), slug) for p, slug in _OPERATORS)


def operator_in(text: str) -> str | None:
    folded = fold(text)
    found = {slug for pattern, slug in _COMPILED if pattern.search(folded)}
    return found.pop() if len(found) == 1 else None
