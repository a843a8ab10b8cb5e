"""Read an intake request body, JSON or multipart, with size caps, into an IncomingReport."""

import base64
import binascii
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.requests import ClientDisconnect, Request

from service.api.problems import invalid_request
from service.api.schemas import ReportCreate
from service.errors import InvalidRequest, MalformedBody, PayloadTooLarge, UnsupportedMediaType
from service.inputs import ascii_digits
from service.reports.service import IncomingPhoto, IncomingReport


async def read_capped_body(request: Request, *, max_bytes: int) -> bytes:
    declared = ascii_digits(request.headers.get("content-length"))
    if declared is not None and declared > max_bytes:
        raise PayloadTooLarge(f"The body is {declared} bytes; the limit is {max_bytes}.")
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_bytes:
                raise PayloadTooLarge(f"The body is over the limit of {max_bytes} bytes.")
            chunks.append(chunk)
    except ClientDisconnect as exc:
        raise MalformedBody("The client closed the connection before the body ended.") from exc
    return b"".join(chunks)


async def read_form(
    request: Request, body: bytes, *, max_files: int, max_fields: int, max_part_size: int
) -> FormData:
    """The multipart form of a body already read (and size-capped) by `read_capped_body`."""

    async def replay() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        return await Request(request.scope, replay).form(
            max_files=max_files, max_fields=max_fields, max_part_size=max_part_size
        )
    except Exception as exc:  # the multipart parser raises several unrelated types
        raise MalformedBody(f"The multipart body cannot be parsed: {exc}.") from exc


async def parse_intake(
    request: Request, *, body: bytes, channel: str, max_photos: int, max_photo_bytes: int
) -> IncomingReport:
    """The report in the body, for `channel` (the client key's: a body naming another
    channel is refused)."""
    content_type = request.headers.get("content-type", "")
    media = content_type.split(";")[0].strip().lower()
    if media == "application/json":
        doc, photos = _parse_json(body)
    elif media == "multipart/form-data":
        doc, photos = await _parse_multipart(request, body, max_photos, max_photo_bytes)
    else:
        raise UnsupportedMediaType(
            "Send the report as application/json or multipart/form-data "
            f"(got {media or 'no content type'})."
        )
    if len(photos) > max_photos:
        raise InvalidRequest(
            f"At most {max_photos} photos per report.",
            errors=[{"pointer": "#/photos", "detail": f"at most {max_photos} photos"}],
        )
    if doc.channel is not None and doc.channel != channel:
        raise InvalidRequest(
            f"This client key posts for channel {channel!r}, not {doc.channel!r}.",
            errors=[{"pointer": "#/channel", "detail": f"the key's channel is {channel!r}"}],
        )
    return _incoming(doc, photos, channel=channel, body=body, content_type=content_type)


def _validate(raw: str | bytes) -> ReportCreate:
    try:
        return ReportCreate.model_validate_json(raw)
    except ValidationError as exc:
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            raise MalformedBody(f"The body is not valid JSON: {exc.errors()[0]['msg']}.") from exc
        raise invalid_request(exc) from exc


def _parse_json(body: bytes) -> tuple[ReportCreate, list[IncomingPhoto]]:
    doc = _validate(body)
    photos = []
    for i, p in enumerate(doc.photos):
        try:
            data = base64.b64decode(p.content_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidRequest(
                f"Photo {i + 1} is not valid base64.",
                errors=[{"pointer": f"#/photos/{i}/content_base64", "detail": "not base64"}],
            ) from exc
        photos.append(IncomingPhoto(data=data, filename=p.filename))
    return doc, photos


async def _parse_multipart(
    request: Request, body: bytes, max_photos: int, max_photo_bytes: int
) -> tuple[ReportCreate, list[IncomingPhoto]]:
    form = await read_form(
        request, body, max_files=max_photos + 1, max_fields=10, max_part_size=1024 * 1024
    )
    report_field = form.get("report")
    if not isinstance(report_field, str):
        raise InvalidRequest(
            "The multipart body needs a 'report' field holding the report JSON.",
            errors=[{"pointer": "#/report", "detail": "missing JSON field 'report'"}],
        )
    doc = _validate(report_field)
    photos = []
    for part in form.getlist("photos"):
        if not isinstance(part, UploadFile):
            continue
        data = await part.read(max_photo_bytes + 1)
        photos.append(IncomingPhoto(data=data, filename=part.filename))
    return doc, [*_parse_json_photos(doc), *photos]


def _parse_json_photos(doc: ReportCreate) -> list[IncomingPhoto]:
    if not doc.photos:
        return []
    return _parse_json(doc.model_dump_json().encode())[1]


def _incoming(
    doc: ReportCreate,
    photos: list[IncomingPhoto],
    *,
    channel: str,
    body: bytes,
    content_type: str,
) -> IncomingReport:
    # Every field of the document has a column, and the body is kept verbatim: the payload
    # keeps only what has no column (and no second copy of the reporter's personal data).
    payload = {"photos": [{"filename": p.filename, "bytes": len(p.data)} for p in photos]}
    loc, who = doc.location, doc.reporter
    return IncomingReport(
        channel=channel,
        text=doc.text,
        raw_body=body,
        raw_content_type=content_type[:200],
        payload=payload,
        external_id=doc.external_id,
        thread_id=doc.thread_id,
        address=doc.address,
        lat=loc.lat if loc else None,
        lon=loc.lon if loc else None,
        accuracy_m=loc.accuracy_m if loc else None,
        location_source=loc.source if loc else None,
        reporter_name=who.name if who else None,
        reporter_phone=who.phone if who else None,
        reporter_email=who.email if who else None,
        submitted_at=doc.submitted_at,
        photos=tuple(photos),
    )
