"""The subtype model measured on the corpus's own open-world rows with each source page held
out of training: a figure that does not come from the development set, to choose a subtype
design on before the development set confirms it."""

from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.model_selection import GroupKFold

from classifiers.splits import page_of

if TYPE_CHECKING:  # classifiers.text calls this after fitting its subtype models
    from classifiers.text import Example

FOLDS = 5

# Fits a subtype model on rows (text, subtype, weight) and returns it.
SubtypeFit = Callable[[Sequence["Example"]], Any]


def subtype_by_page(
    examples: Sequence["Example"], category: str, fit: SubtypeFit
) -> dict[str, Any]:
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
