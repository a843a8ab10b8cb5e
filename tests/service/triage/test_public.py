"""What the public may see: one place decides it (service/triage/public.py)."""

from datetime import UTC, datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from service.cases import service as case_service
from service.reports.models import Report
from service.reports.service import IncomingReport
from service.triage import pipeline, public
from service.wiring import Runtime
from tests.public_data import EXACT_LAT, EXACT_LON, sensitive_case


def _report(session: Session, runtime: Runtime, *, follow_up_of: str | None = None) -> int:
    incoming = IncomingReport(
        channel="api",
        text="Cáp treo võng thấp",
        raw_body=b"{}",
        raw_content_type="application/json",
        payload={},
        lat=16.45394,
        lon=107.58305,
        follow_up_of=follow_up_of,
    )
    accepted = pipeline.accept_report(
        session, incoming=incoming, blobs=runtime.blobs, limits=runtime.photo_limits
    )
    # Each report arrives in its own transaction: its time is when it arrived, not when
    # the test's transaction began.
    session.execute(
        update(Report).where(Report.id == accepted.report_id).values(received_at=datetime.now(UTC))
    )
    pipeline.process_report(session, report_id=accepted.report_id, policy=runtime.policy)
    session.flush()
    return accepted.report_id


def test_a_follow_ups_timeline_is_in_order_of_time(
    db_session: Session, bound_runtime: Runtime
) -> None:
    first = db_session.get(Report, _report(db_session, bound_runtime))
    assert first is not None
    assert first.case_id is not None
    case_service.apply_transition(
        db_session, case_id=first.case_id, target="triaged", actor="an", note=None
    )
    follow_up = db_session.get(
        Report, _report(db_session, bound_runtime, follow_up_of=first.tracking_code)
    )
    assert follow_up is not None
    assert follow_up.case_id == first.case_id
    items = public.timeline(db_session, tracking_code=follow_up.tracking_code)
    assert [i.status for i in items] == ["new", "triaged", "received"]
    assert [i.at for i in items] == sorted(i.at for i in items)
    mine = public.timeline(db_session, tracking_code=first.tracking_code)
    assert [i.status for i in mine] == ["received", "new", "triaged"]


def test_the_labels_say_what_happened_in_both_languages() -> None:
    vi, en = public.STATUS_LABELS["vi"], public.STATUS_LABELS["en"]
    assert (vi["received"], vi["new"]) == ("Đã nhận phản ánh", "Đã mở hồ sơ")
    assert (en["received"], en["new"]) == ("Report received", "Case opened")
    assert len(set(vi.values())) == len(vi)
    assert len(set(en.values())) == len(en)


def test_the_published_point_is_the_grid_cell_never_the_report_point(
    db_session: Session, bound_runtime: Runtime
) -> None:
    case = sensitive_case(db_session, bound_runtime)
    found = public.find_request(db_session, tracking_code=case.tracking_code, precision_m=100)
    assert found is not None
    assert (found.lat, found.lon) != (EXACT_LAT, EXACT_LON)
    assert abs(found.lat - EXACT_LAT) < 100 / 111_320  # type: ignore[operator]
    coarse = public.find_request(db_session, tracking_code=case.tracking_code, precision_m=1000)
    assert coarse is not None
    assert (coarse.lat, coarse.lon) != (found.lat, found.lon)
    assert (found.description, found.address) == (None, None)


def test_a_category_is_known_only_once_no_person_still_has_to_check_it(
    db_session: Session, bound_runtime: Runtime
) -> None:
    case = sensitive_case(db_session, bound_runtime, classify=None)  # no model: manual triage
    found = public.find_request(db_session, tracking_code=case.tracking_code, precision_m=100)
    assert found is not None
    assert found.category is None
    case_service.relabel(
        db_session, case_id=case.case_id, category="other", subtype=None, priority="normal",
        actor="an", note=None,
    )  # fmt: skip
    db_session.flush()
    found = public.find_request(db_session, tracking_code=case.tracking_code, precision_m=100)
    assert found is not None
    assert found.category == "other"
    assert public.list_requests(db_session, precision_m=100, category="other") == [found]
