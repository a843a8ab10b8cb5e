"""What a unit answers on its tickets, and what follows: a claim becomes a fix ticket, a
"not ours" goes to the other operators or the carrier named, the last ticket resolved
resolves the case for its owning unit to verify."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.areas.models import Ward
from service.cases import service as case_service
from service.cases.models import Case
from service.cases.workflow import allowed_targets
from service.errors import InvalidRequest, TicketNotFound
from service.geo import distance_m, point
from service.routing import tickets as machine
from service.routing.models import LIVE_TICKET_STATUSES, Ticket
from service.routing.service import (
    SYSTEM_ACTOR,
    RoutingPolicy,
    add_phones,
    declined_units,
    live_tickets,
    move_ticket,
    open_ticket,
    open_tickets,
)
from service.units.models import Unit

AFTER_PHOTO_RADIUS_M = 50.0


@dataclass(frozen=True, slots=True)
class AfterPhoto:
    """A photo of the work done, stored (content address) and its EXIF position if any."""

    sha256: str
    lat: float | None
    lon: float | None


@dataclass(frozen=True, slots=True)
class Answer:
    to: str
    note: str | None = None
    reason: str | None = None
    carrier: str | None = None  # with not_ours on a trace ticket: whose subscriber it is
    photos: tuple[AfterPhoto, ...] = ()


def ticket_of_unit(
    session: Session, *, ticket_id: int, unit_id: int, for_update: bool = False
) -> Ticket:
    """The unit's own ticket; another unit's is not found (not forbidden: its existence is
    nobody else's business)."""
    stmt = select(Ticket).where(Ticket.id == ticket_id, Ticket.unit_id == unit_id)
    ticket = session.scalar(stmt.with_for_update() if for_update else stmt)
    if ticket is None:
        raise TicketNotFound(f"You have no ticket {ticket_id}.")
    return ticket


def answer(
    session: Session,
    *,
    ticket_id: int,
    unit_id: int,
    given: Answer,
    actor: str,
    policy: RoutingPolicy,
) -> Ticket:
    ticket = ticket_of_unit(session, ticket_id=ticket_id, unit_id=unit_id, for_update=True)
    case = case_service.get_case(session, case_id=ticket.case_id, for_update=True)
    machine.check_move(
        ticket_id=ticket.id, kind=ticket.kind, current=ticket.status, target=given.to,
        reason=given.reason, by_operator=True,
    )  # fmt: skip
    unit = session.get_one(Unit, unit_id)
    if given.carrier is not None and not (
        ticket.kind == "trace" and given.to == "rejected" and given.reason == "not_ours"
    ):
        raise InvalidRequest(
            "'carrier' names the subscriber's carrier when a trace ticket is not yours.",
            errors=[{"pointer": "#/carrier", "detail": "only with a trace ticket, not_ours"}],
        )
    if ticket.kind == "fix" and given.to == "resolved":
        _check_after_photos(session, case, given.photos)
    details: dict[str, object] = {}
    if given.photos:
        details["photos"] = [p.sha256 for p in given.photos]
    if given.carrier:
        details["carrier"] = given.carrier
    move_ticket(
        session, ticket, to=given.to, actor=actor, reason=given.reason, note=given.note,
        details=details,
    )  # fmt: skip
    case_service.record_event(
        session, case, action="ticket", actor=actor, note=given.note,
        after={"ticket_id": ticket.id, "unit": unit.slug, "kind": ticket.kind,
               "status": given.to, "reason": given.reason},
    )  # fmt: skip
    _follow_up(session, case, ticket, unit, given, policy)
    settle_case(session, case)
    return ticket


def _check_after_photos(session: Session, case: Case, photos: Sequence[AfterPhoto]) -> None:
    if not photos:
        raise InvalidRequest(
            "Resolving a fix ticket needs an 'after' photo of the line (multipart field 'photos').",
            errors=[{"pointer": "#/photos", "detail": "at least one photo"}],
        )
    if case.location is None:
        return
    for i, photo in enumerate(photos):
        if photo.lat is None or photo.lon is None:
            continue
        metres = session.scalar(
            select(distance_m(Case.location, point(lat=photo.lat, lon=photo.lon))).where(
                Case.id == case.id
            )
        )
        if metres is not None and metres > AFTER_PHOTO_RADIUS_M:
            raise InvalidRequest(
                f"Photo {i + 1} was taken {metres:.0f} m from the case (its EXIF GPS); the "
                f"'after' photo must be taken within {AFTER_PHOTO_RADIUS_M:.0f} m.",
                errors=[{"pointer": f"#/photos/{i}", "detail": "taken too far from the case"}],
            )


def _follow_up(
    session: Session, case: Case, ticket: Ticket, unit: Unit, given: Answer, policy: RoutingPolicy
) -> None:
    if given.to == "resolved" and ticket.kind == "claim":
        _claimed(session, case, ticket, unit)
    elif given.to == "rejected" and given.reason == "not_ours":
        if ticket.kind == "fix":
            _fix_not_ours(session, case, ticket, unit, policy)
        elif ticket.kind == "trace":
            _trace_not_ours(session, case, ticket, unit, given.carrier)
        elif ticket.kind == "claim":
            _claim_declined(session, case)


def _claimed(session: Session, case: Case, ticket: Ticket, unit: Unit) -> None:
    """The first operator to claim an unlabelled cable gets its fix ticket; the other claims
    are cancelled."""
    case.operator_slug = unit.slug
    for other in live_tickets(session, case.id, for_update=True):
        if other.kind == "claim":
            move_ticket(
                session, other, to="cancelled", actor=SYSTEM_ACTOR, reason=None,
                note="Another operator claimed the cable.",
            )  # fmt: skip
    open_ticket(
        session, case=case, unit=unit, kind="fix", due_at=ticket.due_at, phones=(),
        decision_id=ticket.decision_id, actor=SYSTEM_ACTOR, note="The cable was claimed.",
    )  # fmt: skip


def _fix_not_ours(
    session: Session, case: Case, ticket: Ticket, unit: Unit, policy: RoutingPolicy
) -> None:
    """The operator named (or on the label) says the line is not theirs: the ward's other
    cable operators are asked to claim it; none left, the owning unit takes it back."""
    if case.operator_slug == unit.slug:
        case.operator_slug = None
    ward_code = session.scalar(select(Ward.code).where(Ward.id == case.ward_id))
    declined = declined_units(session, case.id)
    live = {(t.kind, t.unit_id) for t in live_tickets(session, case.id)}
    slugs = [s for s in policy.operators.cable_operators(ward_code) if s not in declined]
    found = session.scalars(select(Unit).where(Unit.slug.in_(slugs)))
    others = sorted(
        (u for u in found if ("claim", u.id) not in live), key=lambda u: slugs.index(u.slug)
    )
    opened = len(
        open_tickets(
            session, case=case, wanted=[(u, "claim", ()) for u in others], due_at=ticket.due_at,
            decision_id=ticket.decision_id, actor=SYSTEM_ACTOR,
            note=f"{unit.name} says the line is not theirs.",
        )
    )  # fmt: skip
    ticket.handed_on = opened > 0
    if not opened:
        case_service.record_event(
            session, case, action="routing_exhausted",
            note="No operator is left to ask: the owning unit must find the line's owner.",
        )  # fmt: skip


def _claim_declined(session: Session, case: Case) -> None:
    if not any(t.kind in ("claim", "fix") for t in live_tickets(session, case.id)):
        case_service.record_event(
            session, case, action="routing_exhausted",
            note="Every operator asked says the line is not theirs: the owning unit must find "
            "its owner.",
        )  # fmt: skip


def _trace_not_ours(
    session: Session, case: Case, ticket: Ticket, unit: Unit, carrier: str | None
) -> None:
    """The prefix was only a hint (numbers are ported): the ticket moves to the carrier the
    answer names, or back to the Inspectorate."""
    target = None
    if carrier is not None:
        target = session.scalar(
            select(Unit).where(Unit.slug == carrier, Unit.kind == "operator", Unit.is_active)
        )
        if target is None or target.id == unit.id:
            raise InvalidRequest(
                f"{carrier!r} is not another carrier's unit slug.",
                errors=[{"pointer": "#/carrier", "detail": "another operator's slug"}],
            )
    if target is None:
        case_service.record_event(
            session, case, action="trace_returned",
            note=f"{unit.name} says {', '.join(ticket.phones)} are not its subscribers and "
            "named no other carrier: the Inspectorate traces them.",
        )  # fmt: skip
        return
    said = f"{unit.name} says the subscriber of {', '.join(ticket.phones)} is {target.name}'s."
    existing = next(
        (t for t in live_tickets(session, case.id, for_update=True)
         if t.kind == "trace" and t.unit_id == target.id),
        None,
    )  # fmt: skip
    if existing is not None:  # that carrier already traces other numbers of the case
        add_phones(session, existing, ticket.phones, actor=SYSTEM_ACTOR, note=said)
    else:
        open_ticket(
            session, case=case, unit=target, kind="trace", due_at=ticket.due_at,
            phones=ticket.phones, decision_id=ticket.decision_id, actor=SYSTEM_ACTOR, note=said,
        )  # fmt: skip
    ticket.handed_on = True


def settle_case(session: Session, case: Case) -> None:
    """The case follows its tickets: in progress once a unit works on one; resolved (for the
    owning unit to verify and close) when every ticket is done — resolved, cancelled, or
    rejected and handed on — and at least one was resolved."""
    all_tickets = list(session.scalars(select(Ticket).where(Ticket.case_id == case.id)))
    if not all_tickets:
        return
    live = [t for t in all_tickets if t.status in LIVE_TICKET_STATUSES]
    worked = any(t.status in ("acknowledged", "in_progress", "resolved") for t in all_tickets)
    done = (
        not live
        and any(t.status == "resolved" for t in all_tickets)
        # A declined claim is an answer; any other rejection not handed on leaves work with
        # the owning unit.
        and all(t.handed_on or t.kind == "claim" for t in all_tickets if t.status == "rejected")
    )
    if worked and case.status == "assigned":
        _move_case(session, case, "in_progress", None)
    if done:
        _move_case(session, case, "in_progress", None)
        _move_case(
            session, case, "resolved",
            "Các đơn vị được giao đã báo xử lý xong; cơ quan chủ trì sẽ kiểm tra và đóng "
            "phản ánh.",
        )  # fmt: skip
    case.updated_at = datetime.now(UTC)


def _move_case(session: Session, case: Case, target: str, public_note: str | None) -> None:
    if case.status == target or target not in allowed_targets(case.status):
        return
    case_service.apply_transition(
        session, case_id=case.id, target=target, actor=SYSTEM_ACTOR, note=public_note,
        note_is_public=public_note is not None,
    )  # fmt: skip
