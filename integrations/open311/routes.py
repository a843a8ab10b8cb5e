"""/open311/v2: discovery, services, requests and tokens, in XML and JSON."""

import hmac
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.convertors import Convertor, register_url_convertor

from integrations.open311 import CHANNEL
from integrations.open311.parse import form_fields, parse_request
from integrations.open311.render import document, errors, iso
from integrations.open311.services import BY_CODE, SERVICES
from integrations.open311.settings import Open311Settings
from service.api.intake_body import read_capped_body
from service.triage import public
from service.triage.public import CLOSED_STATUSES, PublicRequest
from service.wiring import Runtime


class _FormatConvertor(Convertor[str]):
    """`.xml` or `.json` at the end of every GeoReport path; anything else is a 404."""

    regex = "xml|json"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("open311fmt", _FormatConvertor())

_FORMAT = {"name": "fmt", "in": "path", "required": True, "schema": {"enum": ["xml", "json"]}}
_DOC: dict[str, Any] = {"parameters": [_FORMAT]}
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/xml": {}, "application/json": {}}},
    400: {"description": "GeoReport v2 error list"},
    403: {"description": "GeoReport v2 error list (bad api_key)"},
    404: {"description": "GeoReport v2 error list"},
}


def build_router(runtime: Runtime, settings: Open311Settings) -> APIRouter:
    router = APIRouter(prefix="/open311/v2", tags=["channels: Open311 GeoReport v2"])
    base_url = settings.base_url or f"{runtime.settings.public_base_url.rstrip('/')}/open311/v2"
    _add_catalogue(router, settings, base_url=base_url)
    _add_create(router, runtime, settings)
    _add_queries(router, runtime, settings)
    return router


def _add_catalogue(router: APIRouter, settings: Open311Settings, *, base_url: str) -> None:
    @router.get("/discovery.{fmt:open311fmt}", openapi_extra=_DOC, responses=_RESPONSES)
    def discovery(fmt: str) -> Response:
        body = {
            "changeset": "2026-11-22T00:00:00+07:00",
            "contact": settings.contact,
            "key_service": settings.key_service,
            "endpoints": [
                {
                    "specification": "http://wiki.open311.org/GeoReport_v2",
                    "url": base_url,
                    "changeset": "2026-11-22T00:00:00+07:00",
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        }
        return document(fmt, body, root="discovery", item=None)

    @router.get("/services.{fmt:open311fmt}", openapi_extra=_DOC, responses=_RESPONSES)
    def services(fmt: str, jurisdiction_id: str | None = None) -> Response:
        if jurisdiction_id not in (None, settings.jurisdiction_id):
            return errors(fmt, 404, f"unknown jurisdiction_id {jurisdiction_id!r}")
        rows = [
            {
                "service_code": s.code,
                "service_name": s.name,
                "description": s.description,
                "metadata": False,
                "type": "realtime",
                "keywords": ", ".join(s.keywords),
                "group": s.group,
            }
            for s in SERVICES
        ]
        return document(fmt, rows, root="services", item="service")

    @router.get(
        "/services/{service_code}.{fmt:open311fmt}", openapi_extra=_DOC, responses=_RESPONSES
    )
    def service_definition(service_code: str, fmt: str) -> Response:
        if service_code not in BY_CODE:
            return errors(fmt, 404, f"no service with code {service_code!r}")
        body = {"service_code": service_code, "attributes": []}
        return document(fmt, body, root="service_definition", item=None)


def _add_create(router: APIRouter, runtime: Runtime, settings: Open311Settings) -> None:
    @router.post(
        "/requests.{fmt:open311fmt}",
        openapi_extra={
            **_DOC,
            "requestBody": {
                "required": True,
                "content": {
                    "application/x-www-form-urlencoded": {
                        "schema": {
                            "type": "object",
                            "required": ["api_key", "service_code", "description"],
                            "properties": {
                                k: {"type": "string"}
                                for k in (
                                    "api_key", "jurisdiction_id", "service_code", "lat",
                                    "long", "address_string", "address_id", "email",
                                    "device_id", "account_id", "first_name", "last_name",
                                    "phone", "description", "media_url",
                                )
                            },
                        }
                    }
                },
            },
        },
        responses=_RESPONSES,
    )  # fmt: skip
    async def create_request(fmt: str, request: Request) -> Response:
        body = await read_capped_body(request, max_bytes=1024 * 1024)
        content_type = request.headers.get("content-type", "")
        if not content_type.startswith("application/x-www-form-urlencoded"):
            return errors(fmt, 400, "send the request as application/x-www-form-urlencoded")
        try:
            key = form_fields(body).get("api_key", "")
        except Exception:
            key = ""
        if not any(hmac.compare_digest(key.encode(), k.encode()) for k in settings.api_keys):
            return errors(
                fmt, 403, "Invalid api_key received -- can't proceed with create_request."
            )
        outcome = await run_in_threadpool(
            runtime.intake.receive,
            channel=CHANNEL,
            body=body,
            content_type=content_type,
            parse=lambda raw: parse_request(raw, content_type=content_type),
            meta={"request_id": request.state.request_id},
        )
        if outcome.accepted is None:
            return errors(fmt, 400, *(outcome.reason or "refused").split("; "))
        code = outcome.accepted.tracking_code
        row = {
            "service_request_id": code,
            "token": code,
            "service_notice": "Đã nhận phản ánh; hạn xử lý khoảng 7 ngày làm việc.",
            "account_id": None,
        }
        return document(fmt, [row], root="service_requests", item="request")


def _add_queries(router: APIRouter, runtime: Runtime, settings: Open311Settings) -> None:
    @router.get("/requests.{fmt:open311fmt}", openapi_extra=_DOC, responses=_RESPONSES)
    def list_requests(
        fmt: str,
        service_request_id: str | None = None,
        service_code: str | None = None,
        start_date: str | None = None,
        end_date: str | None = None,
        status: str | None = None,
        jurisdiction_id: str | None = None,
    ) -> Response:
        if jurisdiction_id not in (None, settings.jurisdiction_id):
            return errors(fmt, 404, f"unknown jurisdiction_id {jurisdiction_id!r}")
        try:
            since, until = _window(start_date, end_date, settings.max_days)
        except ValueError as exc:
            return errors(fmt, 400, str(exc))
        states = {s.strip() for s in (status or "").split(",") if s.strip()}
        if states - {"open", "closed"}:
            return errors(fmt, 400, "status must be open, closed or both")
        with runtime.session_factory() as session:
            rows = public.list_requests(
                session,
                precision_m=runtime.settings.public_location_precision_m,
                codes=service_request_id.split(",") if service_request_id else None,
                category=service_code,
                since=None if service_request_id else since,
                until=None if service_request_id else until,
                open_or_closed=states.pop() if len(states) == 1 else None,
            )
        out = [_request_row(r, settings) for r in rows]
        return document(fmt, out, root="service_requests", item="request")

    @router.get(
        "/requests/{service_request_id}.{fmt:open311fmt}", openapi_extra=_DOC, responses=_RESPONSES
    )
    def get_request(service_request_id: str, fmt: str) -> Response:
        with runtime.session_factory() as session:
            found = public.find_request(
                session,
                tracking_code=service_request_id,
                precision_m=runtime.settings.public_location_precision_m,
            )
        if found is None:
            return errors(fmt, 404, f"Service request not found with id {service_request_id}")
        return document(
            fmt, [_request_row(found, settings)], root="service_requests", item="request"
        )

    @router.get("/tokens/{token}.{fmt:open311fmt}", openapi_extra=_DOC, responses=_RESPONSES)
    def token(token: str, fmt: str) -> Response:
        with runtime.session_factory() as session:
            found = public.find_request(
                session,
                tracking_code=token,
                precision_m=runtime.settings.public_location_precision_m,
            )
        if found is None:
            return errors(fmt, 404, f"Service request not found with token {token}")
        body = [{"service_request_id": found.tracking_code, "token": token}]
        return document(fmt, body, root="service_requests", item="request")


def _window(start: str | None, end: str | None, max_days: int) -> tuple[datetime, datetime]:
    """The [since, until] of a query; ValueError (a 400 for the client) when it cannot be.
    Dates near year 1 or 9999 overflow datetime arithmetic: that is the client's error too."""
    try:
        return _bounded_window(start, end, max_days)
    except OverflowError:
        raise ValueError("the dates must lie between the years 2000 and 9000") from None


def _bounded_window(start: str | None, end: str | None, max_days: int) -> tuple[datetime, datetime]:
    until = _parse_date(end, "end_date") if end else None
    since = _parse_date(start, "start_date") if start else None
    if until is None:
        until = (since + timedelta(days=max_days)) if since else datetime.now().astimezone()
    if since is None:
        since = until - timedelta(days=max_days)
    if since > until:
        raise ValueError("start_date is after end_date")
    if until - since > timedelta(days=max_days):
        raise ValueError(f"the date range may span at most {max_days} days")
    return since, until


_EARLIEST, _LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(9000, 1, 1, tzinfo=UTC)


def _parse_date(value: str, name: str) -> datetime:
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(
            f"{name} must be an ISO 8601 date-time, e.g. 2026-11-01T00:00:00+07:00"
        ) from exc
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"{name} needs a UTC offset, e.g. +07:00")
    if not _EARLIEST <= when <= _LATEST:
        raise ValueError(f"{name} must lie between the years 2000 and 9000")
    return when


def _request_row(r: PublicRequest, settings: Open311Settings) -> dict[str, Any]:
    """One request as public.py allows it; the words of a report an inspector marked
    publishable only when this channel publishes them (TRIAGE_OPEN311_PUBLISH_DESCRIPTIONS)."""
    # Until the case is classified, the service the citizen picked (Open311 clients filter
    # and show by it); "unclassified" for reports from channels without such a choice.
    code = r.category or r.category_hint or "unclassified"
    service = BY_CODE.get(code) or BY_CODE["unclassified"]
    words = settings.publish_descriptions
    return {
        "service_request_id": r.tracking_code,
        "status": "closed" if r.status in CLOSED_STATUSES else "open",
        "status_notes": r.status_notes,
        "service_name": service.name,
        "service_code": service.code,
        "description": r.description if words else None,
        "agency_responsible": r.agency,
        "service_notice": None,
        "requested_datetime": iso(r.requested_at),
        "updated_datetime": iso(r.updated_at),
        "expected_datetime": iso(r.expected_at),
        "address": r.address if words else None,
        "address_id": None,
        "zipcode": None,
        "lat": r.lat,
        "long": r.lon,
        "media_url": None,
    }
