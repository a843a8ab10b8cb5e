"""A report full of what the public must never see, and a check that an answer shows none of it.

Every public surface's test (Open311 .json/.xml, /api/v1/track, the portal's tracking page,
the Hue-S callback body) builds this case and runs `assert_nothing_private` on its answer.
"""

from dataclasses import dataclass

from sqlalchemy.orm import Session

from service.cases import service as case_service
from service.geo import snap_to_grid
from service.reports.service import IncomingReport
from service.triage import pipeline
from service.wiring import Runtime

# Six decimals: a phone's GPS or a photo's EXIF, where the citizen stood (Thuận Hóa).
EXACT_LAT, EXACT_LON = 16.453941, 107.583052
DESCRIPTION = "Cáp treo võng thấp trước nhà ông Nguyễn Văn Tâm, gọi 0905123456"
ADDRESS = "nhà bà Lan 0905777888, 12 Lê Lợi"
REPORTER = {"name": "Trần Thị Bích", "phone": "0914222333", "email": "bich@example.vn"}
INSPECTOR = "Lê Minh Khoa"
INTERNAL_NOTE = "Chủ nhà hay gây khó dễ, gọi trước khi đến"
PUBLIC_NOTE = "Đã chuyển doanh nghiệp viễn thông xử lý"

NEVER_PUBLIC = (
    "Nguyễn Văn Tâm",
    "0905123456",
    "bà Lan",
    "0905777888",
    "Lê Lợi",
    *REPORTER.values(),
    INSPECTOR,
    INTERNAL_NOTE,
    f"{EXACT_LAT}",
    f"{EXACT_LON}",
    "16.45394",  # not even the exact point cut to five decimals
    "107.58305",
)


@dataclass(frozen=True, slots=True)
class SensitiveCase:
    report_id: int
    case_id: int
    tracking_code: str
    public_lat: float
    public_lon: float


def sensitive_case(
    session: Session, runtime: Runtime, *, channel: str = "hue-s", classify: str | None = "cable"
) -> SensitiveCase:
    """Received, opened, triaged with an internal note, assigned with a public note; the
    category set by an inspector (so it is known) unless `classify` is None."""
    incoming = IncomingReport(
        channel=channel,
        text=DESCRIPTION,
        raw_body=b"{}",
        raw_content_type="application/json",
        payload={},
        external_id="evt-privacy-1",
        thread_id="PA-privacy-1",
        address=ADDRESS,
        lat=EXACT_LAT,
        lon=EXACT_LON,
        accuracy_m=5,
        location_source="device_gps",
        reporter_name=REPORTER["name"],
        reporter_phone=REPORTER["phone"],
        reporter_email=REPORTER["email"],
    )
    accepted = pipeline.accept_report(
        session, incoming=incoming, blobs=runtime.blobs, limits=runtime.photo_limits
    )
    outcome = pipeline.process_report(session, report_id=accepted.report_id, policy=runtime.policy)
    assert outcome.case_id is not None
    case_id = outcome.case_id
    if classify is not None:
        case_service.relabel(
            session,
            case_id=case_id,
            category=classify,
            subtype={"cable": "low_or_sagging", "ad": "drilling"}.get(classify),
            priority="urgent",
            actor=INSPECTOR,
            note=INTERNAL_NOTE,
        )
    case_service.apply_transition(
        session, case_id=case_id, target="triaged", actor=INSPECTOR, note=INTERNAL_NOTE
    )
    case_service.apply_transition(
        session,
        case_id=case_id,
        target="assigned",
        actor=INSPECTOR,
        note=PUBLIC_NOTE,
        note_is_public=True,
    )
    # A later internal note on a public move must not replace the public one either.
    case_service.apply_transition(
        session, case_id=case_id, target="in_progress", actor=INSPECTOR, note=INTERNAL_NOTE
    )
    session.flush()
    lat, lon = snap_to_grid(
        lat=EXACT_LAT, lon=EXACT_LON, metres=runtime.settings.public_location_precision_m
    )
    return SensitiveCase(accepted.report_id, case_id, accepted.tracking_code, lat, lon)


def assert_nothing_private(answer: str) -> None:
    leaked = [secret for secret in NEVER_PUBLIC if secret in answer]
    assert leaked == [], f"published: {leaked}"
    assert "trước nhà ông" not in answer  # the description's words
