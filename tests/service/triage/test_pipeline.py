from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.areas.models import Ward
from service.cases.models import Case, CaseEvent
from service.demo import jpeg_with_gps
from service.reports import service as report_service
from service.reports.models import Report
from service.reports.service import IncomingPhoto, IncomingReport
from service.triage import pipeline
from service.wiring import Runtime


def accept(session: Session, runtime: Runtime, **kw: Any) -> int:
    incoming = IncomingReport(
        channel=kw.pop("channel", "api"),
        text=kw.pop("text", "Cáp treo võng thấp"),
        raw_body=b"{}",
        raw_content_type="application/json",
        payload={},
        **kw,
    )
    accepted = report_service.accept_report(
        session, incoming=incoming, blobs=runtime.blobs, limits=runtime.photo_limits
    )
    return accepted.report_id


def process(session: Session, runtime: Runtime, report_id: int) -> Case:
    outcome = pipeline.process_report(session, report_id=report_id, policy=runtime.policy)
    assert outcome.case_id is not None
    case = session.get(Case, outcome.case_id)
    assert case is not None
    return case


@pytest.mark.parametrize(
    ("lat", "lon", "match", "ward_known"),
    [
        (16.45394, 107.58305, "inside", True),
        (16.52479, 107.71185, "approximate", True),
        (16.0544, 108.2022, "outside", False),
    ],
)
def test_process_report_opens_a_geotagged_case(
    db_session: Session, runtime: Runtime, lat: float, lon: float, match: str, ward_known: bool
) -> None:
    case = process(db_session, runtime, accept(db_session, runtime, lat=lat, lon=lon))
    assert case.status == "new"
    assert case.category == "unclassified"
    assert case.location_match == match
    assert (case.ward_id is not None) is ward_known
    assert case.owning_unit_id is not None
    assert case.due_at > case.created_at


def test_process_report_without_location_is_flagged_missing(
    db_session: Session, runtime: Runtime
) -> None:
    case = process(db_session, runtime, accept(db_session, runtime))
    assert case.location_match == "missing"
    assert case.location is None
    assert case.ward_id is None


def test_process_report_falls_back_to_photo_exif(db_session: Session, runtime: Runtime) -> None:
    photos = (
        IncomingPhoto(jpeg_with_gps(lat=None, lon=None)),
        IncomingPhoto(jpeg_with_gps(lat=16.47461, lon=107.60998)),
    )
    report_id = accept(db_session, runtime, photos=photos)
    case = process(db_session, runtime, report_id)
    assert case.location_match == "inside"
    report = report_service.get_report(db_session, report_id=report_id)
    assert report.location_source == "photo_exif"


def test_sent_coordinates_win_over_exif(db_session: Session, runtime: Runtime) -> None:
    photos = (IncomingPhoto(jpeg_with_gps(lat=16.0544, lon=108.2022)),)
    report_id = accept(db_session, runtime, lat=16.45394, lon=107.58305, photos=photos)
    assert process(db_session, runtime, report_id).location_match == "inside"


def test_process_report_twice_opens_one_case(db_session: Session, runtime: Runtime) -> None:
    report_id = accept(db_session, runtime, lat=16.45394, lon=107.58305)
    first = pipeline.process_report(db_session, report_id=report_id, policy=runtime.policy)
    again = pipeline.process_report(db_session, report_id=report_id, policy=runtime.policy)
    assert again.already_processed
    assert again.case_id == first.case_id
    assert db_session.scalar(select(func.count()).select_from(Case)) == 1
    opened = db_session.scalars(select(CaseEvent).where(CaseEvent.action == "opened")).all()
    assert len(opened) == 1


def test_reports_in_the_same_thread_share_a_case(db_session: Session, runtime: Runtime) -> None:
    first = process(
        db_session, runtime, accept(db_session, runtime, channel="email", thread_id="<m1@x>")
    )
    reply = process(
        db_session,
        runtime,
        accept(db_session, runtime, channel="email", thread_id="<m1@x>", text="Vẫn chưa sửa"),
    )
    other_channel = process(
        db_session, runtime, accept(db_session, runtime, channel="hue-s", thread_id="<m1@x>")
    )
    assert reply.id == first.id
    assert other_channel.id != first.id
    assert "van chua sua" in reply.search_text


def test_a_ward_named_in_the_text_locates_a_report_without_coordinates(
    db_session: Session, runtime: Runtime
) -> None:
    report_id = accept(db_session, runtime, text="Cáp treo võng thấp ở phường Vỹ Dạ, gần cầu")
    case = process(db_session, runtime, report_id)
    assert case.location_match == "named"
    ward = db_session.get(Ward, case.ward_id)
    assert ward is not None
    assert ward.name == "Vỹ Dạ"
    report = db_session.get(Report, report_id)
    assert report is not None
    assert report.location_source == "address"
    assert report.location_accuracy_m is not None
    assert report.location_accuracy_m > 300  # as precise as a ward is large


def test_a_former_unit_in_the_address_names_its_new_ward(
    db_session: Session, runtime: Runtime
) -> None:
    report_id = accept(
        db_session, runtime, text="Dây cáp rối", address="thôn 3, xã Hồng Thủy, huyện A Lưới"
    )
    case = process(db_session, runtime, report_id)
    assert case.location_match == "named"
    assert db_session.get(Ward, case.ward_id).name == "A Lưới 1"  # type: ignore[union-attr]


def test_an_ambiguous_or_absent_place_leaves_the_location_missing(
    db_session: Session, runtime: Runtime
) -> None:
    report_id = accept(db_session, runtime, text="cap treo o thuan hoa")  # Hóa or Hòa?
    assert process(db_session, runtime, report_id).location_match == "missing"
