"""The operators' side: each unit (a telecom operator, a ward committee, the power company)
reads and answers its own tickets. What a unit sees of a case never names the reporter:
the words an inspector released, the place to about ten metres, photos without metadata."""

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from service.api.cases import ticket_ref
from service.api.deps import OperatorDep, RoutingPolicyDep, RuntimeDep, SessionDep
from service.api.intake_body import read_capped_body, read_form
from service.api.problems import PROBLEM_RESPONSES, invalid_request
from service.api.routing_schemas import (
    OperatorCaseRead,
    OperatorPhotoRead,
    OperatorTicketDetail,
    OperatorTicketPage,
    OperatorTicketRead,
    PlaceRead,
    TicketEventRead,
    TicketKind,
    TicketStatus,
    TicketTransitionRequest,
)
from service.areas.models import Ward
from service.cases import service as case_service
from service.errors import (
    InvalidPhoto,
    InvalidRequest,
    MalformedBody,
    NotFound,
    UnsupportedMediaType,
)
from service.reports import service as report_service
from service.reports.models import Photo, Report
from service.reports.photos import PhotoRejected, inspect_photo, without_metadata
from service.routing import answers
from service.routing import queries as routing_queries
from service.routing import tickets as machine
from service.routing.delivery import PLACE_DECIMALS, UNIT_ACTOR_SUFFIX
from service.routing.models import Ticket
from service.units.models import Unit
from service.wiring import Runtime

router = APIRouter(prefix="/api/v1/operator", tags=["operators"], responses=PROBLEM_RESPONSES)

MAX_AFTER_PHOTOS = 4


def _read(ticket: Ticket, slug: str) -> OperatorTicketRead:
    ref = ticket_ref(routing_queries.TicketRow(ticket, slug))
    return OperatorTicketRead(
        **ref.model_dump(),
        case_id=ticket.case_id,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
    )


@router.get("/tickets", response_model=OperatorTicketPage, summary="Your unit's tickets")
def list_tickets(
    session: SessionDep,
    staff: OperatorDep,
    status: Annotated[list[TicketStatus] | None, Query(description="repeat for several")] = None,
    kind: Annotated[list[TicketKind] | None, Query(description="repeat for several")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> OperatorTicketPage:
    page = routing_queries.unit_tickets(
        session,
        unit_id=staff.unit_id,
        statuses=tuple(status or ()),
        kinds=tuple(kind or ()),
        limit=limit,
        cursor=cursor,
    )
    slug = session.get_one(Unit, staff.unit_id).slug
    return OperatorTicketPage(
        items=[_read(t, slug) for t in page.tickets], next_cursor=page.next_cursor
    )


def _detail(session: Session, ticket: Ticket) -> OperatorTicketDetail:
    slug = session.get_one(Unit, ticket.unit_id).slug
    case = case_service.get_case(session, case_id=ticket.case_id)
    reports = case_service.list_case_reports(session, case_id=case.id)
    ward = session.get(Ward, case.ward_id) if case.ward_id else None
    at = report_service.lat_lon(case.location)
    place = PlaceRead(
        ward_code=ward.code if ward else None,
        ward_name=ward.name if ward else None,
        lat=round(at[0], PLACE_DECIMALS) if at else None,
        lon=round(at[1], PLACE_DECIMALS) if at else None,
    )
    released = [r.text for r in reports if r.is_publishable and r.text]
    photos = [
        OperatorPhotoRead(id=p.id, url=f"/api/v1/operator/tickets/{ticket.id}/photos/{p.id}")
        for r in reports
        for p in r.photos
    ]
    seen = OperatorCaseRead(
        id=case.id,
        category=case.category,
        subtype=case.subtype,
        priority=case.priority,
        operator=case.operator_slug,
        place=place,
        texts=released,
        texts_withheld=sum(1 for r in reports if not r.is_publishable),
        photos=photos,
    )
    events = [
        TicketEventRead.model_validate(e, from_attributes=True)
        for e in routing_queries.ticket_events(session, ticket_id=ticket.id)
    ]
    allowed = sorted(
        t
        for t in machine.TRANSITIONS[ticket.status] & machine.OPERATOR_TARGETS
        if not (ticket.kind == "claim" and t in ("acknowledged", "in_progress"))
    )
    return OperatorTicketDetail(
        **_read(ticket, slug).model_dump(), case=seen, events=events, allowed_transitions=allowed
    )


@router.get(
    "/tickets/{ticket_id}",
    response_model=OperatorTicketDetail,
    summary="One of your tickets with its case (another unit's ticket is not found)",
)
def get_ticket(ticket_id: int, session: SessionDep, staff: OperatorDep) -> OperatorTicketDetail:
    ticket = answers.ticket_of_unit(session, ticket_id=ticket_id, unit_id=staff.unit_id)
    return _detail(session, ticket)


@router.get(
    "/tickets/{ticket_id}/photos/{photo_id}",
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}}},
    response_class=Response,
    summary="A photo of the ticket's case, its metadata (EXIF GPS, device) removed",
)
def get_ticket_photo(
    ticket_id: int, photo_id: int, session: SessionDep, runtime: RuntimeDep, staff: OperatorDep
) -> Response:
    ticket = answers.ticket_of_unit(session, ticket_id=ticket_id, unit_id=staff.unit_id)
    photo = session.scalar(
        select(Photo)
        .join(Report, Report.id == Photo.report_id)
        .where(Photo.id == photo_id, Report.case_id == ticket.case_id)
    )
    if photo is None:
        raise NotFound(f"Ticket {ticket_id}'s case has no photo {photo_id}.")
    clean = without_metadata(runtime.blobs.read(photo.sha256), photo.mime_type)
    return Response(clean, media_type=photo.mime_type, headers={"Cache-Control": "private"})


@router.post(
    "/tickets/{ticket_id}/transitions",
    response_model=OperatorTicketDetail,
    summary="Answer a ticket: acknowledge, work on, resolve or reject it (with a reason)",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "schema": {"$ref": "#/components/schemas/TicketTransitionRequest"}
                },
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["transition"],
                        "properties": {
                            "transition": {"type": "string", "description": "the JSON body"},
                            "photos": {
                                "type": "array",
                                "items": {"type": "string", "format": "binary"},
                            },
                        },
                    }
                },
            }
        }
    },
)
async def transition_ticket(
    ticket_id: int,
    request: Request,
    runtime: RuntimeDep,
    staff: OperatorDep,
    routing: RoutingPolicyDep,
) -> OperatorTicketDetail:
    settings = runtime.settings
    limit = settings.max_photo_bytes * MAX_AFTER_PHOTOS + 64 * 1024
    body = await read_capped_body(request, max_bytes=limit)
    given, photos = await _parse(request, body, settings.max_photo_bytes)
    return await run_in_threadpool(
        _apply, runtime, staff.unit_id, staff.name, ticket_id, given, photos, routing
    )


def _apply(
    runtime: Runtime,
    unit_id: int,
    actor: str,
    ticket_id: int,
    given: TicketTransitionRequest,
    photos: list[bytes],
    routing: Any,
) -> OperatorTicketDetail:
    after = []
    for i, data in enumerate(photos):
        try:
            info = inspect_photo(
                data,
                max_bytes=runtime.settings.max_photo_bytes,
                max_pixels=runtime.settings.max_photo_pixels,
            )
        except PhotoRejected as exc:
            raise InvalidPhoto(f"Photo {i + 1}: {exc}.", index=i, kind=exc.kind) from exc
        after.append(answers.AfterPhoto(runtime.blobs.put(data), info.gps_lat, info.gps_lon))
    with runtime.session_factory.begin() as session:
        ticket = answers.answer(
            session,
            ticket_id=ticket_id,
            unit_id=unit_id,
            given=answers.Answer(
                to=given.to,
                note=given.note,
                reason=given.reason,
                carrier=given.carrier,
                photos=tuple(after),
            ),
            actor=f"{actor}{UNIT_ACTOR_SUFFIX}",
            policy=routing,
        )
        return _detail(session, ticket)


async def _parse(
    request: Request, body: bytes, max_photo_bytes: int
) -> tuple[TicketTransitionRequest, list[bytes]]:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "application/json":
        return _validate(body), []
    if media != "multipart/form-data":
        raise UnsupportedMediaType(
            "Send the transition as application/json, or as multipart/form-data with a "
            f"'transition' JSON field and 'photos' files (got {media or 'no content type'})."
        )

    form = await read_form(
        request, body, max_files=MAX_AFTER_PHOTOS, max_fields=4, max_part_size=64 * 1024
    )
    field = form.get("transition")
    if not isinstance(field, str):
        raise InvalidRequest(
            "The multipart body needs a 'transition' field holding the JSON body.",
            errors=[{"pointer": "#/transition", "detail": "missing JSON field 'transition'"}],
        )
    photos = []
    for part in form.getlist("photos"):
        if isinstance(part, UploadFile):
            photos.append(await part.read(max_photo_bytes + 1))
    return _validate(field), photos


def _validate(raw: str | bytes) -> TicketTransitionRequest:
    try:
        return TicketTransitionRequest.model_validate(json.loads(raw))
    except json.JSONDecodeError as exc:
        raise MalformedBody(f"The body is not valid JSON: {exc.msg}.") from exc
    except ValidationError as exc:
        raise invalid_request(exc) from exc
