"""What the public may see of reports and their cases (Open311, the portal's tracking page).
Never the reporter, never staff names; the report text only when the caller allows it."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from geoalchemy2.shape import to_shape
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import Session

from service.areas import service as area_service
from service.areas import svgmap
from service.areas.svgmap import Viewport
from service.cases.models import Case, CaseEvent
from service.reports.models import Report
from service.units.models import Unit

STATUS_LABELS: dict[str, dict[str, str]] = {
    "vi": {
        "received": "Đã nhận",
        "new": "Đã tiếp nhận",
        "triaged": "Đã phân loại",
        "assigned": "Đã chuyển đơn vị xử lý",
        "in_progress": "Đang xử lý",
        "resolved": "Đã xử lý",
        "closed": "Đã đóng",
        "rejected": "Không thuộc thẩm quyền / từ chối",
        "reopened": "Mở lại",
    },
    "en": {
        "received": "Received",
        "new": "Accepted",
        "triaged": "Triaged",
        "assigned": "Assigned",
        "in_progress": "In progress",
        "resolved": "Resolved",
        "closed": "Closed",
        "rejected": "Not ours / rejected",
        "reopened": "Reopened",
    },
}
OPEN_STATUSES = ("new", "triaged", "assigned", "in_progress", "reopened")
CLOSED_STATUSES = ("resolved", "closed", "rejected")


@dataclass(frozen=True, slots=True)
class PublicRequest:
    tracking_code: str
    channel: str
    status: str  # a case status, or "received" before the case exists
    category: str
    requested_at: datetime
    updated_at: datetime
    expected_at: datetime | None
    agency: str | None
    status_notes: str | None
    address: str | None
    lat: float | None
    lon: float | None
    text: str
    category_hint: str | None  # what the citizen picked (Open311 service_code)


@dataclass(frozen=True, slots=True)
class TimelineItem:
    at: datetime
    status: str
    note: str | None


def list_requests(
    session: Session,
    *,
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
        # The case's category once classified; until then what the citizen picked.
        unclassified = or_(Case.id.is_(None), Case.category == "unclassified")
        hinted = Report.payload["service_code"].astext == category
        stmt = stmt.where(or_(Case.category == category, and_(unclassified, hinted)))
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
    return [_public(row[0], row[1], row[2], notes) for row in rows]


def timeline(session: Session, *, tracking_code: str) -> list[TimelineItem]:
    report = session.scalar(select(Report).where(Report.tracking_code == tracking_code.upper()))
    if report is None:
        return []
    items = [TimelineItem(report.received_at, "received", None)]
    if report.case_id is not None:
        events = session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == report.case_id, CaseEvent.is_public.is_(True))
            .order_by(CaseEvent.id)
        )
        items += [TimelineItem(e.occurred_at, e.to_status, e.note) for e in events if e.to_status]
    return items


def _base() -> "Select[Report, Case, Unit]":
    return (
        select(Report, Case, Unit)
        .outerjoin(Case, Case.id == Report.case_id)
        .outerjoin(Unit, Unit.id == Case.owning_unit_id)
    )


def _latest_public_notes(session: Session, case_ids: list[int]) -> dict[int, str]:
    if not case_ids:
        return {}
    rows = session.execute(
        select(CaseEvent.case_id, CaseEvent.note)
        .where(
            CaseEvent.case_id.in_(case_ids),
            CaseEvent.is_public.is_(True),
            CaseEvent.note.is_not(None),
        )
        .order_by(CaseEvent.case_id, CaseEvent.id.desc())
        .ext(distinct_on(CaseEvent.case_id))
    ).all()
    return {case_id: note for case_id, note in rows if note is not None}


def _public(
    report: Report, case: Case | None, unit: Unit | None, notes: dict[int, str]
) -> PublicRequest:
    where = case.location if case is not None and case.location is not None else report.location
    lat = lon = None
    if where is not None:
        shape = to_shape(where)
        lat, lon = float(shape.y), float(shape.x)
    hint = report.payload.get("service_code") if isinstance(report.payload, dict) else None
    return PublicRequest(
        tracking_code=report.tracking_code,
        channel=report.channel,
        status=case.status if case is not None else "received",
        category=case.category if case is not None else "unclassified",
        requested_at=report.received_at,
        updated_at=case.updated_at if case is not None else report.received_at,
        expected_at=case.due_at if case is not None else None,
        agency=unit.name if unit is not None else None,
        status_notes=notes.get(case.id) if case is not None else None,
        address=report.address_text,
        lat=lat,
        lon=lon,
        text=report.text,
        category_hint=str(hint) if hint else None,
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
