"""The category model for an open world: one detector per category that matters (`cable`,
`ad`), each against everything else, joined by a small stacker that turns their two scores
into calibrated probabilities over cable / ad / other.

`other` is not a topic but everything a city hears about, so it gets no detector of its
own: a report is `other` when neither detector claims it. The stacker is fitted on
out-of-fold scores with the folds grouped by source page, so it learns how far the
detectors' scores can be trusted on pages they never saw, not on their own training rows."""

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import Pipeline

DETECTED = ("cable", "ad")
_FOLDS = 5
_EPS = 1e-4


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EPS, 1 - _EPS)
    return np.asarray(np.log(p / (1 - p)))


def balanced(labels: Sequence[object], weights: np.ndarray) -> np.ndarray:
    """`weights` scaled so that every label carries the same total weight."""
    totals: dict[object, float] = {}
    for label, w in zip(labels, weights, strict=True):
        totals[label] = totals.get(label, 0.0) + float(w)
    share = float(weights.sum()) / len(totals)
    return np.asarray(weights * np.array([share / totals[label] for label in labels]))


class OpenWorldCategory(BaseEstimator, ClassifierMixin):  # type: ignore[misc]
    """Detectors for `cable` and `ad` (each a copy of `detector`, a text pipeline with
    predict_proba), stacked into probabilities over the three categories."""

    def __init__(self, detector: Pipeline, seed: int = 0) -> None:
        self.detector = detector
        self.seed = seed

    def fit(
        self,
        texts: Sequence[str],
        categories: Sequence[str],
        sample_weight: np.ndarray | None = None,
        groups: Sequence[str] | None = None,
    ) -> "OpenWorldCategory":
        texts = list(texts)
        labels = np.asarray(categories)
        weights = np.ones(len(texts)) if sample_weight is None else np.asarray(sample_weight)
        pages = list(groups) if groups is not None else [str(i % _FOLDS) for i in range(len(texts))]
        self.detectors_: dict[str, Pipeline] = {}
        out_of_fold = np.zeros((len(texts), len(DETECTED)))
        for j, category in enumerate(DETECTED):
            is_it = labels == category
            w = balanced(list(is_it), weights)
            self.detectors_[category] = _fit(self.detector, texts, is_it, w)
            for train, held in GroupKFold(n_splits=_FOLDS).split(texts, groups=pages):
                fold = _fit(self.detector, [texts[i] for i in train], is_it[train], w[train])
                out_of_fold[held, j] = _positive(fold, [texts[i] for i in held])
        self.stacker_ = LogisticRegression(C=1.0, max_iter=1000, random_state=self.seed)
        stacked = _logit(out_of_fold)
        self.stacker_.fit(stacked, labels, sample_weight=balanced(list(labels), weights))
        self.classes_ = self.stacker_.classes_
        # What the model says of each training text when its page was held out: the input
        # the photo stacker is trained on (classifiers.fusion).
        self.out_of_fold_proba_ = self.stacker_.predict_proba(stacked)
        return self

    def scores(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Each detector's own probability that the texts are of its category."""
        return {c: _positive(d, list(texts)) for c, d in self.detectors_.items()}

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        scores = self.scores(texts)
        features = np.column_stack([scores[c] for c in DETECTED])
        return np.asarray(self.stacker_.predict_proba(_logit(features)))

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self.classes_[self.predict_proba(texts).argmax(axis=1)])


def _fit(template: Pipeline, texts: list[str], y: np.ndarray, w: np.ndarray) -> Pipeline:
    model: Pipeline = clone(template)
    return model.fit(texts, y, model__sample_weight=w)


def _positive(model: Any, texts: list[str]) -> np.ndarray:
    classes = list(model.classes_)
    return np.asarray(model.predict_proba(texts)[:, classes.index(True)])
