"""Text and photos together: a weighted product of the two models' probabilities,

    p(c | text, photos) ∝ exp(a · log p_text(c) + b · log p_photo(c) + bias_c),

with a, b and the biases fitted by log-loss (so the joint confidence is calibrated, not the
product of two overconfident guesses). Two weights and a bias per class, no cross-terms: a
photo can only speak for the category it shows.

It learns from out-of-fold probabilities: each training text, as the text model would judge
it unseen, paired with rendered photos of its category as the photo model would judge them
unseen; one pair in twenty gets a photo of any kind, as real reports sometimes carry an
unhelpful picture.
"""

import math
import random
from collections.abc import Mapping, Sequence

import numpy as np
from scipy.optimize import minimize

CATEGORIES = ("cable", "ad", "other")
SCENES_FOR = {"cable": ("telecom_cable",), "ad": ("ad",), "other": ("power_line", "other_scene")}
_FLOOR = 1e-2  # a photo model sure of itself still cannot veto the text alone


class WeightedProduct:
    """The fitted combination; `predict_proba` takes rows of `features(...)`."""

    classes_ = np.array(CATEGORIES)

    def __init__(self, text_weight: float, photo_weight: float, biases: Sequence[float]) -> None:
        self.text_weight = text_weight
        self.photo_weight = photo_weight
        self.biases = np.asarray(biases, dtype=float)

    def predict_proba(self, rows: Sequence[Sequence[float]]) -> np.ndarray:
        x = np.asarray(rows, dtype=float)
        scores = self._scores(x, self.text_weight, self.photo_weight, self.biases)
        return _softmax(np.asarray(scores, dtype=float))

    @staticmethod
    def _scores(x: np.ndarray, a: float, b: float, biases: np.ndarray) -> np.ndarray:
        k = len(CATEGORIES)
        return np.asarray(a * x[:, :k] + b * x[:, k:] + biases, dtype=float)

    @classmethod
    def fit(cls, x: np.ndarray, labels: Sequence[str]) -> "WeightedProduct":
        y = np.array([CATEGORIES.index(label) for label in labels])

        def loss(params: np.ndarray) -> float:
            probs = _softmax(cls._scores(x, params[0], params[1], params[2:]))
            return float(-np.log(probs[np.arange(len(y)), y] + 1e-12).mean())

        start = np.array([1.0, 0.5, 0.0, 0.0, 0.0])
        # a ≤ 1: the text model's probabilities are calibrated already; the join may soften
        # them, never sharpen them. Fitted freely, a came out near 3.7 on the composed corpus
        # (easier than real reports), and text and photo in disagreement gave 0.9998.
        bounds = [(0.0, 1.0), (0.0, 5.0)] + [(-5.0, 5.0)] * len(CATEGORIES)
        best = minimize(loss, start, method="L-BFGS-B", bounds=bounds).x
        return cls(float(best[0]), float(best[1]), best[2:])


def _softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return np.asarray(shifted / shifted.sum(axis=1, keepdims=True))


def features(text: Mapping[str, float], photo: Mapping[str, float]) -> list[float]:
    return [math.log(max(text.get(c, 0.0), _FLOOR)) for c in CATEGORIES] + [
        math.log(max(photo.get(c, 0.0), _FLOOR)) for c in CATEGORIES
    ]


def train_fusion(
    text_probs: Sequence[Mapping[str, float]],
    labels: Sequence[str],
    photo_probs_by_scene: Mapping[str, Sequence[Mapping[str, float]]],
    *,
    seed: int,
    pairs_per_text: int = 2,
    unhelpful_share: float = 0.05,
) -> WeightedProduct:
    rng = random.Random(seed)
    every_photo = [p for rows in photo_probs_by_scene.values() for p in rows]
    x, y = [], []
    for probs, label in zip(text_probs, labels, strict=True):
        for _ in range(pairs_per_text):
            if rng.random() < unhelpful_share:
                photo = rng.choice(every_photo)
            else:
                scene = rng.choice(SCENES_FOR[label])
                photo = rng.choice(photo_probs_by_scene[scene])
            x.append(features(probs, photo))
            y.append(label)
    return WeightedProduct.fit(np.array(x), y)


def expected_calibration_error(
    confidences: Sequence[float], correct: Sequence[bool], bins: int = 10
) -> float:
    """How far stated confidence is from accuracy, averaged over confidence bins."""
    total = len(confidences)
    if not total:
        return 0.0
    error = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        members = [i for i, c in enumerate(confidences) if lo < c <= hi or (b == 0 and c == 0.0)]
        if members:
            accuracy = sum(correct[i] for i in members) / len(members)
            mean_conf = sum(confidences[i] for i in members) / len(members)
            error += len(members) / total * abs(accuracy - mean_conf)
    return error
