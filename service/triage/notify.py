"""Fan a citizen-visible case change out to the channels that report status back.

A channel adapter registers a status task (Hue-S's signed callback, the e-mail reply). For
every public event, each report of the case that came through such a channel gets one outbox
message for that task, so a broker outage or a failing callback never loses the notice.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.cases.models import Case, CaseEvent
from service.outbox import service as outbox
from service.reports.models import Report
from service.triage.public import public_note


def fan_out_public_change(
    session: Session, *, event_id: int, status_tasks: Mapping[str, str]
) -> int:
    """Queue each interested channel's status task for this event; returns how many."""
    if not status_tasks:
        return 0
    event = session.get(CaseEvent, event_id)
    if event is None or not event.is_public:
        return 0
    reports = session.execute(
        select(Report.id, Report.channel).where(
            Report.case_id == event.case_id, Report.channel.in_(list(status_tasks))
        )
    ).all()
    for report_id, channel in reports:
        outbox.add_message(
            session,
            task_name=status_tasks[channel],
            kwargs={"report_id": report_id, "event_id": event_id},
        )
    return len(reports)


@dataclass(frozen=True, slots=True)
class StatusNotice:
    """What a channel may tell the citizen about a change: no staff names, no internal
    note, no report words, no location (public.py decides what a note may say)."""

    report_id: int
    external_id: str | None
    thread_id: str | None
    tracking_code: str
    event_id: int
    status: str
    occurred_at: datetime
    note: str | None
    due_at: datetime | None


def status_notice(session: Session, *, report_id: int, event_id: int) -> StatusNotice | None:
    report = session.get(Report, report_id)
    event = session.get(CaseEvent, event_id)
    if report is None or event is None or not event.is_public or event.to_status is None:
        return None
    case = session.get(Case, event.case_id)
    return StatusNotice(
        report_id=report.id,
        external_id=report.external_id,
        thread_id=report.thread_id,
        tracking_code=report.tracking_code,
        event_id=event.id,
        status=event.to_status,
        occurred_at=event.occurred_at,
        note=public_note(event),
        due_at=case.due_at if case else None,
    )


@dataclass(frozen=True, slots=True)
class ReplyThread:
    """What a channel that answers its reporter directly (e-mail) needs to answer in the
    thread it started: the reporter's address and the channel's own record of the message
    (its payload). `answered_through` is an earlier report of the same case, channel and
    address (a reply, a second mail): that report's thread carries the notice, so the
    reporter hears of each change once."""

    report_id: int
    tracking_code: str
    reporter_email: str | None
    payload: Mapping[str, object]
    answered_through: int | None


def reply_thread(session: Session, *, report_id: int) -> ReplyThread | None:
    report = session.get(Report, report_id)
    if report is None:
        return None
    earlier = None
    if report.case_id is not None and report.reporter_email:
        earlier = session.scalar(
            select(func.min(Report.id)).where(
                Report.case_id == report.case_id,
                Report.channel == report.channel,
                func.lower(Report.reporter_email) == report.reporter_email.lower(),
                Report.id < report.id,
            )
        )
    return ReplyThread(
        report_id=report.id,
        tracking_code=report.tracking_code,
        reporter_email=report.reporter_email,
        payload=dict(report.payload or {}),
        answered_through=earlier,
    )


@dataclass(frozen=True, slots=True)
class Receipt:
    report_id: int
    tracking_code: str
    received_at: datetime


def receipt(session: Session, *, report_id: int) -> Receipt | None:
    report = session.get(Report, report_id)
    if report is None:
        return None
    return Receipt(report.id, report.tracking_code, report.received_at)
