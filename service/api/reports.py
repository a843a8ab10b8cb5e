"""Citizen-facing routes: submit a report, follow it by tracking code."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.concurrency import run_in_threadpool

from service.api.deps import SessionDep, SettingsDep, Transaction, bearer_token, intake_transaction
from service.api.intake_body import parse_intake, read_capped_body
from service.api.problems import PROBLEM_RESPONSES
from service.api.schemas import (
    PublicPoint,
    ReportAccepted,
    ReportCreate,
    TimelineEntry,
    TrackRead,
)
from service.clients.gate import ClientGate
from service.clients.service import ClientInfo
from service.errors import InvalidRequest, TrackingCodeNotFound
from service.reports.service import IncomingReport
from service.triage import pipeline, public
from service.wiring import Runtime

router = APIRouter(prefix="/api/v1", tags=["citizens"])

_INTAKE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/ReportCreate"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["report"],
                    "properties": {
                        "report": {
                            "type": "string",
                            "description": "ReportCreate as a JSON string",
                        },
                        "photos": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                        },
                    },
                }
            },
        },
    }
}


@router.post(
    "/reports",
    status_code=202,
    response_class=JSONResponse,
    openapi_extra=_INTAKE_BODY,
    responses={
        202: {"model": ReportAccepted, "description": "Accepted; processing is queued"},
        200: {"model": ReportAccepted, "description": "Already received (re-send)"},
        **PROBLEM_RESPONSES,
    },
    summary="Submit a field report (JSON with base64 photos, or multipart with photo files)",
    description="Needs a client key (`Authorization: Bearer <key>`, from `triage clients "
    "add`); the key fixes the channel. Each key has a request rate per minute and photo "
    "bytes per day: over them, 429 with Retry-After.",
)
async def submit_report(request: Request) -> JSONResponse:
    runtime: Runtime = request.app.state.runtime  # read directly: the hottest route
    transaction = intake_transaction(request)
    settings = runtime.settings
    client = await _client(request, runtime.clients)
    runtime.clients.refuse_if_spent(client)  # before reading a body it would refuse
    body = await read_capped_body(request, max_bytes=settings.max_body_bytes)
    incoming = await parse_intake(
        request,
        body=body,
        channel=client.channel,
        max_photos=settings.max_photos,
        max_photo_bytes=settings.max_photo_bytes,
    )
    if incoming.channel in request.app.state.reserved_channels:
        raise InvalidRequest(
            f"Channel {incoming.channel!r} has its own adapter; post its reports there.",
            errors=[{"pointer": "#/channel", "detail": "reserved for a channel adapter"}],
        )
    # Counting and storing are blocking database and file work: keep them off the loop.
    report_id, code, duplicate = await run_in_threadpool(
        _admit_and_store, transaction, runtime, client, incoming
    )
    # Built by hand (it is the hottest route); the shape is ReportAccepted's.
    return JSONResponse(
        {
            "report_id": report_id,
            "tracking_code": code,
            "duplicate": duplicate,
            "track_url": f"{settings.public_base_url}/api/v1/track/{code}",
        },
        status_code=200 if duplicate else 202,
    )


async def _client(request: Request, gate: ClientGate) -> ClientInfo:
    """The caller's client key: from this process's few-second cache, else the database."""
    key = bearer_token(request)
    cached = gate.cached(key)
    return cached if cached is not None else await run_in_threadpool(gate.authenticate, key)


def _admit_and_store(
    transaction: Transaction, runtime: Runtime, client: ClientInfo, incoming: IncomingReport
) -> tuple[int, str, bool]:
    runtime.clients.spend(client, photo_bytes=sum(len(p.data) for p in incoming.photos))
    try:
        return _store(transaction, runtime, incoming)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        # A pooled connection died (database restart): the pool is renewed; try once more.
        return _store(transaction, runtime, incoming)


def _store(
    transaction: Transaction, runtime: Runtime, incoming: IncomingReport
) -> tuple[int, str, bool]:
    """Accept the report and queue its processing in one transaction."""
    with transaction() as conn:
        accepted = pipeline.accept_report(
            conn, incoming=incoming, blobs=runtime.blobs, limits=runtime.photo_limits
        )
    return accepted.report_id, accepted.tracking_code, accepted.is_duplicate


@router.get(
    "/track/{code}",
    response_model=TrackRead,
    responses=PROBLEM_RESPONSES,
    summary="A citizen follows a report by its tracking code",
)
def track(code: str, session: SessionDep, settings: SettingsDep) -> TrackRead:
    precision = settings.public_location_precision_m
    found = public.find_request(session, tracking_code=code, precision_m=precision)
    if found is None:
        raise TrackingCodeNotFound(f"No report has the tracking code {code[:20]!r}.")
    point = (
        PublicPoint(lat=found.lat, lon=found.lon, precision_m=precision)
        if found.lat is not None and found.lon is not None
        else None
    )
    return TrackRead(
        tracking_code=found.tracking_code,
        received_at=found.requested_at,
        status=found.status,
        category=found.category,
        ward_name=found.ward_name,
        due_at=found.expected_at,
        location=point,
        description=found.description,
        address=found.address,
        timeline=[
            TimelineEntry(at=i.at, status=i.status, note=i.note)
            for i in public.timeline(session, tracking_code=found.tracking_code)
        ],
    )


def intake_schema_components() -> dict[str, Any]:
    schema = ReportCreate.model_json_schema(ref_template="#/components/schemas/{model}")
    defs = schema.pop("$defs", {})
    return {"ReportCreate": schema, **defs}
