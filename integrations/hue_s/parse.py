"""Turn a verified Hue-S event body into the core's IncomingReport."""

import base64
import binascii
import json

from pydantic import ValidationError

from integrations.hue_s import CHANNEL
from integrations.hue_s.contract import HueSEvent
from service.intake.service import ParsedReport, Unparseable
from service.reports.service import IncomingPhoto, IncomingReport


def describe_errors(exc: ValidationError) -> list[dict[str, str]]:
    return [
        {"pointer": "#/" + "/".join(str(p) for p in e["loc"]), "detail": e["msg"]}
        for e in exc.errors(include_url=False)
    ]


def parse_event(body: bytes, *, content_type: str = "application/json") -> ParsedReport:
    try:
        doc = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Unparseable(f"body is not JSON: {exc}") from exc
    try:
        event = HueSEvent.model_validate(doc)
    except ValidationError as exc:
        errors = describe_errors(exc)
        problems = "; ".join(f"{e['pointer']}: {e['detail']}" for e in errors)
        raise Unparseable(
            f"event does not fit the Hue-S contract: {problems}", errors=errors
        ) from exc
    photos: list[IncomingPhoto] = []
    urls: list[str] = []
    for i, photo in enumerate(event.photos):
        if photo.url is not None:
            urls.append(photo.url)
            continue
        try:
            data = base64.b64decode(photo.content_base64 or "", validate=True)
        except (binascii.Error, ValueError) as exc:
            pointer = f"#/photos/{i}/content_base64"
            raise Unparseable(
                f"{pointer}: not base64", errors=[{"pointer": pointer, "detail": "not base64"}]
            ) from exc
        photos.append(IncomingPhoto(data=data, filename=photo.filename))
    payload = event.model_dump(mode="json", exclude={"photos"})
    payload["photos"] = [
        {"url": p.url, "filename": p.filename, "inline": p.content_base64 is not None}
        for p in event.photos
    ]
    loc, who = event.location, event.reporter
    incoming = IncomingReport(
        channel=CHANNEL,
        text=event.description,
        raw_body=body,
        raw_content_type=content_type,
        payload=payload,
        external_id=event.event_id,
        thread_id=event.report_id,
        address=event.address,
        lat=loc.lat if loc else None,
        lon=loc.lon if loc else None,
        accuracy_m=loc.accuracy_m if loc else None,
        location_source="device_gps" if loc else None,
        reporter_name=who.name if who else None,
        reporter_phone=who.phone if who else None,
        reporter_email=who.email if who else None,
        submitted_at=event.created_at,
        photos=tuple(photos),
    )
    return ParsedReport(incoming=incoming, photo_urls=tuple(urls))
