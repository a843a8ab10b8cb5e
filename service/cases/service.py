"""Open cases, attach reports, move cases through the workflow, and query the queue."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import Session, selectinload

from service.areas.service import WardMatch
from service.cases import workflow
from service.cases.deadlines import add_working_days
from service.cases.models import SUBTYPES, Case, CaseEvent
from service.errors import CaseNotFound, InvalidRequest, ReportNotFound
from service.outbox import service as outbox
from service.reports.models import Report, ReportPhone
from service.textnorm import fold

SYSTEM_ACTOR = "system"
PUBLIC_CHANGE_TASK = "cases.public_change"


@dataclass(frozen=True, slots=True)
class DuePolicy:
    working_days: int
    timezone: str


def open_case(
    session: Session,
    *,
    report: Report,
    location: Any | None,
    ward: WardMatch | None,
    owning_unit_id: int | None,
    due: DuePolicy,
) -> Case:
    now = datetime.now(UTC)
    case = Case(
        category="unclassified",
        status="new",
        priority="normal",
        ward_id=ward.ward_id if ward else None,
        location=location,
        location_match=ward.match if ward else "missing",
        distance_to_ward_m=ward.distance_m if ward else None,
        owning_unit_id=owning_unit_id,
        due_at=add_working_days(now, due.working_days, tz=due.timezone),
        created_at=now,
        updated_at=now,
        search_text=fold(report.text),
    )
    session.add(case)
    session.flush()
    report.case_id = case.id
    _record(
        session,
        case,
        action="opened",
        to_status="new",
        is_public=True,
        after={
            "report_id": report.id,
            "location_match": case.location_match,
            "ward_code": ward.ward_code if ward else None,
        },
    )
    return case


def attach_report(session: Session, *, case_id: int, report: Report) -> Case:
    case = get_case(session, case_id=case_id, for_update=True)
    report.case_id = case.id
    case.search_text = f"{case.search_text} {fold(report.text)}".strip()
    case.updated_at = datetime.now(UTC)
    _record(session, case, action="report_attached", after={"report_id": report.id})
    return case


def apply_transition(
    session: Session,
    *,
    case_id: int,
    target: str,
    actor: str,
    note: str | None,
    note_is_public: bool = False,
) -> Case:
    """Move the case; the move is public (timeline, callbacks), its note only when the
    inspector wrote it for the citizen (`note_is_public`)."""
    case = get_case(session, case_id=case_id, for_update=True)
    workflow.check_transition(case_id=case.id, current=case.status, target=target)
    before = case.status
    case.status = target
    case.updated_at = datetime.now(UTC)
    _record(
        session,
        case,
        action="transition",
        actor=actor,
        from_status=before,
        to_status=target,
        note=note,
        note_is_public=note_is_public and note is not None,
        is_public=True,
        before={"status": before},
        after={"status": target},
    )
    return case


# One statement, the same text for any number of moves: the public events from a JSON array,
# and the outbox message that tells the channels of each.
_PUBLIC_MOVES_AND_MESSAGES = text("""
    WITH new_events AS (
        INSERT INTO case_events (case_id, occurred_at, actor, action, from_status, to_status,
                                 before, after, note, is_public, note_is_public)
        SELECT :case_id, :at, :actor, 'transition', r.from_status, r.to_status,
               jsonb_build_object('status', r.from_status),
               jsonb_build_object('status', r.to_status), r.note, true, r.note_is_public
        FROM jsonb_to_recordset(CAST(:rows AS jsonb))
             AS r(from_status text, to_status text, note text, note_is_public boolean)
        RETURNING id
    )
    INSERT INTO outbox_messages (task_name, kwargs, dispatch_count, replay_count)
    SELECT :task, jsonb_build_object('event_id', id), 0, 0 FROM new_events
    ORDER BY id
""")


def advance(
    session: Session,
    case: Case,
    *,
    targets: list[str],
    actor: str,
    public_note: str | None,
) -> None:
    """Move an already locked case through several statuses in a row (new → triaged →
    assigned), each move checked and public, the note with the last; one write for all."""
    moves = []
    for target in targets:
        workflow.check_transition(case_id=case.id, current=case.status, target=target)
        moves.append((case.status, target))
        case.status = target
    case.updated_at = now = datetime.now(UTC)
    last = len(moves) - 1
    rows = [
        {"from_status": before, "to_status": target,
         "note": public_note if i == last else None,
         "note_is_public": public_note is not None and i == last}
        for i, (before, target) in enumerate(moves)
    ]  # fmt: skip
    session.flush()  # the case's new status first
    session.execute(
        _PUBLIC_MOVES_AND_MESSAGES,
        {"case_id": case.id, "actor": actor, "at": now, "rows": json.dumps(rows),
         "task": PUBLIC_CHANGE_TASK},
    )  # fmt: skip
    session.expire(case, ["events"])


def _record(
    session: Session,
    case: Case,
    *,
    action: str,
    actor: str = SYSTEM_ACTOR,
    from_status: str | None = None,
    to_status: str | None = None,
    note: str | None = None,
    note_is_public: bool = False,
    is_public: bool = False,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    event = CaseEvent(
        case_id=case.id,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        note_is_public=note_is_public,
        is_public=is_public,
        before=before or {},
        after=after or {},
        occurred_at=datetime.now(UTC),
    )
    session.add(event)
    session.flush()
    if is_public and to_status:
        # Channels that report status back to the citizen's app pick this up (after commit).
        outbox.add_message(session, task_name=PUBLIC_CHANGE_TASK, kwargs={"event_id": event.id})


def apply_classification(
    session: Session,
    *,
    case: Case,
    category: str,
    subtype: str | None,
    priority: str,
    confidence: float,
    model_version: str,
    manual: bool,
    evidence: dict[str, Any] | None = None,
) -> None:
    """Record the classifier's decision on a case (an event with before and after; the
    evidence it rests on goes with the after state)."""
    before = {
        "category": case.category,
        "subtype": case.subtype,
        "priority": case.priority,
        "manual_triage": case.manual_triage,
    }
    case.category, case.subtype, case.priority = category, subtype, priority
    case.category_confidence, case.model_version = round(confidence, 4), model_version
    case.manual_triage = manual
    case.updated_at = datetime.now(UTC)
    after: dict[str, Any] = {
        "category": category,
        "subtype": subtype,
        "priority": priority,
        "manual_triage": manual,
        "confidence": round(confidence, 4),
        "model_version": model_version,
    }
    if evidence:
        after["evidence"] = evidence
    _record(session, case, action="classified", before=before, after=after)


def set_report_publication(
    session: Session,
    *,
    case_id: int,
    report_id: int,
    publishable: bool,
    actor: str,
    note: str | None,
) -> Case:
    """An inspector allows (or withdraws) a report's own words on public surfaces, having
    read them for personal data. Audited: an internal event with who, when and the change."""
    case = get_case(session, case_id=case_id, for_update=True)
    report = session.scalar(
        select(Report).where(Report.id == report_id, Report.case_id == case.id).with_for_update()
    )
    if report is None:
        raise ReportNotFound(f"Case {case.id} has no report {report_id}.")
    before = {"report_id": report.id, "publishable": report.is_publishable}
    report.is_publishable = publishable
    case.updated_at = datetime.now(UTC)
    after = {"report_id": report.id, "publishable": publishable}
    _record(session, case, action="publication", actor=actor, note=note, before=before, after=after)
    return case


@dataclass(frozen=True, slots=True)
class Correction:
    text: str
    category: str
    subtype: str
    priority: str


def relabel(
    session: Session,
    *,
    case_id: int,
    category: str,
    subtype: str | None,
    priority: str,
    actor: str,
    note: str | None,
) -> Case:
    """An inspector's classification: it replaces the model's, leaves the manual triage
    queue, and is kept (event `relabelled`) for `triage model train --with-corrections`."""
    allowed = SUBTYPES.get(category)
    if (
        allowed is None
        or (subtype is not None and subtype not in allowed)
        or (subtype is None and allowed)
    ):
        raise InvalidRequest(
            f"Subtype {subtype!r} does not belong to category {category!r}.",
            errors=[{"pointer": "#/subtype", "detail": f"one of {', '.join(allowed or ())}"}],
        )
    case = get_case(session, case_id=case_id, for_update=True)
    before = {"category": case.category, "subtype": case.subtype, "priority": case.priority}
    case.category, case.subtype, case.priority = category, subtype, priority
    case.manual_triage = False
    case.updated_at = datetime.now(UTC)
    after = {"category": category, "subtype": subtype, "priority": priority}
    _record(session, case, action="relabelled", actor=actor, note=note, before=before, after=after)
    return case


def corrections(session: Session) -> list[Correction]:
    """Each relabelled case's latest label with the text of its first report."""
    latest = (
        select(CaseEvent.case_id, CaseEvent.after)
        .where(CaseEvent.action == "relabelled")
        .order_by(CaseEvent.case_id, CaseEvent.id.desc())
        .ext(distinct_on(CaseEvent.case_id))
        .subquery()
    )
    first_text = (
        select(Report.case_id, Report.text)
        .where(Report.case_id.is_not(None))
        .order_by(Report.case_id, Report.id)
        .ext(distinct_on(Report.case_id))
        .subquery()
    )
    rows = session.execute(
        select(first_text.c.text, latest.c.after).join(
            latest, latest.c.case_id == first_text.c.case_id
        )
    ).all()
    return [
        Correction(text, a["category"], a.get("subtype") or "", a.get("priority") or "normal")
        for text, a in rows
    ]


def get_case(session: Session, *, case_id: int, for_update: bool = False) -> Case:
    stmt = select(Case).where(Case.id == case_id)
    stmt = stmt.with_for_update() if for_update else stmt.options(selectinload(Case.events))
    case = session.scalar(stmt)
    if case is None:
        raise CaseNotFound(f"Case {case_id} does not exist.")
    return case


def list_case_reports(session: Session, *, case_id: int) -> list[Report]:
    return list(
        session.scalars(
            select(Report)
            .where(Report.case_id == case_id)
            .options(selectinload(Report.photos))
            .order_by(Report.id)
        )
    )


def record_event(
    session: Session,
    case: Case,
    *,
    action: str,
    actor: str = SYSTEM_ACTOR,
    note: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """An internal event on the case's history (routing, tickets): staff see it, the public
    timeline does not. Written without the unit of work (routing's hot path)."""
    session.execute(
        insert(CaseEvent).values(
            case_id=case.id, actor=actor, action=action, note=note, before=before or {},
            after=after or {}, is_public=False, note_is_public=False,
            occurred_at=datetime.now(UTC),
        )
    )  # fmt: skip
    session.expire(case, ["events"])


def case_phones(session: Session, *, case_id: int) -> list[tuple[str, str | None]]:
    """(E.164, carrier hint) of every number read off the case's reports, once each."""
    rows = session.execute(
        select(ReportPhone.e164, ReportPhone.carrier_hint)
        .join(Report, Report.id == ReportPhone.report_id)
        .where(Report.case_id == case_id)
        .order_by(ReportPhone.id)
    )
    seen: dict[str, str | None] = {}
    for e164, hint in rows:
        seen.setdefault(e164, hint)
    return list(seen.items())
