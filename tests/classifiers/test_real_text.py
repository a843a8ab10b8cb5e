"""The classifier on real text (issue #10): the real development set in ../shared, which the
repository never holds, scored by the model the service trains by default. The floors are
what the model reaches today, so a change that loses ground fails here; the issue's targets
are written beside them where they are not reached yet."""

from dataclasses import replace

import pytest

from classifiers import evaluation
from classifiers import text as text_model
from service.config import PROJECT_ROOT, Settings

CORPUS = PROJECT_ROOT / "classifiers" / "corpus"
REAL_DEV = PROJECT_ROOT.parent / "shared" / "data" / "real-dev" / "reports.csv"
LABELS = CORPUS / "real_dev_labels.csv"

pytestmark = pytest.mark.skipif(
    not REAL_DEV.exists(), reason="needs ../shared/data/real-dev (evaluation only)"
)

# Issue #10's targets: macro-F1 0.95 (0.93 without diacritics), the keyword rule + 0.05,
# automatic decisions right 97 % of the time, cable subtype 0.80, urgent recall 0.90.
MACRO_F1_FLOOR = 0.95
MACRO_F1_PLAIN_FLOOR = 0.95
ABOVE_THE_RULE = 0.05
AUTOMATIC_ACCURACY = 0.97
AUTOMATIC_SHARE_FLOOR = 0.85
# 34 of 46 (0.739) on 2026-12-04; on the corpus's pages held out, 0.830 (train prints it).
SUBTYPE_FLOOR = 0.73
# 24 of 27 since the 2026-12-03 cable rows (27 of 27 before): two missed are press sentences at
# P(urgent) 0.22 and 0.29 against URGENT_AT 1/3, one a fire on a pole called `other`. On the
# corpus's pages held out it is 0.948 (train prints it).
URGENT_RECALL_FLOOR = 0.88


@pytest.fixture(scope="module")
def model() -> text_model.TextModel:
    """The service's default model: the whole corpus, text only (photos do not change a
    text-only report's decision)."""
    corpus = text_model.read_corpus(CORPUS)
    digest = text_model.sha256_of(text_model.corpus_files(CORPUS))
    return text_model.train(corpus, data_sha256=digest)


@pytest.fixture(scope="module")
def dev() -> list[text_model.Example]:
    return text_model.read_examples(REAL_DEV)


def test_the_model_beats_the_keyword_rule_on_real_text_typed_both_ways(
    model: text_model.TextModel, dev: list[text_model.Example]
) -> None:
    truth = [e.category for e in dev]
    for rows, floor in (
        (dev, MACRO_F1_FLOOR),
        ([replace(e, text=text_model.strip_marks(e.text)) for e in dev], MACRO_F1_PLAIN_FLOOR),
    ):
        decided = [d.category for d in model.decide_many([e.text for e in rows])]
        macro_f1 = text_model.score(truth, decided).macro_f1
        rule = text_model.score(truth, [text_model.keyword_rule(e.text) for e in rows]).macro_f1
        assert macro_f1 >= floor
        assert macro_f1 >= rule + ABOVE_THE_RULE


def test_decisions_taken_without_a_person_are_right_97_percent_of_the_time(
    model: text_model.TextModel, dev: list[text_model.Example]
) -> None:
    """The threshold rule: at the service's default manual-triage threshold, the reports
    decided without a person are right at least 97 % of the time."""
    threshold = Settings().classify_min_confidence
    decisions = model.decide_many([e.text for e in dev])
    auto = evaluation.automation_at(
        [d.confidence for d in decisions],
        [d.category == e.category for d, e in zip(decisions, dev, strict=True)],
        threshold=threshold,
    )
    assert auto.automatic_accuracy >= AUTOMATIC_ACCURACY
    assert auto.automatic_share >= AUTOMATIC_SHARE_FLOOR


def test_subtype_and_urgency_of_real_cables(
    model: text_model.TextModel, dev: list[text_model.Example]
) -> None:
    """On the team's labels of the real cables (keyed by text hash, see LABELLING.md)."""
    labels = evaluation.read_row_labels(LABELS)
    decisions = model.decide_many([e.text for e in dev])
    rows = [
        evaluation.Labelled(
            e.category, mine.subtype, mine.priority, mine.topic, d.category, d.subtype, d.priority
        )
        for e, d in zip(dev, decisions, strict=True)
        if (mine := labels.get(evaluation.text_key(e.text))) is not None
    ]
    assert sum(r.category == "cable" for r in rows) == sum(e.category == "cable" for e in dev)
    cable = evaluation.subtype_and_urgency(rows)
    assert cable["subtype_n"] >= 40
    assert cable["subtype_accuracy"] >= SUBTYPE_FLOOR
    assert cable["urgent_recall"] >= URGENT_RECALL_FLOOR
