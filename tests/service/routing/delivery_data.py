"""A ticket on a case whose report is full of personal data (tests/public_data.py), opened
directly (no routing step), for the tests of what a unit is sent."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.areas import service as area_service
from service.cases import service as case_service
from service.cases.models import Case
from service.geo import point
from service.outbox.models import OutboxMessage
from service.reports.models import Report
from service.reports.service import IncomingReport
from service.routing.models import Ticket, TicketEvent
from service.routing.service import SYSTEM_ACTOR, TICKET_CHANGED_TASK, open_ticket
from service.triage import pipeline
from service.units.models import Unit
from service.units.service import get_unit
from service.wiring import Runtime
from tests.public_data import ADDRESS, DESCRIPTION, EXACT_LAT, EXACT_LON, REPORTER

AD_NUMBER = "+84987654321"  # the number on the ad (the trace ticket's), not the reporter's


@dataclass(frozen=True, slots=True)
class OpenedTicket:
    case: Case
    ticket: Ticket
    unit: Unit
    event_id: int  # the opening event


def ticket_on_private_report(
    session: Session, runtime: Runtime, *, unit_slug: str = "viettel"
) -> OpenedTicket:
    incoming = IncomingReport(
        channel="api", text=DESCRIPTION, raw_body=b"{}", raw_content_type="application/json",
        payload={}, address=ADDRESS, lat=EXACT_LAT, lon=EXACT_LON, accuracy_m=5,
        location_source="device_gps", reporter_name=REPORTER["name"],
        reporter_phone=REPORTER["phone"], reporter_email=REPORTER["email"],
    )  # fmt: skip
    accepted = pipeline.accept_report(
        session, incoming=incoming, blobs=runtime.blobs, limits=runtime.photo_limits
    )
    report = session.get_one(Report, accepted.report_id)
    ward = area_service.locate_ward(session, lat=EXACT_LAT, lon=EXACT_LON, tolerance_m=300)
    case = case_service.open_case(
        session, report=report, location=point(lat=EXACT_LAT, lon=EXACT_LON), ward=ward,
        owning_unit_id=None, due=case_service.DuePolicy(7, "Asia/Ho_Chi_Minh"),
    )  # fmt: skip
    case.category, case.subtype = "ad", "drilling"
    unit = get_unit(session, slug=unit_slug)
    assert unit is not None
    opened = open_ticket(
        session, case=case, unit=unit, kind="trace", due_at=case.due_at, phones=(AD_NUMBER,),
        decision_id=None, actor=SYSTEM_ACTOR, note="Ticket opened by the routing rules.",
    )  # fmt: skip
    ticket = session.get_one(Ticket, opened.id)
    return OpenedTicket(case, ticket, unit, last_event_id(session, ticket.id))


def last_event_id(session: Session, ticket_id: int) -> int:
    return (
        session.scalars(
            select(TicketEvent.id)
            .where(TicketEvent.ticket_id == ticket_id)
            .order_by(TicketEvent.id.desc())
        ).first()
        or 0
    )


def delivery_messages(session: Session) -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.task_name == TICKET_CHANGED_TASK)
            .order_by(OutboxMessage.id)
        )
    )


def message_for(session: Session, event_id: int) -> OutboxMessage:
    [message] = [m for m in delivery_messages(session) if m.kwargs["event_id"] == event_id]
    return message
