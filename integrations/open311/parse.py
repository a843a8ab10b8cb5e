"""A form-encoded `POST requests` body → the core's IncomingReport."""

from datetime import UTC, datetime
from urllib.parse import parse_qs

from integrations.open311 import CHANNEL
from integrations.open311.services import POSTABLE
from service.intake.service import ParsedReport, Unparseable
from service.reports.service import IncomingReport

_FIELDS = {
    "api_key", "jurisdiction_id", "service_code", "lat", "long", "address_string", "address_id",
    "email", "device_id", "account_id", "first_name", "last_name", "phone", "description",
    "media_url",
}  # fmt: skip


def form_fields(body: bytes) -> dict[str, str]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unparseable("the form is not UTF-8") from exc
    fields = parse_qs(text, keep_blank_values=True, max_num_fields=200)
    return {k: v[0].strip() for k, v in fields.items()}


def parse_request(body: bytes, *, content_type: str) -> ParsedReport:
    fields = form_fields(body)
    problems: list[str] = []
    unknown = sorted(k for k in fields if k not in _FIELDS and not k.startswith("attribute["))
    if unknown:
        problems.append(f"unknown fields: {', '.join(unknown)}")
    code = fields.get("service_code", "")
    if code not in POSTABLE:
        problems.append(f"service_code must be one of {', '.join(sorted(POSTABLE))}")
    lat, lon = _coordinates(fields, problems)
    address = fields.get("address_string") or None
    if lat is None and not address and not fields.get("address_id"):
        problems.append("give lat and long, or address_string")
    description = fields.get("description", "")
    if not description:
        problems.append("description is required")
    if len(description) > 5000:
        problems.append("description is longer than 5000 characters")
    media_url = fields.get("media_url") or None
    if problems:
        raise Unparseable("; ".join(problems))
    name = " ".join(p for p in (fields.get("first_name"), fields.get("last_name")) if p) or None
    device = fields.get("device_id") or None
    incoming = IncomingReport(
        channel=CHANNEL,
        text=description,
        raw_body=body,
        raw_content_type=content_type,
        payload={
            "service_code": code,
            "address_id": fields.get("address_id") or None,
            "device_id": device,
            "account_id": fields.get("account_id") or None,
            "media_url": media_url,
            "attributes": {k: v for k, v in fields.items() if k.startswith("attribute[")},
        },
        address=address[:500] if address else None,
        lat=lat,
        lon=lon,
        location_source="device_gps" if lat is not None else None,
        reporter_name=name[:200] if name else None,
        reporter_phone=(fields.get("phone") or "")[:40] or None,
        reporter_email=(fields.get("email") or "")[:320] or None,
        submitted_at=datetime.now(UTC),
    )
    return ParsedReport(incoming=incoming, photo_urls=(media_url,) if media_url else ())


def _coordinates(fields: dict[str, str], problems: list[str]) -> tuple[float | None, float | None]:
    raw_lat, raw_lon = fields.get("lat", ""), fields.get("long", "")
    if not raw_lat and not raw_lon:
        return None, None
    try:
        lat, lon = float(raw_lat), float(raw_lon)
    except ValueError:
        problems.append("lat and long must be decimal degrees")
        return None, None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        problems.append("lat must be within ±90 and long within ±180")
        return None, None
    return lat, lon
