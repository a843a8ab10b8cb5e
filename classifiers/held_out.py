"""The subtype and priority models measured on the corpus's own open-world rows with each
source page held out of training: figures that do not come from the development set, to
choose a design on before the development set confirms it."""

from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.model_selection import GroupKFold

from classifiers.splits import page_of

if TYPE_CHECKING:  # classifiers.text calls this after fitting its subtype models
    from classifiers.text import Example

FOLDS = 5

# Fits a model on rows (text, labels, weight) and returns it: its predict(texts) answers a
# subtype (subtype_by_page) or a priority (urgency_by_page) per text.
ModelFit = Callable[[Sequence["Example"]], Any]


def subtype_by_page(examples: Sequence["Example"], category: str, fit: ModelFit) -> dict[str, Any]:
    """Of `category`'s open-world rows (those with a source page), the share whose subtype is
    right when the model was trained without their page (folds grouped by page; rows with no
    page, the templated ones, always train), and the commonest confusions (truth → called)."""
    rows = [e for e in examples if e.category == category and e.subtype]
    world = [e for e in rows if e.source]
    always = [e for e in rows if not e.source]
    pages = [page_of(e.source) for e in world]
    if len(set(pages)) < FOLDS:
        return {}
    called: list[str] = [""] * len(world)
    for train, held in GroupKFold(n_splits=FOLDS).split(world, groups=pages):
        model = fit([world[i] for i in train] + always)
        answers = model.predict([world[i].text for i in held])
        for i, answer in zip(held, answers, strict=True):
            called[i] = str(answer)
    truth = np.array([e.subtype for e in world])
    got = np.array(called)
    wrong = Counter(f"{t} → {c}" for t, c in zip(truth, got, strict=True) if t != c)
    return {
        "n": len(world),
        "accuracy": round(float((truth == got).mean()), 4),
        "confusions": dict(wrong.most_common(5)),
    }


def urgency_by_page(examples: Sequence["Example"], category: str, fit: ModelFit) -> dict[str, Any]:
    """How the priority model (trained on every category, as the service's is) calls
    `category`'s open-world rows urgent when their page was held out: recall and precision
    of `urgent` among them (folds grouped by page; rows with no page always train)."""
    world = [e for e in examples if e.source]
    always = [e for e in examples if not e.source]
    pages = [page_of(e.source) for e in world]
    scored = [i for i, e in enumerate(world) if e.category == category]
    if len(set(pages)) < FOLDS or not scored:
        return {}
    called: dict[int, str] = {}
    for train, held in GroupKFold(n_splits=FOLDS).split(world, groups=pages):
        mine = [i for i in held if world[i].category == category]
        if not mine:
            continue
        model = fit([world[i] for i in train] + always)
        for i, answer in zip(mine, model.predict([world[i].text for i in mine]), strict=True):
            called[i] = str(answer)
    urgent = [i for i in scored if world[i].priority == "urgent"]
    said = [i for i in scored if called[i] == "urgent"]
    hits = sum(called[i] == "urgent" for i in urgent)
    return {
        "n": len(scored),
        "urgent_n": len(urgent),
        "urgent_recall": round(hits / len(urgent), 4) if urgent else 0.0,
        "urgent_precision": round(hits / len(said), 4) if said else 0.0,
    }
