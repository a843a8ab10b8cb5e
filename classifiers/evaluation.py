"""Honest figures on labelled text: per source family, calibration, and what a confidence
threshold leaves to people. Pure functions over decisions already made."""

import csv
import hashlib
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

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


def lowest_threshold(
    confidences: Sequence[float], correct: Sequence[bool], *, target: float
) -> Automation | None:
    """The lowest confidence threshold at which the decisions taken without a person are right
    at least `target` of the time (None when not even the surest one is): the fewest reports
    sent to manual triage for that promise."""
    best = None
    for threshold in sorted(set(confidences), reverse=True):
        auto = automation_at(confidences, correct, threshold=threshold)
        if auto.automatic_accuracy >= target:
            best = auto
    return best


# ---------------------------------------------------------------- the team's labels of real rows
@dataclass(frozen=True, slots=True)
class RowLabels:
    """What the team read in a real row that its source does not label (the cable subtype,
    the urgency, the topic of an `other`), keyed by the row's text hash, not its words."""

    category: str
    subtype: str
    priority: str
    topic: str


def text_key(text: str) -> str:
    """The key of a row in a labels file: the SHA-256 of its NFC text, stripped."""
    return hashlib.sha256(unicodedata.normalize("NFC", text.strip()).encode()).hexdigest()


def read_row_labels(path: Path) -> dict[str, RowLabels]:
    with path.open(encoding="utf-8", newline="") as fh:
        return {
            row["text_sha256"]: RowLabels(
                row["category"], row["subtype"], row["priority"], row["topic"]
            )
            for row in csv.DictReader(fh)
        }


@dataclass(frozen=True, slots=True)
class Labelled:
    """A row's truth beside the model's answer, with what the team labelled ('' = unlabelled)."""

    category: str
    subtype: str
    priority: str
    topic: str
    predicted_category: str
    predicted_subtype: str | None
    predicted_priority: str


def subtype_and_urgency(rows: Sequence[Labelled], category: str = "cable") -> dict[str, float]:
    """Of the rows of `category` classified as such and labelled with a subtype, the share
    whose subtype is right; of its rows labelled urgent, the share called urgent (whatever
    category was decided: a hazard called `other` is a hazard missed), and the precision
    of `urgent` among its rows."""
    mine = [r for r in rows if r.category == category]
    hits = subtype_hits(rows, category)
    urgent = [r for r in mine if r.priority == "urgent"]
    called = [r for r in mine if r.priority and r.predicted_priority == "urgent"]
    return {
        "subtype_n": len(hits),
        "subtype_accuracy": sum(hits) / len(hits) if hits else 0.0,
        "urgent_n": len(urgent),
        "urgent_recall": sum(r.predicted_priority == "urgent" for r in urgent) / len(urgent)
        if urgent
        else 0.0,
        "urgent_precision": sum(r.priority == "urgent" for r in called) / len(called)
        if called
        else 1.0,
    }


def subtype_hits(rows: Sequence[Labelled], category: str = "cable") -> list[bool]:
    """Per row of `category` classified as such and labelled with a subtype: is its subtype
    right?"""
    return [
        r.subtype == r.predicted_subtype
        for r in rows
        if r.category == category and r.subtype and r.predicted_category == category
    ]


def other_by_topic(rows: Sequence[Labelled]) -> dict[str, tuple[int, int]]:
    """Per topic of the `other` rows: (called other, rows)."""
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        if r.category == "other" and r.topic:
            out[r.topic][0] += r.predicted_category == "other"
            out[r.topic][1] += 1
    return {k: (v[0], v[1]) for k, v in sorted(out.items())}


@dataclass(frozen=True, slots=True)
class Agreement:
    """How two people's labels of the same rows agree: the share of rows both gave a
    subtype that got the same one, Cohen's kappa on those (agreement beyond chance), and the
    share of rows with the same urgency."""

    subtype_n: int
    subtype_agreement: float
    subtype_kappa: float
    priority_n: int
    priority_agreement: float


def agreement(first: dict[str, RowLabels], second: dict[str, RowLabels]) -> Agreement:
    both = [(first[k], second[k]) for k in sorted(first.keys() & second.keys())]
    typed = [(a.subtype, b.subtype) for a, b in both if a.subtype and b.subtype]
    same = sum(a == b for a, b in typed) / len(typed) if typed else 0.0
    left = Counter(a for a, _ in typed)
    right = Counter(b for _, b in typed)
    chance = sum(left[s] * right[s] for s in left) / len(typed) ** 2 if typed else 0.0
    kappa = (same - chance) / (1 - chance) if chance < 1 else 1.0
    urgency = [(a.priority, b.priority) for a, b in both if a.priority and b.priority]
    return Agreement(
        subtype_n=len(typed),
        subtype_agreement=same,
        subtype_kappa=kappa,
        priority_n=len(urgency),
        priority_agreement=sum(a == b for a, b in urgency) / len(urgency) if urgency else 0.0,
    )


# ---------------------------------------------------------------- how far a figure can be trusted
BOOTSTRAP_ROUNDS = 2000
BOOTSTRAP_SEED = 20261203


def bootstrap_interval(
    n: int,
    figure: Callable[[Sequence[int]], float],
    *,
    level: float = 0.95,
    rounds: int = BOOTSTRAP_ROUNDS,
    seed: int = BOOTSTRAP_SEED,
) -> tuple[float, float]:
    """The percentile bootstrap interval of a figure over n rows: `figure` scores a
    resample given as row indexes (drawn with replacement, n of them, `rounds` times). On a
    small set it says how much the figure could move on another set like it."""
    if n == 0:
        return (0.0, 0.0)
    rng = np.random.default_rng(seed)
    values = np.array([figure(rng.integers(0, n, size=n).tolist()) for _ in range(rounds)])
    tail = (1 - level) / 2
    return (float(np.quantile(values, tail)), float(np.quantile(values, 1 - tail)))
