"""Route a case by the rules in force: its owning unit, track and deadline, and the tickets it
needs; re-route it when an inspector relabels it; and follow the tickets as their units answer.

Routing reads the case's facts (category, subtype, priority, ward, operator, numbers), never
the reporter: tickets carry the case, its place and the numbers on the ad, nothing else.
"""

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from service.areas.models import Ward
from service.cases import service as case_service
from service.cases.deadlines import add_working_days
from service.cases.models import Case
from service.cases.workflow import allowed_targets
from service.routing.models import LIVE_TICKET_STATUSES, RoutingDecision, Ticket
from service.routing.rules import CaseFacts, Phone, Rule, TicketSpec, first_match, track_of
from service.routing.table import table_in_force
from service.units.models import Unit
from service.units.service import ward_committee_slug

logger = logging.getLogger(__name__)

SYSTEM_ACTOR = case_service.SYSTEM_ACTOR
TICKET_CHANGED_TASK = "routing.ticket_changed"


class OperatorFacts(Protocol):
    """What routing needs to know of the operators (service.operators provides it)."""

    def cable_operators(self, ward_code: str | None) -> list[str]: ...

    def carrier_of(self, e164: str) -> str | None: ...


@dataclass(frozen=True, slots=True)
class RoutingPolicy:
    operators: OperatorFacts
    timezone: str = "Asia/Ho_Chi_Minh"


@dataclass(frozen=True, slots=True)
class TicketRequest:
    kind: str
    unit: str
    phones: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OpenedTicket:
    id: int
    unit_id: int
    kind: str


@dataclass(slots=True)
class Plan:
    rule: Rule
    track: str
    due_at: datetime
    requests: list[TicketRequest]
    skipped: list[str] = field(default_factory=list)  # targets that gave no ticket, and why


# ---------------------------------------------------------------- facts and plan
@dataclass(frozen=True, slots=True)
class NewCase:
    """What the pipeline already knows of a case it opened in this transaction: its ward and
    the numbers of its only report; it has no ticket yet."""

    ward_code: str | None
    phones: tuple[str, ...]


def facts_of(
    session: Session, case: Case, policy: RoutingPolicy, *, new: NewCase | None = None
) -> CaseFacts:
    found: list[tuple[str, str | None]]
    if new is not None:
        ward_code = new.ward_code
        found = [(e164, None) for e164 in new.phones]
    else:
        ward_code = session.scalar(select(Ward.code).where(Ward.id == case.ward_id))
        found = case_service.case_phones(session, case_id=case.id)
    phones = tuple(Phone(e164, policy.operators.carrier_of(e164) or hint) for e164, hint in found)
    return CaseFacts(
        category=case.category,
        subtype=case.subtype,
        priority=case.priority,
        ward_code=ward_code,
        location_match=case.location_match,
        operator=case.operator_slug,
        phones=phones,
        text=case.search_text,
    )


def due_at(rule: Rule, track: str, *, start: datetime, timezone: str) -> datetime:
    if track == "immediate":
        return start + timedelta(hours=rule.immediate_hours)
    return add_working_days(start, rule.working_days, tz=timezone)


def plan_for(
    facts: CaseFacts,
    rules: Sequence[Rule],
    policy: RoutingPolicy,
    *,
    declined: set[str] = frozenset(),  # type: ignore[assignment]
    now: datetime | None = None,
) -> Plan:
    """Pure: the rule that fires for these facts and the tickets it asks for."""
    rule = first_match(rules, facts)
    track = track_of(rule, facts)
    start = now or datetime.now(UTC)
    plan = Plan(rule, track, due_at(rule, track, start=start, timezone=policy.timezone), [])
    for spec in rule.tickets:
        _expand(spec, facts, policy, declined, plan)
    return plan


def _expand(
    spec: TicketSpec, facts: CaseFacts, policy: RoutingPolicy, declined: set[str], plan: Plan
) -> None:
    if spec.to.startswith("unit:"):
        plan.requests.append(TicketRequest(spec.kind, spec.to.removeprefix("unit:")))
        return
    requests, skipped = _TARGETS[spec.to](spec.kind, facts, policy, declined)
    plan.requests += requests
    plan.skipped += [f"{spec.kind}: {why}" for why in skipped]


Expansion = tuple[list[TicketRequest], list[str]]


def _case_operator(kind: str, facts: CaseFacts, _p: RoutingPolicy, _d: set[str]) -> Expansion:
    if facts.operator:
        return [TicketRequest(kind, facts.operator)], []
    return [], ["the cable's operator is not known"]


def _cable_operators(
    kind: str, facts: CaseFacts, policy: RoutingPolicy, declined: set[str]
) -> Expansion:
    slugs = [s for s in policy.operators.cable_operators(facts.ward_code) if s not in declined]
    if not slugs:
        return [], ["no (other) operator has a cable network in the ward"]
    return [TicketRequest(kind, slug) for slug in slugs], []


def _carriers(kind: str, facts: CaseFacts, _p: RoutingPolicy, _d: set[str]) -> Expansion:
    if not facts.phones:
        return [], ["no legible number on the ad"]
    by_carrier: dict[str, list[str]] = {}
    unknown = []
    for phone in facts.phones:
        if phone.carrier:
            by_carrier.setdefault(phone.carrier, []).append(phone.e164)
        else:
            unknown.append(f"{phone.e164} has no carrier by its prefix (a landline?)")
    return [TicketRequest(kind, c, tuple(p)) for c, p in sorted(by_carrier.items())], unknown


def _ward_committee(kind: str, facts: CaseFacts, _p: RoutingPolicy, _d: set[str]) -> Expansion:
    if facts.ward_code:
        return [TicketRequest(kind, ward_committee_slug(facts.ward_code))], []
    return [], ["the case has no ward"]


_TARGETS = {
    "case_operator": _case_operator,
    "cable_operators": _cable_operators,
    "carriers": _carriers,
    "ward_committee": _ward_committee,
}


# ---------------------------------------------------------------- routing a case
Mode = Literal["fresh", "join"]


def route_case(
    session: Session,
    *,
    case_id: int,
    policy: RoutingPolicy,
    actor: str = SYSTEM_ACTOR,
    mode: Mode = "fresh",
    why: str | None = None,
    new: NewCase | None = None,
) -> RoutingDecision | None:
    """Decide and apply. `fresh` (a new case, a relabel): the rule decides the owner, track
    and deadline, tickets no longer asked for are cancelled and missing ones opened. `join`
    (a report joined the case): only numbers not traced yet get trace tickets. A case waiting
    for manual triage is not routed. `new`: the case was opened in this transaction (nobody
    else sees it yet, so it is neither locked nor read again)."""
    case = (
        session.get_one(Case, case_id)
        if new is not None
        else case_service.get_case(session, case_id=case_id, for_update=True)
    )
    if case.manual_triage or case.category == "unclassified":
        return None
    facts = facts_of(session, case, policy, new=new)
    table = table_in_force(session)
    held = _tickets_held(session, case.id) if new is None else []
    declined = {
        slug for t, slug in held
        if t.kind in ("fix", "claim") and t.status == "rejected" and t.reason == "not_ours"
    }  # fmt: skip
    plan = plan_for(facts, table.rules, policy, declined=declined)
    units = _units(session, [r.unit for r in plan.requests] + [plan.rule.owner])
    for request in plan.requests:
        if request.unit not in units:
            plan.skipped.append(f"{request.kind}: there is no active unit {request.unit!r}")
    plan.requests = [r for r in plan.requests if r.unit in units]
    if mode == "join":
        opened = _open_missing_traces(session, case, plan, units, actor)
        if opened:
            case_service.record_event(
                session, case, action="routed", actor=actor,
                note="A report joined the case with numbers not traced yet.",
                after={"tickets": [_ticket_ref(t, units) for t in opened]},
            )  # fmt: skip
        return None
    decision = RoutingDecision(
        case_id=case.id,
        table_version=table.version,
        rule=plan.rule.name,
        reason=plan.rule.reason,
        track=plan.track,
        owning_unit=plan.rule.owner,
        due_at=plan.due_at,
        facts={**facts.as_dict(), "skipped": plan.skipped},
        tickets=[{"kind": r.kind, "unit": r.unit, "phones": list(r.phones)} for r in plan.requests],
        actor=actor,
        decided_at=datetime.now(UTC),
    )
    session.add(decision)
    session.flush()
    owner = units[plan.rule.owner]
    before = {"owning_unit_id": case.owning_unit_id, "due_at": case.due_at.isoformat()}
    case.owning_unit_id, case.due_at = owner.id, plan.due_at
    live = [t for t, _ in held if t.status in LIVE_TICKET_STATUSES]
    slugs = {t.unit_id: slug for t, slug in held}
    cancelled = _cancel_unasked(session, plan, live, slugs, actor=actor, why=why)
    kept = [t for t in live if t not in cancelled]
    opened = _open_requested(session, case, plan, units, decision, actor, kept)
    case_service.record_event(
        session, case, action="routed", actor=actor, note=why, before=before,
        after={
            "rule": plan.rule.name, "table_version": table.version, "track": plan.track,
            "owning_unit": plan.rule.owner, "due_at": plan.due_at.isoformat(),
            "opened": [_ticket_ref(t, units) for t in opened],
            "cancelled": [t.id for t in cancelled], "skipped": plan.skipped,
        },
    )  # fmt: skip
    _announce(session, case, plan, opened, units, still_live=bool(kept or opened))
    return decision


def declined_units(session: Session, case_id: int) -> set[str]:
    """Operators that answered "not ours" on this case's fix or claim tickets."""
    rows = session.scalars(
        select(Unit.slug)
        .join(Ticket, Ticket.unit_id == Unit.id)
        .where(
            Ticket.case_id == case_id,
            Ticket.kind.in_(("fix", "claim")),
            Ticket.status == "rejected",
            Ticket.reason == "not_ours",
        )
    )
    return set(rows)


def _units(session: Session, slugs: Iterable[str]) -> dict[str, Unit]:
    wanted = set(slugs)
    found = session.scalars(select(Unit).where(Unit.slug.in_(wanted), Unit.is_active.is_(True)))
    return {u.slug: u for u in found}


def live_tickets(session: Session, case_id: int, *, for_update: bool = False) -> list[Ticket]:
    stmt = (
        select(Ticket)
        .where(Ticket.case_id == case_id, Ticket.status.in_(LIVE_TICKET_STATUSES))
        .order_by(Ticket.id)
    )
    return list(session.scalars(stmt.with_for_update() if for_update else stmt))


def _tickets_held(session: Session, case_id: int) -> list[tuple[Ticket, str]]:
    """Every ticket of the case with its unit's slug, the tickets locked."""
    rows = session.execute(
        select(Ticket, Unit.slug)
        .join(Unit, Unit.id == Ticket.unit_id)
        .where(Ticket.case_id == case_id)
        .order_by(Ticket.id)
        .with_for_update(of=Ticket)
    )
    return [(t, slug) for t, slug in rows]


def _cancel_unasked(
    session: Session,
    plan: Plan,
    live: list[Ticket],
    slugs: dict[int, str],
    *,
    actor: str,
    why: str | None,
) -> list[Ticket]:
    asked = {(r.kind, r.unit) for r in plan.requests}
    cancelled = []
    for ticket in live:
        if (ticket.kind, slugs.get(ticket.unit_id)) not in asked:
            move_ticket(
                session, ticket, to="cancelled", actor=actor, reason=None,
                note=f"No longer asked for: the case was re-routed ({plan.rule.name})."
                + (f" {why}" if why else ""),
            )  # fmt: skip
            cancelled.append(ticket)
    return cancelled


def _open_requested(
    session: Session,
    case: Case,
    plan: Plan,
    units: dict[str, Unit],
    decision: RoutingDecision,
    actor: str,
    live: list[Ticket],
) -> list[OpenedTicket]:
    by_key = {(t.kind, t.unit_id): t for t in live}
    wanted: list[tuple[Unit, str, Sequence[str]]] = []
    for request in plan.requests:
        unit = units[request.unit]
        existing = by_key.get((request.kind, unit.id))
        if existing is not None:
            add_phones(session, existing, request.phones, actor=actor, note=_MORE_NUMBERS)
        else:
            wanted.append((unit, request.kind, request.phones))
    return open_tickets(
        session, case=case, wanted=wanted, due_at=plan.due_at, decision_id=decision.id,
        actor=actor,
    )  # fmt: skip


def _open_missing_traces(
    session: Session, case: Case, plan: Plan, units: dict[str, Unit], actor: str
) -> list[OpenedTicket]:
    traced: set[str] = set()
    for ticket in session.scalars(
        select(Ticket).where(Ticket.case_id == case.id, Ticket.kind == "trace")
    ):
        traced.update(ticket.phones)
    live = {(t.kind, t.unit_id): t for t in live_tickets(session, case.id, for_update=True)}
    opened = []
    for request in plan.requests:
        new = tuple(p for p in request.phones if p not in traced)
        if request.kind != "trace" or not new:
            continue
        unit = units[request.unit]
        existing = live.get(("trace", unit.id))
        if existing is not None:
            add_phones(session, existing, new, actor=actor, note=_MORE_NUMBERS)
            continue
        opened.append(
            open_ticket(
                session, case=case, unit=unit, kind="trace", due_at=case.due_at, phones=new,
                decision_id=None, actor=actor,
            )
        )  # fmt: skip
    return opened


_MORE_NUMBERS = "More numbers of the case to trace."


def add_phones(
    session: Session, ticket: Ticket, phones: Sequence[str], *, actor: str, note: str
) -> None:
    """More numbers for a live trace ticket; its unit is told (an event in the same status)."""
    merged = list(dict.fromkeys([*ticket.phones, *phones]))
    if merged == ticket.phones:
        return
    ticket.phones = merged
    ticket.updated_at = datetime.now(UTC)
    session.flush()
    _ticket_events(session, [(ticket, ticket.status, ticket.status, None)], actor=actor, note=note)


def _ticket_ref(ticket: Ticket | OpenedTicket, units: dict[str, Unit]) -> dict[str, object]:
    slug = next((s for s, u in units.items() if u.id == ticket.unit_id), None)
    return {"id": ticket.id, "kind": ticket.kind, "unit": slug}


# ---------------------------------------------------------------- tickets
def open_ticket(
    session: Session,
    *,
    case: Case,
    unit: Unit,
    kind: str,
    due_at: datetime,
    phones: Sequence[str] = (),
    decision_id: int | None,
    actor: str,
    note: str | None = None,
) -> OpenedTicket:
    (ticket,) = open_tickets(
        session, case=case, wanted=[(unit, kind, phones)], due_at=due_at,
        decision_id=decision_id, actor=actor, note=note,
    )  # fmt: skip
    return ticket


# The hot path of routing, one statement whatever the number of tickets (and the same text,
# so it is prepared once): the tickets from a JSON array, an `open` event for each, and the
# outbox message that tells the unit of each event.
_OPEN_TICKETS = text("""
    WITH new_tickets AS (
        INSERT INTO tickets (case_id, unit_id, kind, status, due_at, phones, decision_id,
                             handed_on, created_at, updated_at)
        SELECT :case_id, r.unit_id, r.kind, 'open', :due_at, r.phones, :decision_id, false,
               :at, :at
        FROM jsonb_to_recordset(CAST(:rows AS jsonb))
             AS r(n integer, unit_id integer, kind text, phones jsonb)
        ORDER BY r.n
        RETURNING id, unit_id, kind
    ), new_events AS (
        INSERT INTO ticket_events (ticket_id, actor, from_status, to_status, reason, note,
                                   details, occurred_at)
        SELECT id, :actor, NULL, 'open', NULL, :note, '{}'::jsonb, :at
        FROM new_tickets ORDER BY id
        RETURNING id
    ), messages AS (
        INSERT INTO outbox_messages (task_name, kwargs, dispatch_count, replay_count)
        SELECT :task, jsonb_build_object('event_id', id), 0, 0 FROM new_events ORDER BY id
    )
    SELECT id, unit_id, kind FROM new_tickets ORDER BY id
""")


def open_tickets(
    session: Session,
    *,
    case: Case,
    wanted: Sequence[tuple[Unit, str, Sequence[str]]],
    due_at: datetime,
    decision_id: int | None,
    actor: str,
    note: str | None = None,
) -> list[OpenedTicket]:
    """Open several tickets of a case at once, each with its event and outbox message."""
    if not wanted:
        return []
    session.flush()  # the case and decision they refer to
    rows = [
        {"n": n, "unit_id": unit.id, "kind": kind, "phones": list(phones)}
        for n, (unit, kind, phones) in enumerate(wanted)
    ]
    result = session.execute(
        _OPEN_TICKETS,
        {"case_id": case.id, "due_at": due_at, "decision_id": decision_id,
         "at": datetime.now(UTC), "actor": actor, "note": note, "rows": json.dumps(rows),
         "task": TICKET_CHANGED_TASK},
    )  # fmt: skip
    return [OpenedTicket(row.id, row.unit_id, row.kind) for row in result]


def move_ticket(
    session: Session,
    ticket: Ticket,
    *,
    to: str,
    actor: str,
    reason: str | None,
    note: str | None,
    details: dict[str, object] | None = None,
) -> None:
    before = ticket.status
    ticket.status = to
    ticket.reason = reason if to == "rejected" else ticket.reason
    ticket.updated_at = datetime.now(UTC)
    session.flush()
    _ticket_events(session, [(ticket, before, to, reason)], actor=actor, note=note, details=details)


Move = tuple[Ticket, str | None, str, str | None]  # ticket, from, to, reason


# One statement, the same text for any number of moves (so it is prepared once): the events
# from a JSON array, and an outbox message for each.
_TICKET_EVENTS_AND_MESSAGES = text("""
    WITH new_events AS (
        INSERT INTO ticket_events
            (ticket_id, actor, from_status, to_status, reason, note, details, occurred_at)
        SELECT r.ticket_id, :actor, r.from_status, r.to_status, r.reason, :note,
               CAST(:details AS jsonb), :at
        FROM jsonb_to_recordset(CAST(:rows AS jsonb))
             AS r(ticket_id bigint, from_status text, to_status text, reason text)
        RETURNING id
    )
    INSERT INTO outbox_messages (task_name, kwargs, dispatch_count, replay_count)
    SELECT :task, jsonb_build_object('event_id', id), 0, 0 FROM new_events
    ORDER BY id
""")


def _ticket_events(
    session: Session,
    moves: Sequence[Move],
    *,
    actor: str,
    note: str | None,
    details: dict[str, object] | None = None,
) -> None:
    """The moves' events and, for each, the outbox message that tells the unit (webhook,
    e-mail, after commit): one statement."""
    if not moves:
        return
    rows = [
        {"ticket_id": ticket.id, "from_status": before, "to_status": to, "reason": reason}
        for ticket, before, to, reason in moves
    ]
    session.execute(
        _TICKET_EVENTS_AND_MESSAGES,
        {"rows": json.dumps(rows), "actor": actor, "note": note,
         "details": json.dumps(details or {}), "at": datetime.now(UTC),
         "task": TICKET_CHANGED_TASK},
    )  # fmt: skip
    for ticket, *_ in moves:  # their history is read fresh next time
        session.expire(ticket, ["events"])


# ---------------------------------------------------------------- what the citizen is told
_TOLD = {
    ("operator", "fix"): "doanh nghiệp viễn thông quản lý tuyến cáp",
    ("operator", "claim"): "các doanh nghiệp viễn thông có tuyến cáp trong phường/xã",
    ("operator", "trace"): "nhà mạng quản lý số điện thoại",
    ("ward", "removal"): "UBND phường/xã để tháo gỡ",
}


def _announce(
    session: Session,
    case: Case,
    plan: Plan,
    opened: list[OpenedTicket],
    units: dict[str, Unit],
    *,
    still_live: bool,
) -> None:
    """Move the case on and say so publicly (tracking page, channel callbacks), naming the
    kind of unit it went to, never a person."""
    by_id = {u.id: u for u in units.values()}
    told: list[str] = []
    for ticket in opened:
        unit = by_id[ticket.unit_id]
        phrase = _TOLD.get((unit.kind, ticket.kind), unit.name if unit.kind == "external" else "")
        if phrase and phrase not in told:
            told.append(phrase)
    if plan.track == "forward" and not opened:
        note = (
            "Phản ánh không thuộc lĩnh vực viễn thông hoặc ngoài địa bàn thành phố: "
            "đã chuyển đến cơ quan có thẩm quyền."
        )
    elif told:
        note = "Đã chuyển đến " + "; ".join(told) + " để xử lý."
    else:
        note = None
    # Forward only: a case being worked stays where it is; one whose tickets a re-route all
    # cancelled goes back to triaged.
    live = still_live
    if live and case.status in ("assigned", "in_progress") and not opened:
        return
    if live:
        targets = ["triaged", "assigned"] if case.status in ("new", "reopened") else ["assigned"]
    else:
        targets = ["triaged"]
    path: list[str] = []
    for target in targets:
        current = path[-1] if path else case.status
        if target != current and target in allowed_targets(current):
            path.append(target)
    if path:
        case_service.advance(
            session, case, targets=path, actor=SYSTEM_ACTOR, public_note=note if note else None
        )
