"""What a photo looks like: telecom cables, power lines, a printed ad, or something else.

Features are cheap image measurements (OpenCV) and what the OCR read: long thin lines and
how they run (many, crossing, sagging → telecom bundles; few, straight, parallel → power
lines), how much of the photo is text, phone numbers and ad words on it. A small calibrated
linear model (scikit-learn) turns them into probabilities of four kinds of scene, folded into
the three categories (power lines are out of scope: `other`).
"""

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
from PIL import Image
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from classifiers.ocr import PhotoReading
from classifiers.operators import LabelPatterns
from classifiers.phones import NumberPlan
from classifiers.photo_text import operator_on_photo, phones_on_photo
from classifiers.textnorm import fold

SEED = 20261201
SCENES = ("telecom_cable", "power_line", "ad", "other_scene")
CATEGORY_OF_SCENE = {
    "telecom_cable": "cable",
    "power_line": "other",
    "ad": "ad",
    "other_scene": "other",
}
_ANALYSIS_SIDE = 512
_AD_WORDS = re.compile(
    r"\b(khoan|be tong|ham cau|thong cong|vay|cam do|chuyen nha|taxi tai|gia su|day kem|"
    r"tuyen|viec lam|ban dat|cho thue|nha tro|sua|lap|lien he|lh|dt|hotline|zalo|gia re)\b"
)
FEATURES = (
    "edge_density",
    "thin_dark_fraction",
    "long_lines",
    "line_length",
    "horizontal_share",
    "angle_spread",
    "parallel_share",
    "curvy_share",
    "upper_line_share",
    "text_lines",
    "text_area",
    "text_score",
    "phones",
    "ad_words",
    "digit_share",
    "operator_label",
)


def measure(
    image: Image.Image, reading: PhotoReading, *, plan: NumberPlan, patterns: LabelPatterns
) -> dict[str, float]:
    """The photo's features (see FEATURES), all scaled to about 0..1 or small counts; `plan`
    and `patterns` tell the phone numbers and the operator labels on it."""
    gray = np.asarray(image.convert("L"))
    scale = _ANALYSIS_SIDE / max(gray.shape)
    if scale < 1:
        gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    h, w = gray.shape
    edges = cv2.Canny(gray, 60, 160)
    blackhat = cv2.morphologyEx(gray, cv2.MORPH_BLACKHAT, np.ones((7, 7), np.uint8))
    thin_dark = float((blackhat > 25).mean())
    segments = cv2.HoughLinesP(
        edges, 1, np.pi / 180, threshold=40, minLineLength=int(0.18 * max(h, w)), maxLineGap=6
    )
    segs = [] if segments is None else [tuple(map(float, s)) for s in np.reshape(segments, (-1, 4))]
    angles = [math.degrees(math.atan2(y2 - y1, x2 - x1)) % 180 for x1, y1, x2, y2 in segs]
    lengths = [math.hypot(x2 - x1, y2 - y1) for x1, y1, x2, y2 in segs]
    folded_angles = [min(a, 180 - a) for a in angles]  # 0 = horizontal, 90 = vertical
    horizontal = [a for a in folded_angles if a < 35]
    spread = float(np.std(angles)) / 90 if len(angles) > 1 else 0.0
    parallel = _parallel_share(angles)
    curvy = _curvy_share(edges)
    upper = sum(1 for s in segs if (s[1] + s[3]) / 2 < h / 2) / len(segs) if segs else 0.0

    area = float(w * h) / (scale * scale if scale < 1 else 1.0)
    text_area = sum(_box_area(line.box) for line in reading.lines) / max(area, 1.0)
    text = reading.text
    folded = fold(text)
    digits = sum(c.isdigit() for c in text)
    return {
        "edge_density": float((edges > 0).mean()),
        "thin_dark_fraction": thin_dark,
        "long_lines": min(len(segs), 200) / 50,
        "line_length": (sum(lengths) / max(h, w)) / 50 if lengths else 0.0,
        "horizontal_share": len(horizontal) / len(segs) if segs else 0.0,
        "angle_spread": spread,
        "parallel_share": parallel,
        "curvy_share": curvy,
        "upper_line_share": upper,
        "text_lines": min(len(reading.lines), 30) / 10,
        "text_area": min(text_area, 1.0),
        "text_score": float(np.mean([ln.score for ln in reading.lines])) if reading.lines else 0.0,
        "phones": float(min(len(phones_on_photo(reading, photo=0, plan=plan)), 3)),
        "ad_words": min(len(_AD_WORDS.findall(folded)), 5) / 5,
        "digit_share": digits / max(len(text), 1),
        "operator_label": 1.0 if operator_on_photo(reading, patterns) else 0.0,
    }


def _box_area(box: Sequence[tuple[float, float]]) -> float:
    xs, ys = [p[0] for p in box], [p[1] for p in box]
    return 0.5 * abs(sum(xs[i] * ys[i - 1] - xs[i - 1] * ys[i] for i in range(len(box))))


def _parallel_share(angles: list[float]) -> float:
    """Share of segments that have at least two others within 3° of their direction."""
    if len(angles) < 3:
        return 0.0
    a = np.array(angles)
    diff = np.abs(a[:, None] - a[None, :])
    diff = np.minimum(diff, 180 - diff)
    return float(((diff < 3).sum(axis=1) - 1 >= 2).mean())


def _curvy_share(edges: np.ndarray) -> float:
    """Long edge contours that bend (a sagging or tangled cable) over all long contours."""
    contours, _ = cv2.findContours(edges, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    long_ones = [c for c in contours if len(c) > 0.25 * max(edges.shape)]
    if not long_ones:
        return 0.0
    bendy = 0
    for contour in long_ones:
        points = contour[:, 0, :].astype(np.float32)
        chord = float(np.linalg.norm(points[-1] - points[0])) or 1.0
        span = float(np.ptp(points[:, 0]) + np.ptp(points[:, 1]))
        if span > 1.3 * chord or len(cv2.approxPolyDP(contour, 3, False)) > 6:
            bendy += 1
    return bendy / len(long_ones)


@dataclass(frozen=True, slots=True)
class PhotoVerdict:
    scenes: dict[str, float]  # probability of each scene
    categories: dict[str, float]  # folded into cable / ad / other


@dataclass
class PhotoModel:
    pipeline: Pipeline
    meta: dict[str, Any] = field(default_factory=dict)

    def judge(self, features: dict[str, float]) -> PhotoVerdict:
        return self.judge_many([features])[0]

    def judge_many(self, rows: Sequence[dict[str, float]]) -> list[PhotoVerdict]:
        matrix = np.array([[row.get(name, 0.0) for name in FEATURES] for row in rows])
        probs = self.pipeline.predict_proba(matrix)
        classes = [str(c) for c in self.pipeline.classes_]
        verdicts = []
        for row in probs:
            scenes = {c: float(p) for c, p in zip(classes, row, strict=True)}
            categories = {"cable": 0.0, "ad": 0.0, "other": 0.0}
            for scene, p in scenes.items():
                categories[CATEGORY_OF_SCENE[scene]] += p
            verdicts.append(PhotoVerdict(scenes, categories))
        return verdicts


def train_photo_model(rows: Sequence[dict[str, float]], scenes: Sequence[str]) -> PhotoModel:
    matrix = np.array([[row.get(name, 0.0) for name in FEATURES] for row in rows])
    pipeline = Pipeline(
        [
            ("scale", StandardScaler()),
            (
                "model",
                CalibratedClassifierCV(
                    LogisticRegression(C=1.0, max_iter=3000, random_state=SEED),
                    method="sigmoid",
                    cv=3,
                ),
            ),
        ]
    ).fit(matrix, list(scenes))
    return PhotoModel(pipeline, {"n": len(rows), "features": list(FEATURES)})
