"""POST /integrations/hue-s/events: verify, store verbatim, accept."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from integrations.hue_s.contract import HueSAck, HueSEvent, HueSPhotoNotFetched
from integrations.hue_s.parse import parse_event
from integrations.hue_s.settings import HueSSettings
from integrations.hue_s.signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureRejected,
    verify,
)
from service.api.intake_body import read_capped_body
from service.api.problems import PROBLEM_RESPONSES
from service.errors import InvalidRequest, Unauthorized
from service.wiring import Runtime

_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HueSEvent"}}},
    },
    "parameters": [
        {
            "name": TIMESTAMP_HEADER,
            "in": "header",
            "required": True,
            "schema": {"type": "string", "pattern": "^[0-9]{1,12}$"},
            "description": "Unix seconds; refused when more than 5 minutes off our clock",
        },
        {
            "name": SIGNATURE_HEADER,
            "in": "header",
            "required": True,
            "schema": {"type": "string", "pattern": "^sha256=[0-9a-f]{64}$"},
            "description": "sha256=hex(HMAC-SHA256(secret, timestamp + '.' + raw body))",
        },
    ],
}


class SignatureInvalid(Unauthorized):
    slug = "signature-invalid"
    title = "The request signature was refused"


class EventRefused(InvalidRequest):
    slug = "event-refused"
    title = "The event does not fit the Hue-S contract"


def build_router(runtime: Runtime, settings: HueSSettings) -> APIRouter:
    router = APIRouter(prefix="/integrations/hue-s", tags=["channels: Hue-S"])
    secret = settings.secret.get_secret_value().encode()

    @router.post(
        "/events",
        openapi_extra=_BODY_DOC,
        responses={
            202: {"model": HueSAck, "description": "Accepted: a new report"},
            200: {"model": HueSAck, "description": "Already received (same event_id)"},
            **PROBLEM_RESPONSES,
        },
        status_code=202,
        summary="Receive a Hue-S report event (HMAC-signed)",
    )
    async def receive_event(request: Request) -> JSONResponse:
        body = await read_capped_body(request, max_bytes=runtime.settings.max_body_bytes)
        try:
            verify(
                secret,
                body,
                timestamp=request.headers.get(TIMESTAMP_HEADER),
                signature=request.headers.get(SIGNATURE_HEADER),
                max_skew_s=settings.max_clock_skew_s,
            )
        except SignatureRejected as exc:
            raise SignatureInvalid(str(exc)) from exc
        content_type = request.headers.get("content-type", "application/json")
        outcome = await run_in_threadpool(
            runtime.intake.receive,
            channel="hue-s",
            body=body,
            content_type=content_type,
            parse=lambda raw: parse_event(raw, content_type=content_type),
            meta={"request_id": request.state.request_id},
        )
        if outcome.accepted is None:
            raise EventRefused(
                outcome.reason or "refused",
                errors=list(outcome.errors),
                raw_input_id=outcome.raw_id,
            )
        ack = HueSAck(
            status="duplicate" if outcome.accepted.is_duplicate else "accepted",
            event_id=outcome.external_id or "",
            report_id=outcome.thread_id or "",
            triage_report_id=outcome.accepted.report_id,
            tracking_code=outcome.accepted.tracking_code,
            photos_not_fetched=[
                HueSPhotoNotFetched(url=r.url, reason=r.reason) for r in outcome.refused_photo_urls
            ],
        )
        return JSONResponse(ack.model_dump(), status_code=200 if ack.status == "duplicate" else 202)

    return router


def schema_components() -> dict[str, Any]:
    schema = HueSEvent.model_json_schema(ref_template="#/components/schemas/{model}")
    defs = schema.pop("$defs", {})
    return {"HueSEvent": schema, **defs}
