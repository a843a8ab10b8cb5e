"""The photo model and its join with the text: what a photo shows moves the decision, a photo
that clearly contradicts the text disputes it, and the text alone decides without photos."""

import json
from pathlib import Path

import pytest

from classifiers import text as text_model
from classifiers.corpus.compose_photos import read_photo_features, read_text_rules
from classifiers.fusion import expected_calibration_error
from classifiers.ocr import open_image, shared_reader
from classifiers.photo import FEATURES, measure
from service.operators.directory import load_directory

CORPUS = Path(__file__).resolve().parents[2] / "classifiers" / "corpus"
PHOTOS = Path(__file__).resolve().parents[1] / "data" / "photos"


@pytest.fixture(scope="module")
def model() -> text_model.TextModel:
    examples = text_model.read_examples(CORPUS / "train.csv")
    photos = read_photo_features(CORPUS / "photo_train.csv")
    return text_model.train(examples, data_sha256="test", photos=photos)


@pytest.fixture(scope="module")
def features() -> dict[str, dict[str, float]]:
    out = {}
    operators = load_directory()
    for name in ("cables-labelled.jpg", "power-lines.jpg", "ad-moving-1.jpg"):
        image = open_image((PHOTOS / name).read_bytes())
        out[name] = measure(
            image,
            shared_reader().read(image),
            plan=operators.number_plan,
            patterns=operators.label_patterns,
        )
    return out


def test_features_are_all_measured(features: dict[str, dict[str, float]]) -> None:
    for row in features.values():
        assert set(row) == set(FEATURES)
    assert features["ad-moving-1.jpg"]["phones"] == 1.0
    assert features["cables-labelled.jpg"]["operator_label"] == 1.0
    assert features["cables-labelled.jpg"]["long_lines"] > features["ad-moving-1.jpg"]["long_lines"]


def test_the_photo_model_tells_the_scenes_apart(
    model: text_model.TextModel, features: dict[str, dict[str, float]]
) -> None:
    assert model.photo is not None
    scenes = {name: model.photo.judge(row).scenes for name, row in features.items()}
    assert max(scenes["cables-labelled.jpg"], key=scenes["cables-labelled.jpg"].get) == (
        "telecom_cable"
    )
    assert max(scenes["ad-moving-1.jpg"], key=scenes["ad-moving-1.jpg"].get) == "ad"
    power = model.photo.judge(features["power-lines.jpg"])
    assert power.categories["other"] > 0.8  # power lines are out of scope
    held_out_rows, held_out_scenes = read_photo_features(CORPUS / "photo_eval.csv")
    verdicts = model.photo.judge_many(held_out_rows)
    right = sum(
        max(v.scenes, key=v.scenes.__getitem__) == s
        for v, s in zip(verdicts, held_out_scenes, strict=True)
    )
    assert right / len(verdicts) >= 0.9


def test_a_photo_moves_an_unsure_text(
    model: text_model.TextModel, features: dict[str, dict[str, float]]
) -> None:
    vague = "có cái này trên cột, nhờ xem giúp"
    alone = model.decide(vague)
    with_ad = model.decide_with_photos(vague, [features["ad-moving-1.jpg"]])
    with_cables = model.decide_with_photos(vague, [features["cables-labelled.jpg"]])
    assert (with_ad.category, with_cables.category) == ("ad", "cable")
    assert with_ad.text_probabilities == alone.probabilities
    assert with_cables.subtype is not None  # a cable subtype, from the text model
    assert with_ad.evidence()["photos"]["ad"] > 0.5


def test_power_lines_dispute_a_cable_reading_of_dien(
    model: text_model.TextModel, features: dict[str, dict[str, float]]
) -> None:
    text = "Dây điện võng thấp trước nhà, nguy hiểm"
    telecom = model.decide_with_photos(text, [features["cables-labelled.jpg"]])
    power = model.decide_with_photos(text, [features["power-lines.jpg"]])
    assert telecom.category == "cable"
    assert not telecom.disputed
    assert power.disputed or power.category == "other"
    assert power.confidence < telecom.confidence
    assert power.confidence < 0.95  # text and photo disagree: no near-certainty
    assert json.dumps(power.evidence())  # recorded on the case as it is


def test_without_photos_the_text_decides_alone(model: text_model.TextModel) -> None:
    text = "Quảng cáo hút hầm cầu dán kín cột điện"
    assert model.decide_with_photos(text, []) == model.decide(text)


def test_the_join_never_sharpens_the_text(model: text_model.TextModel) -> None:
    assert model.fusion is not None
    assert 0 < model.fusion.text_weight <= 1.0
    assert model.fusion.photo_weight > 0


def test_calibration_error() -> None:
    assert expected_calibration_error([0.9, 0.9], [True, True]) == pytest.approx(0.1)
    assert expected_calibration_error([], []) == 0.0


def test_the_corpus_command_reads_the_same_plan_as_the_service() -> None:
    rules, operators = read_text_rules(), load_directory()
    assert dict(rules.plan.mobile) == dict(operators.number_plan.mobile)
    assert rules.plan.area_code == operators.number_plan.area_code
    assert rules.plan.former_area_codes == operators.number_plan.former_area_codes
    assert dict(rules.plan.service_prefixes) == dict(operators.number_plan.service_prefixes)
    assert rules.patterns == operators.label_patterns
