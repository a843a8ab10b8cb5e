from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from classifiers import evaluation
from classifiers.evaluation import (
    Labelled,
    automation_at,
    group_by_family,
    lowest_threshold,
    other_by_topic,
    read_row_labels,
    source_family,
    subtype_and_urgency,
    text_key,
)
from service.config import PROJECT_ROOT


@pytest.mark.parametrize(
    ("url", "family"),
    [
        ("https://tuongtac.hue.gov.vn/chi-tiet/123", "portal"),
        ("http://www.tuongtac.thuathienhue.gov.vn/x", "portal"),
        ("https://gopy.danang.gov.vn/a", "portal"),
        ("https://thanhnien.vn/cap-treo.htm", "press"),
        ("", "unknown"),
        ("not a url", "unknown"),
    ],
)
def test_source_family(url: str, family: str) -> None:
    assert source_family(url) == family


def test_rows_are_grouped_by_family() -> None:
    groups = group_by_family(
        ["https://vov.vn/a", "https://tuongtac.hue.gov.vn/b", "", "https://nld.com.vn/c"]
    )
    assert groups == {"portal": [1], "press": [0, 3], "unknown": [2]}


def test_automation_counts_what_passes_the_threshold_unseen() -> None:
    auto = automation_at([0.95, 0.9, 0.6, 0.4], [True, False, True, False], threshold=0.7)
    assert (auto.automatic_share, auto.automatic_accuracy, auto.manual) == (0.5, 0.5, 2)
    none = automation_at([0.2], [True], threshold=0.7)
    assert (none.automatic_share, none.automatic_accuracy, none.manual) == (0.0, 1.0, 1)


def test_the_lowest_threshold_that_keeps_automatic_decisions_right() -> None:
    confidences = [0.99, 0.95, 0.9, 0.8, 0.6]
    correct = [True, True, False, True, True]
    best = lowest_threshold(confidences, correct, target=0.75)
    assert best is not None
    assert (best.threshold, best.manual) == (0.6, 0)  # 4 right of 5 at every cut below 0.9
    strict = lowest_threshold(confidences, correct, target=0.97)
    assert strict is not None
    assert (strict.threshold, strict.manual) == (0.95, 3)
    assert lowest_threshold([0.9], [False], target=0.97) is None


def test_cable_subtype_and_urgency_count_what_the_team_labelled() -> None:
    rows = [
        Labelled("cable", "tangled", "normal", "", "cable", "tangled", "normal"),
        Labelled("cable", "low_or_sagging", "urgent", "", "cable", "tangled", "urgent"),
        Labelled("cable", "fallen_or_broken", "urgent", "", "other", None, "normal"),
        Labelled("cable", "", "urgent", "", "cable", "tangled", "urgent"),  # no subtype label
        Labelled("other", "", "", "garbage", "other", None, "normal"),
        Labelled("other", "", "", "garbage", "ad", "other", "normal"),
    ]
    figures = subtype_and_urgency(rows)
    assert figures["subtype_n"] == 2
    assert figures["subtype_accuracy"] == 0.5
    assert figures["urgent_n"] == 3
    assert figures["urgent_recall"] == 2 / 3
    assert figures["urgent_precision"] == 1.0
    assert other_by_topic(rows) == {"garbage": (1, 2)}


def test_row_labels_are_keyed_by_the_hash_of_the_text_not_the_text(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    key = text_key("  Cáp rơi  ")
    path.write_text(
        f"text_sha256,category,subtype,priority,topic\n{key},cable,fallen_or_broken,urgent,\n",
        encoding="utf-8",
    )
    assert key == text_key("Cáp rơi")
    assert len(key) == 64
    assert read_row_labels(path)[key].subtype == "fallen_or_broken"


def test_two_labellers_of_the_real_cables_agree_well_beyond_chance() -> None:
    """The cable subtypes of the real development set were labelled twice, by two people
    who did not see each other's labels (hashes only: no real text is needed here). Their
    agreement bounds what a subtype figure on these rows can mean."""
    corpus = PROJECT_ROOT / "classifiers" / "corpus"
    first = evaluation.read_row_labels(corpus / "real_dev_labels.csv")
    second = evaluation.read_row_labels(corpus / "real_dev_labels_second.csv")
    found = evaluation.agreement(first, second)
    assert found.subtype_n >= 40
    assert found.subtype_agreement >= 0.85
    assert found.subtype_kappa >= 0.8
    assert found.priority_agreement >= 0.9


def test_agreement_counts_only_rows_both_typed() -> None:
    def labels(*subtypes: str) -> dict[str, evaluation.RowLabels]:
        return {
            str(i): evaluation.RowLabels("cable", s, "urgent", "") for i, s in enumerate(subtypes)
        }

    found = evaluation.agreement(
        labels("low", "low", "", "tangled"), labels("low", "x", "low", "tangled")
    )
    assert found.subtype_n == 3
    assert found.subtype_agreement == 2 / 3
    assert found.priority_agreement == 1.0
    assert 0 < found.subtype_kappa < 2 / 3


def test_bootstrap_interval_brackets_the_figure_and_narrows_with_more_rows() -> None:
    def share(right: list[bool]) -> Callable[[Sequence[int]], float]:
        return lambda rows: sum(right[i] for i in rows) / len(rows)

    small = [True] * 37 + [False] * 9  # 80 % of 46
    large = small * 10
    low, high = evaluation.bootstrap_interval(len(small), share(small))
    assert low < 37 / 46 < high
    assert high - low > 0.15  # 46 rows: more than ±7 points
    wide = high - low
    low, high = evaluation.bootstrap_interval(len(large), share(large))
    narrow = high - low
    assert narrow < wide / 2
    assert evaluation.bootstrap_interval(5, share([True] * 5)) == (1.0, 1.0)
    assert evaluation.bootstrap_interval(0, share([])) == (0.0, 0.0)
    assert evaluation.bootstrap_interval(46, share(small)) == evaluation.bootstrap_interval(
        46, share(small)
    )
