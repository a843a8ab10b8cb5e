"""The text classifier: reproducible training, the evaluation report, clear input errors.
(Its scores on the held-out file are printed by `triage model eval`; see the README.)"""

import json
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from classifiers import text as text_model
from classifiers.operators import operator_in
from classifiers.text import folded_words, keyword_rule, strip_marks
from service.cli import app
from service.operators.directory import load_directory

CORPUS = Path(__file__).resolve().parents[2] / "classifiers" / "corpus"
runner = CliRunner()


def test_the_model_reads_both_ways_of_typing_alike() -> None:
    assert folded_words("Cáp rơi, ko ai xử lý") == "cap roi khong ai xu ly"
    assert folded_words("Thuận Hoá") == folded_words("thuan hoa") == "thuan hoa"


def test_the_keyword_baseline() -> None:
    assert keyword_rule("Dây cáp quang võng thấp") == "cable"
    assert keyword_rule("quang cao hut ham cau dan cot dien") == "ad"
    assert keyword_rule("Ổ gà giữa đường") == "other"


def test_the_held_out_file_shares_no_sentence_with_training() -> None:
    train = {e.text for e in text_model.read_examples(CORPUS / "train.csv")}
    held_out = text_model.read_examples(CORPUS / "eval.csv")
    assert len(held_out) >= 60
    assert not train & {e.text for e in held_out}


def test_train_is_reproducible_and_eval_reports_beside_the_baseline(tmp_path: Path) -> None:
    first, second = tmp_path / "a.joblib", tmp_path / "b.joblib"
    for out in (first, second):
        result = runner.invoke(app, ["model", "train", "--out", str(out)])
        assert result.exit_code == 0, result.output
    a, b = text_model.TextModel.load(first), text_model.TextModel.load(second)
    probe = ["cáp rớt giữa đường", "dán quảng cáo khoan bê tông", "ổ gà"]
    assert [d.probabilities for d in a.decide_many(probe)] == [
        d.probabilities for d in b.decide_many(probe)
    ]
    used = [*text_model.corpus_files(CORPUS), CORPUS / "photo_train.csv"]
    assert a.meta["data_sha256"] == text_model.sha256_of(used)
    assert a.meta["n"] == len(text_model.read_corpus(CORPUS))
    assert a.meta["photo_data_sha256"] == text_model.sha256_of([CORPUS / "photo_train.csv"])
    assert a.meta["version"].endswith("+photo")
    report = runner.invoke(app, ["model", "eval", str(CORPUS / "eval.csv"), "--model", str(first)])
    assert report.exit_code == 0, report.output
    assert "keyword rule (baseline): macro-F1" in report.stdout
    assert "confusion" in report.stdout
    _check_targets(a)
    _check_classify_command(first)
    decision = a.decide("Dây cáp internet đứt rơi xuống đường, xe suýt vướng")
    assert (decision.category, decision.priority) == ("cable", "urgent")
    assert 0.5 < decision.confidence <= 1.0


@pytest.mark.parametrize(
    ("content", "why"),
    [("text\nx\n", "missing columns category"), ("text,category\nx,potholes\n", "must be one of")],
)
def test_bad_training_files_are_refused_clearly(tmp_path: Path, content: str, why: str) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(content, encoding="utf-8")
    result = runner.invoke(
        app, ["model", "train", "--data", str(bad), "--out", str(tmp_path / "m")]
    )
    assert result.exit_code == 1
    assert why in result.output


def _check_targets(model: text_model.TextModel) -> None:
    """The issue's targets on the held-out file: macro-F1 ≥ 0.95 with and without
    diacritics, clearly above the keyword rule, subtype right for ≥ 85 %."""
    held_out = text_model.read_examples(CORPUS / "eval.csv")
    truth = [e.category for e in held_out]
    baseline = text_model.score(truth, [keyword_rule(e.text) for e in held_out]).macro_f1
    for examples in (held_out, [replace(e, text=strip_marks(e.text)) for e in held_out]):
        decisions = model.decide_many([e.text for e in examples])
        macro_f1 = text_model.score(truth, [d.category for d in decisions]).macro_f1
        assert macro_f1 >= 0.95
        assert macro_f1 >= baseline + 0.05
        assert text_model.subtype_accuracy(examples, decisions) >= 0.85


def _check_classify_command(model: Path) -> None:
    photos = Path(__file__).resolve().parents[1] / "data" / "photos"
    lines = (
        '{"text": "Cáp Viettel đứt rơi xuống đường Lê Lợi"}\n'
        "not json\n"
        '{"text": "Quảng cáo hút hầm cầu 0905.123.456 dán cột điện"}\n'
        + json.dumps({"text": "giấy dán ở cột", "photos": [str(photos / "ad-drilling-2.jpg")]})
        + "\n"
        + json.dumps({"text": "cáp rối", "photos": [str(photos / "cables-labelled.jpg")]})
        + "\n"
        + json.dumps({"text": "x", "photos": ["/no/such/photo.jpg"]})
        + "\n"
    )
    result = runner.invoke(app, ["classify", "--model", str(model)], input=lines)
    assert result.exit_code == 0, result.output
    cable, ad, ad_photo, labelled = (json.loads(line) for line in result.stdout.splitlines())
    assert (ad_photo["category"], ad_photo["phones"]) == ("ad", ["+84333602405"])
    assert (labelled["category"], labelled["operator"]) == ("cable", "mobifone")
    assert "line 6: skipped" in result.stderr
    assert (cable["category"], cable["operator"], cable["priority"]) == (
        "cable",
        "viettel",
        "urgent",
    )
    assert (ad["category"], ad["subtype"], ad["phones"]) == ("ad", "septic", ["+84905123456"])
    assert "line 2: skipped" in result.stderr


@pytest.mark.parametrize(
    ("text", "operator"),
    [
        ("cáp quang VNPT võng thấp", "vnpt"),
        ("day cap fpt roi", "fpt-telecom"),
        ("Cáp truyền hình VTVcab rối", "vtvcab"),
        ("cáp SCTV và cáp Viettel chằng chịt", None),  # two operators: unknown
        ("dây cáp rối trên cột", None),
    ],
)
def test_operator_named_in_text(text: str, operator: str | None) -> None:
    assert operator_in(text, load_directory().label_patterns) == operator
