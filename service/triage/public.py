"""What the public may see of reports and their cases: the one place that decides it, for
every public surface (Open311, the portal's tracking page, /api/v1/track, status callbacks).

Published: the tracking code, the service (the case's category once known, else what the
citizen picked), the status, the ward, the times, the responsible unit, and a point snapped
to a grid of `precision_m` (never the point itself: it is often a photo's EXIF, where the
citizen stood). A note only when its author wrote it for the citizen. A report's own words
(description, address) only once an inspector marked that report publishable. Never the
reporter, never staff names.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from geoalchemy2.shape import to_shape
from sqlalchemy import Select, func, select
from sqlalchemy import case as sql_case
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import Session

from service.areas import service as area_service
from service.areas import svgmap
from service.areas.models import Ward
from service.areas.svgmap import Viewport
from service.cases.models import Case, CaseEvent
from service.geo import snap_to_grid
from service.reports.models import Report
from service.units.models import Unit

# "received" is the citizen's report reaching us; "new" is the case opened for it (a
# follow-up joins a case opened earlier).
STATUS_LABELS: dict[str, dict[str, str]] = {
    "vi": {
        "received": "Đã nhận phản ánh",
        "new": "Đã mở hồ sơ",
        "triaged": "Đã phân loại",
        "assigned": "Đã chuyển đơn vị xử lý",
        "in_progress": "Đang xử lý",
        "resolved": "Đã xử lý",
        "closed": "Đã đóng hồ sơ",
        "rejected": "Không thuộc thẩm quyền / từ chối",
        "reopened": "Đã mở lại hồ sơ",
    },
    "en": {
        "received": "Report received",
        "new": "Case opened",
        "triaged": "Triaged",
        "assigned": "Assigned",
        "in_progress": "In progress",
        "resolved": "Resolved",
        "closed": "Case closed",
        "rejected": "Not ours / rejected",
        "reopened": "Case reopened",
    },
}
CATEGORY_LABELS: dict[str, dict[str, str]] = {
    "vi": {"cable": "Cáp viễn thông", "ad": "Quảng cáo rao vặt", "other": "Khác"},
    "en": {"cable": "Telecom cable", "ad": "Classified ad", "other": "Other"},
}
OPEN_STATUSES = ("new", "triaged", "assigned", "in_progress", "reopened")
CLOSED_STATUSES = ("resolved", "closed", "rejected")


@dataclass(frozen=True, slots=True)
class PublicRequest:
    tracking_code: str
    status: str  # a case status, or "received" before the case exists
    category: str | None  # cable / ad / other once known (see known_category)
    category_hint: str | None  # what the citizen picked (Open311 service_code)
    ward_name: str | None
    requested_at: datetime
    updated_at: datetime
    expected_at: datetime | None
    agency: str | None  # the responsible unit (an organisation, never a person)
    status_notes: str | None  # the latest note written for the citizen
    lat: float | None  # snapped to the grid, never the reported point
    lon: float | None
    description: str | None  # the report's words: only once marked publishable
    address: str | None


@dataclass(frozen=True, slots=True)
class TimelineItem:
    at: datetime
    status: str
    note: str | None  # only a note written for the citizen


def list_requests(
    session: Session,
    *,
    precision_m: float,
    codes: Sequence[str] | None = None,
    category: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    open_or_closed: str | None = None,
    limit: int = 1000,
) -> list[PublicRequest]:
    stmt = _base()
    if codes is not None:
        stmt = stmt.where(Report.tracking_code.in_([c.strip().upper() for c in codes]))
    if category:
        stmt = stmt.where(_shown_category() == category)
    if since:
        stmt = stmt.where(Report.received_at >= since)
    if until:
        stmt = stmt.where(Report.received_at <= until)
    if open_or_closed == "open":
        stmt = stmt.where((Case.status.in_(OPEN_STATUSES)) | (Case.id.is_(None)))
    elif open_or_closed == "closed":
        stmt = stmt.where(Case.status.in_(CLOSED_STATUSES))
    rows: list[Any] = list(session.execute(stmt.order_by(Report.received_at.desc()).limit(limit)))
    case_ids = [row[1].id for row in rows if row[1] is not None]
    notes = _latest_public_notes(session, case_ids)
    return [_public(row[0], row[1], row[2], row[3], notes, precision_m) for row in rows]


def find_request(
    session: Session, *, tracking_code: str, precision_m: float
) -> PublicRequest | None:
    found = list_requests(session, precision_m=precision_m, codes=[tracking_code], limit=1)
    return found[0] if found else None


def timeline(session: Session, *, tracking_code: str) -> list[TimelineItem]:
    """The report's arrival and its case's public moves, oldest first (a follow-up's case
    was opened before the follow-up arrived)."""
    report = session.scalar(select(Report).where(Report.tracking_code == tracking_code.upper()))
    if report is None:
        return []
    items = [TimelineItem(report.received_at, "received", None)]
    if report.case_id is not None:
        events = session.scalars(
            select(CaseEvent)
            .where(
                CaseEvent.case_id == report.case_id,
                CaseEvent.is_public.is_(True),
                CaseEvent.to_status.is_not(None),
            )
            .order_by(CaseEvent.occurred_at, CaseEvent.id)
        )
        items += [TimelineItem(e.occurred_at, e.to_status or "", public_note(e)) for e in events]
    return sorted(items, key=lambda item: item.at)  # stable: arrival first on a tie


def public_note(event: CaseEvent) -> str | None:
    """The event's note if it was written for the citizen; internal notes never leave."""
    return event.note if event.is_public and event.note_is_public else None


def known_category(case: Case | None) -> str | None:
    """The case's category once it is known: classified, and not waiting for a person to
    check the classifier's guess."""
    if case is None or case.category == "unclassified" or case.manual_triage:
        return None
    return case.category


def _shown_category() -> Any:
    """SQL twin of known_category, falling back to the citizen's pick, then unclassified."""
    known = (Case.category != "unclassified") & Case.manual_triage.is_(False)
    hint = Report.payload["service_code"].astext
    return func.coalesce(sql_case((known, Case.category), else_=hint), "unclassified")


def _base() -> "Select[Report, Case, Unit, str]":
    return (
        select(Report, Case, Unit, Ward.name)
        .outerjoin(Case, Case.id == Report.case_id)
        .outerjoin(Unit, Unit.id == Case.owning_unit_id)
        .outerjoin(Ward, Ward.id == Case.ward_id)
    )


def _latest_public_notes(session: Session, case_ids: list[int]) -> dict[int, str]:
    if not case_ids:
        return {}
    rows = session.execute(
        select(CaseEvent.case_id, CaseEvent.note)
        .where(
            CaseEvent.case_id.in_(case_ids),
            CaseEvent.is_public.is_(True),
            CaseEvent.note_is_public.is_(True),
            CaseEvent.note.is_not(None),
        )
        .order_by(CaseEvent.case_id, CaseEvent.id.desc())
        .ext(distinct_on(CaseEvent.case_id))
    ).all()
    return {case_id: note for case_id, note in rows if note is not None}


def _rounded_point(geom: Any, precision_m: float) -> tuple[float | None, float | None]:
    if geom is None:
        return None, None
    shape = to_shape(geom)
    return snap_to_grid(lat=float(shape.y), lon=float(shape.x), metres=precision_m)


def _public(
    report: Report,
    case: Case | None,
    unit: Unit | None,
    ward_name: str | None,
    notes: dict[int, str],
    precision_m: float,
) -> PublicRequest:
    where = case.location if case is not None and case.location is not None else report.location
    lat, lon = _rounded_point(where, precision_m)
    hint = report.payload.get("service_code") if isinstance(report.payload, dict) else None
    words = report.is_publishable
    return PublicRequest(
        tracking_code=report.tracking_code,
        status=case.status if case is not None else "received",
        category=known_category(case),
        category_hint=str(hint) if hint else None,
        ward_name=ward_name,
        requested_at=report.received_at,
        updated_at=case.updated_at if case is not None else report.received_at,
        expected_at=case.due_at if case is not None else None,
        agency=unit.name if unit is not None else None,
        status_notes=notes.get(case.id) if case is not None else None,
        lat=lat,
        lon=lon,
        description=report.text if words else None,
        address=report.address_text if words else None,
    )


# ---------------------------------------------------------------- the public map
MAP_WIDTH_PX = 340  # fits a phone screen; a clicked pixel maps back to a point


def map_view(session: Session, *, zoom: int, center: tuple[float, float] | None) -> Viewport:
    """Zoom 0 shows every ward; each level halves the span around `center` (lat, lon)."""
    min_lon, min_lat, max_lon, max_lat = svgmap.wards_extent(session)
    span_lon, span_lat = (max_lon - min_lon) / 2**zoom, (max_lat - min_lat) / 2**zoom
    if center is None or zoom == 0:
        c_lat, c_lon = (min_lat + max_lat) / 2, (min_lon + max_lon) / 2
    else:
        c_lat, c_lon = center
    height = round(MAP_WIDTH_PX * span_lat / span_lon)
    return Viewport(
        c_lon - span_lon / 2,
        c_lat - span_lat / 2,
        c_lon + span_lon / 2,
        c_lat + span_lat / 2,
        MAP_WIDTH_PX,
        height,
    )


def render_map(
    session: Session,
    view: Viewport,
    *,
    marker: tuple[float, float] | None,
    transparent: bool = False,
) -> str:
    """The wards (outlines only when `transparent`, to lie over a tile layer) and a marker."""
    return svgmap.render_view(session, view, marker=marker, transparent=transparent)


def ward_name_at(session: Session, *, lat: float, lon: float, tolerance_m: float) -> str | None:
    match = area_service.locate_ward(session, lat=lat, lon=lon, tolerance_m=tolerance_m)
    return match.ward_name if match.match != "outside" else None
