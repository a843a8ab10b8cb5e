"""End to end: a report with an ad photo becomes an `ad` case carrying the numbers read off the
photo (photo, box and text as read), the OCR lines, and the evidence of the decision; a cable
report with a labelled cable gets the label's operator. Photos are read once per content."""

import base64
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from classifiers import text as text_model
from classifiers.corpus.compose_photos import read_photo_features
from classifiers.ocr import shared_reader
from service.reports.models import PhotoAnalysis
from service.triage import photos, pipeline
from service.wiring import Runtime, load_text_model
from tests.conftest import ADMIN, report_json

CORPUS = Path(__file__).resolve().parents[3] / "classifiers" / "corpus"
PHOTOS = Path(__file__).resolve().parents[2] / "data" / "photos"
TRUTH = json.loads((PHOTOS / "truth.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("model") / "text.joblib"
    examples = text_model.read_examples(CORPUS / "train.csv")
    text_model.train(
        examples, data_sha256="test", photos=read_photo_features(CORPUS / "photo_train.csv")
    ).save(path)
    return path


Submit = Callable[[str, str], dict[str, Any]]


@pytest.fixture
def submit(
    client: TestClient, bound_runtime: Runtime, db_session: Session, model_path: Path
) -> Submit:
    """Post a report with one committed photo, read it, process it: the case detail."""

    def run(text: str, photo: str) -> dict[str, Any]:
        body = report_json(text=text, photos=[_photo(photo)])
        r = client.post("/api/v1/reports", json=body)
        assert r.status_code == 202, r.text
        report_id = r.json()["report_id"]
        photos.analyse_report_photos(
            bound_runtime.session_factory,
            report_id=report_id,
            blobs=bound_runtime.blobs,
            reader=shared_reader,
        )
        policy = replace(bound_runtime.policy, classifier=load_text_model(model_path))
        outcome = pipeline.process_report(db_session, report_id=report_id, policy=policy)
        detail = client.get(f"/api/v1/cases/{outcome.case_id}", headers=ADMIN)
        assert detail.status_code == 200, detail.text
        return dict(detail.json())

    return run


def _photo(name: str) -> dict[str, str]:
    data = (PHOTOS / name).read_bytes()
    return {"filename": name, "content_base64": base64.b64encode(data).decode()}


def test_an_ad_photo_becomes_an_ad_case_with_its_numbers_and_evidence(submit: Submit) -> None:
    case = submit("Có giấy dán trên cột trước nhà, nhờ xử lý", "ad-jobs-3.jpg")
    assert case["category"] == "ad"
    assert case["subtype"] == "jobs"  # the trade is read off the photo: "TUYỂN LAO ĐỘNG"
    numbers = {p["e164"]: p for p in case["phones"]}
    assert set(numbers) == set(TRUTH["ad-jobs-3.jpg"]["numbers"])
    reading = case["reports"][0]["photos"][0]["reading"]
    assert reading["engine"].startswith("rapidocr-")
    for phone in numbers.values():
        assert phone["source"].startswith("photo:1/box:")
        box = int(phone["source"].split("box:")[1].split("+")[0])
        line = reading["lines"][box - 1]
        assert len(line["box"]) == 4
        assert line["score"] >= 0.6
        assert phone["raw"].split("\n")[0] in line["text"]
    classified = next(e for e in case["events"] if e["action"] == "classified")
    evidence = classified["after"]["evidence"]
    assert evidence["photos"]["ad"] > 0.5
    assert evidence["manual_reason"] is None
    assert set(evidence["text"]) == {"cable", "ad", "other"}
    assert classified["after"]["model_version"].endswith("+photo")


def test_a_labelled_cable_names_its_operator(submit: Submit) -> None:
    case = submit("Cáp viễn thông chằng chịt, võng thấp trên đường", "cables-labelled.jpg")
    assert case["category"] == "cable"
    assert case["operator"] == TRUTH["cables-labelled.jpg"]["operator"]
    assert case["phones"] == []


def test_a_photo_is_read_once_whatever_reports_carry_it(
    client: TestClient, bound_runtime: Runtime, db_session: Session
) -> None:
    ids = []
    for n in range(2):
        body = report_json(text=f"Quảng cáo dán cột {n}", photos=[_photo("ad-moving-1.jpg")])
        r = client.post("/api/v1/reports", json=body)
        ids.append(r.json()["report_id"])
    read = [
        photos.analyse_report_photos(
            bound_runtime.session_factory,
            report_id=i,
            blobs=bound_runtime.blobs,
            reader=shared_reader,
        )
        for i in ids
    ]
    assert read == [1, 0]
    count = db_session.scalar(select(func.count()).select_from(PhotoAnalysis))
    assert count == 1


def test_a_photo_that_cannot_be_read_does_not_hold_its_report_up(
    client: TestClient, bound_runtime: Runtime, db_session: Session
) -> None:
    def broken_reader() -> Any:
        raise RuntimeError("onnxruntime: no such model")

    r = client.post(
        "/api/v1/reports",
        json=report_json(text="Quảng cáo dán cột", photos=[_photo("ad-moving-1.jpg")]),
    )
    report_id = r.json()["report_id"]
    read = photos.analyse_report_photos(
        bound_runtime.session_factory,
        report_id=report_id,
        blobs=bound_runtime.blobs,
        reader=broken_reader,
    )
    assert read == 0
    outcome = pipeline.process_report(db_session, report_id=report_id, policy=bound_runtime.policy)
    assert outcome.case_id is not None
