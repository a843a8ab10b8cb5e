"""The classify step: a new case gets the model's category, subtype and priority, with the
model version and an audit event; unsure or model-less decisions go to manual triage."""

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from classifiers import text as text_model
from service.cases import service as case_service
from service.cases.models import Case, CaseEvent
from service.reports import service as report_service
from service.reports.service import IncomingReport
from service.triage import pipeline
from service.wiring import Runtime, load_text_model

CORPUS = Path(__file__).resolve().parents[3] / "classifiers" / "corpus" / "train.csv"


@pytest.fixture(scope="module")
def model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("model") / "text.joblib"
    examples = text_model.read_examples(CORPUS)
    text_model.train(examples, data_sha256=text_model.sha256_of([CORPUS])).save(path)
    return path


def _case(session: Session, runtime: Runtime, policy: pipeline.ProcessingPolicy, text: str) -> Case:
    incoming = IncomingReport(
        channel="api", text=text, raw_body=b"{}", raw_content_type="application/json", payload={}
    )
    accepted = pipeline.accept_report(
        session, incoming=incoming, blobs=runtime.blobs, limits=runtime.photo_limits
    )
    outcome = pipeline.process_report(session, report_id=accepted.report_id, policy=policy)
    case = session.get(Case, outcome.case_id)
    assert case is not None
    return case


def test_a_new_case_is_classified_with_its_evidence(
    db_session: Session, runtime: Runtime, model_path: Path
) -> None:
    policy = replace(runtime.policy, classifier=load_text_model(model_path))
    case = _case(db_session, runtime, policy, "Quảng cáo khoan cắt bê tông dán kín cột điện")
    assert (case.category, case.subtype, case.priority) == ("ad", "drilling", "normal")
    assert case.category_confidence is not None
    assert case.category_confidence >= 0.7
    assert not case.manual_triage
    assert case.model_version is not None
    assert case.model_version.startswith("text-")
    event = db_session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == "classified")
    ).one()
    assert event.before["category"] == "unclassified"
    assert event.after["model_version"] == case.model_version
    urgent = _case(db_session, runtime, policy, "Dây cáp quang đứt rơi ngang đường, rất nguy hiểm")
    assert (urgent.category, urgent.priority) == ("cable", "urgent")


def test_unsure_decisions_and_a_missing_model_go_to_manual_triage(
    db_session: Session, runtime: Runtime, model_path: Path
) -> None:
    unsure = replace(runtime.policy, classifier=load_text_model(model_path), min_confidence=1.01)
    assert _case(db_session, runtime, unsure, "cáp treo").manual_triage
    without = replace(runtime.policy, classifier=None)
    case = _case(db_session, runtime, without, "cáp treo")
    assert (case.category, case.manual_triage) == ("unclassified", True)


def test_an_ad_case_keeps_its_numbers_and_a_cable_case_its_operator(
    db_session: Session, runtime: Runtime, model_path: Path
) -> None:
    policy = replace(runtime.policy, classifier=load_text_model(model_path))
    ad = _case(
        db_session,
        runtime,
        policy,
        "Quảng cáo hút hầm cầu dán đầy cột điện, số 0905.123.456 và 09.14.22.23.33, "
        "dán ngày 12/03/2024 giá 1.500.000đ",
    )
    assert ad.category == "ad"
    report_ids = [r.id for r in case_service.list_case_reports(db_session, case_id=ad.id)]
    phones = report_service.phones_of(db_session, report_ids=report_ids)
    assert [(p.e164, p.carrier_hint, p.source) for p in phones] == [
        ("+84905123456", "mobifone", "text"),
        ("+84914222333", "vnpt", "text"),
    ]
    assert phones[0].raw == "0905.123.456"
    cable = _case(db_session, runtime, policy, "Cáp quang VNPT đứt rơi xuống đường")
    assert (cable.category, cable.operator_slug) == ("cable", "vnpt")
