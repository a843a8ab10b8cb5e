"""What a unit is told when one of its tickets moves, and how the unit can trust it.

Every ticket event (opened, acknowledged, in progress, resolved, rejected, cancelled) becomes
one notice for the ticket's own unit, sent through the outbox: at least once, so receivers
de-duplicate on the delivery id. The notice carries the ticket and the facts of its case,
never the reporter: no name, phone, e-mail, report text or exact point (the place is rounded
to 4 decimals, about 11 m, as on the operator API). An event's note goes out only when the
system wrote it (templated text such as "The cable was claimed."): a note written by staff
may be internal, and a unit's own note is already the unit's. No staff name goes out either:
`by` says only whether the system, the department or the unit made the move.
"""

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from service.areas.models import Ward
from service.cases.models import Case
from service.reports.service import lat_lon
from service.routing.models import Ticket, TicketEvent
from service.routing.service import SYSTEM_ACTOR
from service.units.models import Unit

TIMESTAMP_HEADER = "X-Triage-Timestamp"
SIGNATURE_HEADER = "X-Triage-Signature"
DELIVERY_HEADER = "X-Triage-Delivery"
PLACE_DECIMALS = 4  # about 11 m: enough to find a cable, not the reporter's doorstep
# How the operator API marks a move a unit made on its own ticket.
UNIT_ACTOR_SUFFIX = " (operator)"


@dataclass(frozen=True, slots=True)
class Place:
    ward_code: str | None
    ward_name: str | None
    lat: float | None
    lon: float | None


@dataclass(frozen=True, slots=True)
class Move:
    event_id: int
    from_status: str | None
    to_status: str
    reason: str | None
    note: str | None
    by: str  # system | department | unit
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class Notice:
    ticket_id: int
    kind: str
    status: str  # the ticket's status when the notice is sent (a retry may be later)
    due_at: datetime
    phones: tuple[str, ...]
    url: str
    unit: str
    case_id: int
    category: str
    subtype: str | None
    priority: str
    place: Place
    move: Move

    @property
    def delivery_id(self) -> str:
        return delivery_id(self.move.event_id)


@dataclass(frozen=True, slots=True)
class Recipient:
    """Where the unit takes its tickets; kept apart from the notice so that no secret or
    address can slip into a body."""

    slug: str
    name: str
    webhook_url: str | None
    webhook_secret: str | None
    email: str | None


@dataclass(frozen=True, slots=True)
class Delivery:
    notice: Notice
    recipient: Recipient


def delivery_id(event_id: int) -> str:
    return f"ticket-event-{event_id}"


def ticket_url(base_url: str, ticket_id: int) -> str:
    return f"{base_url.rstrip('/')}/api/v1/operator/tickets/{ticket_id}"


def load_delivery(session: Session, *, event_id: int, base_url: str) -> Delivery | None:
    """The notice for one ticket event and its recipient; None when the event is gone."""
    event = session.get(TicketEvent, event_id)
    if event is None:
        return None
    ticket = session.get_one(Ticket, event.ticket_id)
    case = session.get_one(Case, ticket.case_id)
    unit = session.get_one(Unit, ticket.unit_id)
    ward = session.get(Ward, case.ward_id) if case.ward_id is not None else None
    at = lat_lon(case.location)
    place = Place(
        ward_code=ward.code if ward else None,
        ward_name=ward.name if ward else None,
        lat=round(at[0], PLACE_DECIMALS) if at else None,
        lon=round(at[1], PLACE_DECIMALS) if at else None,
    )
    notice = Notice(
        ticket_id=ticket.id, kind=ticket.kind, status=ticket.status, due_at=ticket.due_at,
        phones=tuple(ticket.phones), url=ticket_url(base_url, ticket.id), unit=unit.slug,
        case_id=case.id, category=case.category, subtype=case.subtype, priority=case.priority,
        place=place, move=move_of(event),
    )  # fmt: skip
    recipient = Recipient(unit.slug, unit.name, unit.webhook_url, unit.webhook_secret, unit.email)
    return Delivery(notice, recipient)


def move_of(event: TicketEvent) -> Move:
    by = actor_kind(event.actor)
    return Move(
        event_id=event.id,
        from_status=event.from_status,
        to_status=event.to_status,
        reason=event.reason,
        note=event.note if by == "system" else None,
        by=by,
        occurred_at=event.occurred_at,
    )


def actor_kind(actor: str) -> str:
    if actor == SYSTEM_ACTOR:
        return "system"
    return "unit" if actor.endswith(UNIT_ACTOR_SUFFIX) else "department"


def _local(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).isoformat(timespec="seconds")


def notice_document(notice: Notice, *, timezone: str) -> dict[str, object]:
    tz = ZoneInfo(timezone)
    move, place = notice.move, notice.place
    return {
        "delivery_id": notice.delivery_id,
        "ticket": {
            "id": notice.ticket_id,
            "kind": notice.kind,
            "status": notice.status,
            "due_at": _local(notice.due_at, tz),
            "phones": list(notice.phones),
            "unit": notice.unit,
            "url": notice.url,
        },
        "case": {
            "id": notice.case_id,
            "category": notice.category,
            "subtype": notice.subtype,
            "priority": notice.priority,
            "place": {
                "ward_code": place.ward_code,
                "ward_name": place.ward_name,
                "lat": place.lat,
                "lon": place.lon,
            },
        },
        "event": {
            "id": move.event_id,
            "from_status": move.from_status,
            "to_status": move.to_status,
            "reason": move.reason,
            "note": move.note,
            "by": move.by,
            "occurred_at": _local(move.occurred_at, tz),
        },
    }


def notice_body(notice: Notice, *, timezone: str) -> bytes:
    doc = notice_document(notice, timezone=timezone)
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


# ---------------------------------------------------------------- signature
def sign(secret: bytes, body: bytes, timestamp: int) -> str:
    """`sha256=<hex>` of HMAC-SHA256 over `<timestamp>.<raw body>`."""
    mac = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def signed_headers(
    secret: str, body: bytes, *, delivery: str, now: float | None = None
) -> dict[str, str]:
    timestamp = int(now if now is not None else time.time())
    return {
        "Content-Type": "application/json; charset=utf-8",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret.encode(), body, timestamp),
        DELIVERY_HEADER: delivery,
    }


def verify(
    secret: str,
    body: bytes,
    *,
    timestamp: str,
    signature: str,
    max_skew_s: int = 300,
    now: float | None = None,
) -> bool:
    """What a receiver does: the MAC matches and the timestamp is close to its clock."""
    if not timestamp.isascii() or not timestamp.isdigit():
        return False
    clock = now if now is not None else time.time()
    if abs(clock - int(timestamp)) > max_skew_s:
        return False
    expected = sign(secret.encode(), body, int(timestamp))
    return hmac.compare_digest(expected.encode(), signature.strip().encode())
