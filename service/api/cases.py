"""The inspectors' case queue."""

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse
from sqlalchemy import select

from service.api.deps import InspectorDep, RoutingPolicyDep, RuntimeDep, SessionDep
from service.api.problems import PROBLEM_RESPONSES
from service.api.routing_schemas import CaseTicketRead, RoutingRead, TicketRef
from service.api.schemas import (
    CaseDetail,
    CaseEventRead,
    CasePage,
    CaseRead,
    ClassificationRequest,
    LatLon,
    OcrLineRead,
    PhoneRead,
    PhotoRead,
    PhotoReadingRead,
    PublicationRequest,
    ReportRead,
    TransitionRequest,
    WardRef,
)
from service.areas.models import Ward
from service.cases import queries
from service.cases import service as case_service
from service.cases.models import Case
from service.cases.workflow import allowed_targets
from service.errors import InvalidRequest, NotFound
from service.inputs import QueryDatetime
from service.reports import service as report_service
from service.reports.models import Photo, Report
from service.reports.photos import sniff_mime
from service.routing import queries as routing_queries
from service.routing import service as routing_service
from service.routing.models import RoutingDecision
from service.triage import pipeline
from service.triage.photos import analyses_of
from service.units.models import Unit

router = APIRouter(prefix="/api/v1", tags=["inspectors"], responses=PROBLEM_RESPONSES)


def _latlon(geom: object) -> LatLon | None:
    found = report_service.lat_lon(geom)
    return LatLon(lat=found[0], lon=found[1]) if found else None


class _Names:
    """Ward and unit names for a page of cases, read once."""

    def __init__(self, session: SessionDep) -> None:
        self.wards = {
            w.id: WardRef(code=w.code, name=w.name)
            for w in session.execute(select(Ward.id, Ward.code, Ward.name))
        }
        self.units = {uid: slug for uid, slug in session.execute(select(Unit.id, Unit.slug))}

    def case(self, case: Case) -> CaseRead:
        return CaseRead(
            id=case.id,
            category=case.category,
            subtype=case.subtype,
            category_confidence=case.category_confidence,
            model_version=case.model_version,
            manual_triage=case.manual_triage,
            operator=case.operator_slug,
            status=case.status,
            priority=case.priority,
            ward=self.wards.get(case.ward_id) if case.ward_id else None,
            location=_latlon(case.location),
            location_match=case.location_match,
            distance_to_ward_m=case.distance_to_ward_m,
            owning_unit=self.units.get(case.owning_unit_id) if case.owning_unit_id else None,
            due_at=case.due_at,
            created_at=case.created_at,
            updated_at=case.updated_at,
            allowed_transitions=sorted(allowed_targets(case.status)),
        )


def _parse_floats(raw: str, count: int, name: str) -> list[float]:
    try:
        values = [float(v) for v in raw.split(",")]
    except ValueError:
        values = []
    if len(values) != count or any(v != v or abs(v) == float("inf") for v in values):
        raise InvalidRequest(
            f"{name} needs {count} comma-separated numbers.",
            errors=[{"parameter": name, "detail": f"{count} numbers"}],
        )
    return values


def _near(near: str | None, radius_m: float) -> queries.Near | None:
    if near is None:
        return None
    lat, lon = _parse_floats(near, 2, "near")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidRequest(
            "near is lat,lon in degrees.",
            errors=[{"parameter": "near", "detail": "lat,lon out of range"}],
        )
    return queries.Near(lat=lat, lon=lon, radius_m=radius_m)


def _bbox(bbox: str | None) -> queries.BBox | None:
    if bbox is None:
        return None
    min_lon, min_lat, max_lon, max_lat = _parse_floats(bbox, 4, "bbox")
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise InvalidRequest(
            "bbox is min_lon,min_lat,max_lon,max_lat.",
            errors=[{"parameter": "bbox", "detail": "corners out of order"}],
        )
    return queries.BBox(min_lon, min_lat, max_lon, max_lat)


@router.get("/cases", response_model=CasePage, summary="The case queue, filtered and paged")
def list_cases(
    session: SessionDep,
    staff: InspectorDep,
    status: Annotated[list[str] | None, Query(description="repeat for several")] = None,
    category: Annotated[list[str] | None, Query()] = None,
    ward: Annotated[str | None, Query(description="ward code", max_length=16)] = None,
    location_match: Annotated[
        str | None, Query(pattern="^(inside|approximate|outside|named|missing)$")
    ] = None,
    near: Annotated[str | None, Query(description="lat,lon", max_length=60)] = None,
    radius_m: Annotated[float, Query(gt=0, le=50_000)] = 500.0,
    bbox: Annotated[
        str | None, Query(description="min_lon,min_lat,max_lon,max_lat", max_length=120)
    ] = None,
    created_from: QueryDatetime | None = None,
    created_to: QueryDatetime | None = None,
    q: Annotated[str | None, Query(max_length=200, description="free text")] = None,
    sort: queries.SortKey = "-created_at",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> CasePage:
    filters = queries.CaseFilter(
        statuses=tuple(status or ()),
        categories=tuple(category or ()),
        ward_code=ward,
        location_match=location_match,
        near=_near(near, radius_m),
        bbox=_bbox(bbox),
        created_from=created_from,
        created_to=created_to,
        text=q,
    )
    page = queries.list_cases(session, filters=filters, sort=sort, limit=limit, cursor=cursor)
    names = _Names(session)
    return CasePage(items=[names.case(c) for c in page.cases], next_cursor=page.next_cursor)


def _report(report: Report, readings: dict[str, PhotoReadingRead]) -> ReportRead:
    return ReportRead(
        id=report.id,
        channel=report.channel,
        received_at=report.received_at,
        text=report.text,
        address=report.address_text,
        location=_latlon(report.location),
        location_source=report.location_source,
        location_accuracy_m=report.location_accuracy_m,
        is_publishable=report.is_publishable,
        photos=[
            PhotoRead(
                id=p.id,
                url=f"/api/v1/photos/{p.id}",
                mime_type=p.mime_type,
                width=p.width,
                height=p.height,
                size_bytes=p.size_bytes,
                sha256=p.sha256,
                exif_location=_latlon(p.exif_location),
                exif_taken_at=p.exif_taken_at,
                reading=readings.get(p.sha256),
            )
            for p in report.photos
        ],
    )


def _detail(session: SessionDep, case: Case) -> CaseDetail:
    base = _Names(session).case(case)
    reports = case_service.list_case_reports(session, case_id=case.id)
    events = [CaseEventRead.model_validate(e, from_attributes=True) for e in case.events]
    phones = report_service.phones_of(session, report_ids=[r.id for r in reports])
    readings = {
        a.sha256: PhotoReadingRead(
            engine=a.reading.engine,
            seconds=a.reading.seconds,
            lines=[OcrLineRead(**line.as_dict()) for line in a.reading.lines],
        )
        for a in analyses_of(session, [p for r in reports for p in r.photos])
    }
    decision = routing_queries.latest_decision(session, case_id=case.id)
    return CaseDetail(
        **base.model_dump(),
        reports=[_report(r, readings) for r in reports],
        events=events,
        phones=[PhoneRead.model_validate(p, from_attributes=True) for p in phones],
        routing=_routing(decision) if decision else None,
        tickets=[
            _case_ticket(session, row)
            for row in routing_queries.tickets_of_case(session, case_id=case.id)
        ],
    )


def _routing(decision: RoutingDecision) -> RoutingRead:
    return RoutingRead(
        rule=decision.rule,
        reason=decision.reason,
        track=decision.track,
        table_version=decision.table_version,
        decided_at=decision.decided_at,
        skipped=list(decision.facts.get("skipped", [])),
    )


def _case_ticket(session: SessionDep, row: routing_queries.TicketRow) -> CaseTicketRead:
    photos = routing_queries.answer_photos(session, ticket_id=row.ticket.id)
    return CaseTicketRead(
        **ticket_ref(row).model_dump(),
        after_photos=[f"/api/v1/tickets/{row.ticket.id}/photos/{sha}" for sha in photos],
    )


@router.get(
    "/tickets/{ticket_id}/photos/{sha256}",
    response_class=FileResponse,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}}},
    summary="A photo a unit sent with its answer to a ticket (for the owning unit to verify)",
)
def get_ticket_photo(
    ticket_id: int, sha256: str, session: SessionDep, runtime: RuntimeDep, staff: InspectorDep
) -> FileResponse:
    if sha256 not in routing_queries.answer_photos(session, ticket_id=ticket_id):
        raise NotFound(f"Ticket {ticket_id} has no photo {sha256[:12]}.")
    path = runtime.blobs.path_for(sha256)
    mime = (sniff_mime(path.read_bytes()[:16]) or ("image/jpeg", ""))[0]
    return FileResponse(path, media_type=mime)


def ticket_ref(row: routing_queries.TicketRow) -> TicketRef:
    t = row.ticket
    return TicketRef(
        id=t.id, unit=row.unit, kind=t.kind, status=t.status, due_at=t.due_at,
        phones=list(t.phones), reason=t.reason,
    )  # fmt: skip


@router.get(
    "/cases/{case_id}",
    response_model=CaseDetail,
    summary="A case with its reports, photos and history",
)
def get_case(case_id: int, session: SessionDep, staff: InspectorDep) -> CaseDetail:
    return _detail(session, case_service.get_case(session, case_id=case_id))


@router.post(
    "/cases/{case_id}/transitions",
    response_model=CaseDetail,
    summary="Move a case through its workflow (illegal moves answer 409)",
)
def transition_case(
    case_id: int, body: TransitionRequest, session: SessionDep, staff: InspectorDep
) -> CaseDetail:
    case_service.apply_transition(
        session,
        case_id=case_id,
        target=body.to,
        actor=staff.name,
        note=body.note,
        note_is_public=body.public,
    )
    session.expire_all()
    return _detail(session, case_service.get_case(session, case_id=case_id))


@router.post(
    "/cases/{case_id}/classification",
    response_model=CaseDetail,
    summary="An inspector sets the category, subtype and priority (kept for retraining)",
)
def relabel_case(
    case_id: int,
    body: ClassificationRequest,
    session: SessionDep,
    staff: InspectorDep,
    routing: RoutingPolicyDep,
    runtime: RuntimeDep,
) -> CaseDetail:
    """The label replaces the model's and the case is routed again: tickets that no longer
    apply are cancelled with the reason, the ones the new label needs are opened."""
    case_service.relabel(
        session,
        case_id=case_id,
        category=body.category,
        subtype=body.subtype,
        priority=body.priority,
        actor=staff.name,
        note=body.note,
    )
    pipeline.refresh_evidence(session, case_id=case_id, policy=runtime.policy)
    routing_service.route_case(
        session,
        case_id=case_id,
        policy=routing,
        actor=staff.name,
        why=f"Relabelled by {staff.name}.",
    )
    session.expire_all()
    return _detail(session, case_service.get_case(session, case_id=case_id))


@router.post(
    "/cases/{case_id}/reports/{report_id}/publication",
    response_model=CaseDetail,
    summary="An inspector allows (or withdraws) a report's own words on public surfaces",
)
def set_publication(
    case_id: int,
    report_id: int,
    body: PublicationRequest,
    session: SessionDep,
    staff: InspectorDep,
) -> CaseDetail:
    case_service.set_report_publication(
        session,
        case_id=case_id,
        report_id=report_id,
        publishable=body.publishable,
        actor=staff.name,
        note=body.note,
    )
    session.expire_all()
    return _detail(session, case_service.get_case(session, case_id=case_id))


@router.get(
    "/photos/{photo_id}",
    response_class=FileResponse,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}}},
    summary="A report photo",
)
def get_photo(
    photo_id: int, session: SessionDep, runtime: RuntimeDep, staff: InspectorDep
) -> FileResponse:
    photo = session.get(Photo, photo_id)
    if photo is None:
        raise NotFound(f"Photo {photo_id} does not exist.")
    return FileResponse(runtime.blobs.path_for(photo.sha256), media_type=photo.mime_type)
