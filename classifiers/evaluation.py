"""Honest figures on labelled text: per source family, calibration, and what a confidence
threshold leaves to people. Pure functions over decisions already made."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

# Citizens' own words (reporting portals, readers' letters) against the press and officials.
_PORTAL_HINTS = ("tuongtac", "1022", "gopy", "phananh", "hanhchinhcong", "dichvucong")


def source_family(url: str) -> str:
    """`portal` for a public reporting portal, `press` for any other site, `unknown` without
    a source."""
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    if not host:
        return "unknown"
    return "portal" if any(hint in host for hint in _PORTAL_HINTS) else "press"


def group_by_family(sources: Sequence[str]) -> dict[str, list[int]]:
    """Row indexes per source family, in a stable order."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, url in enumerate(sources):
        groups[source_family(url)].append(i)
    return dict(sorted(groups.items()))


@dataclass(frozen=True, slots=True)
class Automation:
    threshold: float
    automatic_share: float  # decided without a person
    automatic_accuracy: float  # right, among those (1.0 when none)
    manual: int


def automation_at(
    confidences: Sequence[float], correct: Sequence[bool], *, threshold: float
) -> Automation:
    """What a manual-triage threshold does: how many decisions go through unseen, and how
    often those are right."""
    auto = [ok for c, ok in zip(confidences, correct, strict=True) if c >= threshold]
    total = len(confidences)
    return Automation(
        threshold=threshold,
        automatic_share=len(auto) / total if total else 0.0,
        automatic_accuracy=sum(auto) / len(auto) if auto else 1.0,
        manual=total - len(auto),
    )
