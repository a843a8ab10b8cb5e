"""The text classifier: category (cable / ad / other), subtype, priority, with calibrated
probabilities. Character and word n-grams over normalised Vietnamese (with and without
diacritics, abbreviations expanded), linear models (scikit-learn), fixed seed."""

import csv
import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import joblib
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support
from sklearn.pipeline import FeatureUnion, Pipeline

from classifiers.textnorm import canonical_tones, fold, nfc

SEED = 20261122
CATEGORIES = ("cable", "ad", "other")
# Teen-code and abbreviations, on folded words.
_ABBREVIATIONS = {
    "ko": "khong",
    "k": "khong",
    "kh": "khong",
    "dt": "dien thoai",
    "sdt": "so dien thoai",
    "dc": "duoc",
    "vs": "voi",
    "lh": "lien he",
    "nv": "nhan vien",
    "oto": "o to",
    "ktx": "ky tuc xa",
    "cty": "cong ty",
    "tp": "thanh pho",
}


def strip_marks(text: str) -> str:
    """The text as typed without diacritics (case kept): "Dây cáp" → "Day cap"."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped)


def normalise(text: str) -> str:
    """Both forms side by side: with diacritics (tone placement unified) and folded with
    abbreviations expanded, so a model sees "cáp" and "cap" as related."""
    with_marks = canonical_tones(nfc(text).lower())
    folded = " ".join(_ABBREVIATIONS.get(w, w) for w in fold(text).split())
    return f"{with_marks} | {folded}"


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    category: str
    subtype: str
    priority: str


@dataclass(frozen=True, slots=True)
class Decision:
    category: str
    confidence: float
    subtype: str | None
    subtype_confidence: float | None
    priority: str
    probabilities: dict[str, float]


@dataclass
class TextModel:
    category: Pipeline
    subtypes: dict[str, Pipeline]
    priority: Pipeline
    meta: dict[str, Any] = field(default_factory=dict)

    def decide(self, text: str) -> Decision:
        return self.decide_many([text])[0]

    def decide_many(self, texts: Sequence[str]) -> list[Decision]:
        norm = [normalise(t) for t in texts]
        probs = self.category.predict_proba(norm)
        classes = list(self.category.classes_)
        urgent = self.priority.predict(norm)
        out = []
        for i, row in enumerate(probs):
            best = int(row.argmax())
            category = classes[best]
            subtype = sub_conf = None
            if category in self.subtypes:
                sub = self.subtypes[category]
                sub_probs = sub.predict_proba([norm[i]])[0]
                j = int(sub_probs.argmax())
                subtype, sub_conf = str(sub.classes_[j]), float(sub_probs[j])
            out.append(
                Decision(
                    category=category,
                    confidence=float(row[best]),
                    subtype=subtype,
                    subtype_confidence=sub_conf,
                    priority=str(urgent[i]),
                    probabilities={c: float(p) for c, p in zip(classes, row, strict=True)},
                )
            )
        return out

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(self, path)

    @staticmethod
    def load(path: Path) -> "TextModel":
        model = joblib.load(path)
        if not isinstance(model, TextModel):
            raise TypeError(f"{path} is not a text model")
        return model


class Classifier(Protocol):
    @property
    def meta(self) -> dict[str, Any]: ...

    def decide(self, text: str) -> Decision: ...


class LazyTextModel:
    """A saved model read from disk on its first use, then kept: processes that never
    classify (the API, CLI commands) never pay for loading it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._model: TextModel | None = None

    def _get(self) -> TextModel:
        if self._model is None:
            self._model = TextModel.load(self.path)
        return self._model

    @property
    def meta(self) -> dict[str, Any]:
        return self._get().meta

    def decide(self, text: str) -> Decision:
        return self._get().decide(text)


def read_examples(path: Path) -> list[Example]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    missing = {"text", "category"} - set(rows[0] if rows else {})
    if missing:
        raise ValueError(f"{path}: missing columns {', '.join(sorted(missing))}")
    examples = []
    for n, row in enumerate(rows, start=2):
        if row["category"] not in CATEGORIES:
            raise ValueError(f"{path}:{n}: category must be one of {', '.join(CATEGORIES)}")
        examples.append(
            Example(
                row["text"],
                row["category"],
                row.get("subtype") or "",
                row.get("priority") or "normal",
            )
        )
    return examples


def _features() -> FeatureUnion:
    return FeatureUnion(
        [
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2
                ),
            ),
            (
                "words",
                TfidfVectorizer(
                    analyzer="word",
                    ngram_range=(1, 2),
                    sublinear_tf=True,
                    token_pattern=r"(?u)\b\w+\b",
                ),
            ),
        ]
    )


def _calibrated(c: float = 4.0) -> Pipeline:
    model = LogisticRegression(C=c, max_iter=2000, random_state=SEED)
    return Pipeline(
        [
            ("features", _features()),
            ("model", CalibratedClassifierCV(model, method="sigmoid", cv=3)),
        ]
    )


def train(examples: Sequence[Example], *, data_sha256: str) -> TextModel:
    norm = [normalise(e.text) for e in examples]
    category = _calibrated().fit(norm, [e.category for e in examples])
    subtypes = {}
    for cat in ("cable", "ad"):
        rows = [(n, e.subtype) for n, e in zip(norm, examples, strict=True) if e.category == cat]
        if rows and len({s for _, s in rows}) > 1:
            subtypes[cat] = _calibrated().fit([n for n, _ in rows], [s for _, s in rows])
    priority = Pipeline(
        [
            ("features", _features()),
            (
                "model",
                LogisticRegression(
                    C=4.0, max_iter=2000, random_state=SEED, class_weight="balanced"
                ),
            ),
        ]
    ).fit(norm, [e.priority for e in examples])
    version = f"text-{datetime.now(UTC):%Y%m%d}-{data_sha256[:8]}"
    meta = {"version": version, "data_sha256": data_sha256, "seed": SEED, "n": len(examples)}
    return TextModel(category, subtypes, priority, meta)


def sha256_of(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()


# ---------------------------------------------------------------- the baseline to beat
_CABLE_WORDS = re.compile(
    r"\b(cap|day mang|internet|vien thong|quang|truyen hinh|thue bao|mang xong|day dien thoai)\b"
)
_AD_WORDS = re.compile(
    r"\b(quang cao|rao vat|to roi|dan|son so|cho vay|hut ham cau|khoan|gia su|tuyen)\b"
)


def keyword_rule(text: str) -> str:
    """Cable words vs ad words vs neither: what a person would write in ten minutes."""
    folded = fold(text)
    cable, ad = len(_CABLE_WORDS.findall(folded)), len(_AD_WORDS.findall(folded))
    if cable == ad == 0:
        return "other"
    return "cable" if cable >= ad else "ad"


# ---------------------------------------------------------------- evaluation
@dataclass(frozen=True, slots=True)
class Scores:
    labels: tuple[str, ...]
    precision: tuple[float, ...]
    recall: tuple[float, ...]
    f1: tuple[float, ...]
    support: tuple[int, ...]
    confusion: tuple[tuple[int, ...], ...]

    @property
    def macro_f1(self) -> float:
        return sum(self.f1) / len(self.f1)


def score(truth: Sequence[str], predicted: Sequence[str]) -> Scores:
    labels = CATEGORIES
    p, r, f, s = precision_recall_fscore_support(
        truth, predicted, labels=list(labels), zero_division=0
    )
    matrix = confusion_matrix(truth, predicted, labels=list(labels))
    return Scores(
        labels,
        tuple(map(float, p)),
        tuple(map(float, r)),
        tuple(map(float, f)),
        tuple(map(int, s)),
        tuple(tuple(int(v) for v in row) for row in matrix),
    )


def subtype_accuracy(examples: Sequence[Example], decisions: Sequence[Decision]) -> float:
    """Of the reports whose category is right (and has subtypes), how many subtypes are."""
    pairs = [
        (e, d)
        for e, d in zip(examples, decisions, strict=True)
        if e.category == d.category and e.category in ("cable", "ad")
    ]
    if not pairs:
        return 0.0
    return sum(e.subtype == d.subtype for e, d in pairs) / len(pairs)
