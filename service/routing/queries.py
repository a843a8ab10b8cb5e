"""Read side of routing: a case's decision and tickets; a unit's tickets, paged by keyset."""

import base64
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import InvalidCursor
from service.routing.models import RoutingDecision, Ticket, TicketEvent
from service.units.models import Unit

_MAX_ID = 2**63 - 1


@dataclass(frozen=True, slots=True)
class TicketRow:
    ticket: Ticket
    unit: str  # slug


def latest_decision(session: Session, *, case_id: int) -> RoutingDecision | None:
    return session.scalar(
        select(RoutingDecision)
        .where(RoutingDecision.case_id == case_id)
        .order_by(RoutingDecision.id.desc())
        .limit(1)
    )


def tickets_of_case(session: Session, *, case_id: int) -> list[TicketRow]:
    rows = session.execute(
        select(Ticket, Unit.slug)
        .join(Unit, Unit.id == Ticket.unit_id)
        .where(Ticket.case_id == case_id)
        .order_by(Ticket.id)
    )
    return [TicketRow(t, slug) for t, slug in rows]


def ticket_events(session: Session, *, ticket_id: int) -> list[TicketEvent]:
    return list(
        session.scalars(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
        )
    )


def answer_photos(session: Session, *, ticket_id: int) -> list[str]:
    """The sha256 of every photo sent with the ticket's answers, oldest first."""
    found: list[str] = []
    for details in session.scalars(
        select(TicketEvent.details)
        .where(TicketEvent.ticket_id == ticket_id)
        .order_by(TicketEvent.id)
    ):
        found += [sha for sha in details.get("photos", []) if sha not in found]
    return found


@dataclass(frozen=True, slots=True)
class TicketPage:
    tickets: list[Ticket]
    next_cursor: str | None


def unit_tickets(
    session: Session,
    *,
    unit_id: int,
    statuses: tuple[str, ...] = (),
    kinds: tuple[str, ...] = (),
    limit: int = 50,
    cursor: str | None = None,
) -> TicketPage:
    """The unit's tickets, newest first; `next_cursor` continues after the last one."""
    stmt = select(Ticket).where(Ticket.unit_id == unit_id)
    if statuses:
        stmt = stmt.where(Ticket.status.in_(statuses))
    if kinds:
        stmt = stmt.where(Ticket.kind.in_(kinds))
    if cursor:
        stmt = stmt.where(Ticket.id < _decode(cursor))
    rows = list(session.scalars(stmt.order_by(Ticket.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return TicketPage(rows, _encode(rows[-1].id) if more and rows else None)


def _encode(ticket_id: int) -> str:
    return base64.urlsafe_b64encode(f"t:{ticket_id}".encode()).decode().rstrip("=")


def _decode(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        tag, _, value = raw.partition(":")
        ticket_id = int(value)
        if tag != "t" or not 0 < ticket_id <= _MAX_ID:
            raise ValueError(raw)
    except ValueError as exc:
        raise InvalidCursor("The cursor is not one this service issued.") from exc
    return ticket_id
