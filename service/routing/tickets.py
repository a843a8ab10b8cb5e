"""The ticket state machine (pure, no I/O).

    open → acknowledged → in_progress → resolved
    any live state → rejected (with a reason) | cancelled (by the department or a re-route)

A claim ticket asks an operator whether an unlabelled cable is theirs: resolving it claims the
cable (a fix ticket follows), rejecting it with `not_ours` declines.
"""

from service.errors import InvalidRequest, TransitionNotAllowed
from service.routing.models import LIVE_TICKET_STATUSES

TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"acknowledged", "in_progress", "resolved", "rejected", "cancelled"}),
    "acknowledged": frozenset({"in_progress", "resolved", "rejected", "cancelled"}),
    "in_progress": frozenset({"resolved", "rejected", "cancelled"}),
    "resolved": frozenset(),
    "rejected": frozenset(),
    "cancelled": frozenset(),
}
# What the unit holding a ticket may do; cancelling is the department's.
OPERATOR_TARGETS = frozenset({"acknowledged", "in_progress", "resolved", "rejected"})
REJECT_REASONS = ("not_ours", "cannot_locate", "duplicate", "not_a_problem")


def is_live(status: str) -> bool:
    return status in LIVE_TICKET_STATUSES


def check_move(
    *, ticket_id: int, kind: str, current: str, target: str, reason: str | None, by_operator: bool
) -> None:
    if target not in TRANSITIONS:
        raise TransitionNotAllowed(
            f"{target!r} is not a ticket status; statuses are {', '.join(TRANSITIONS)}."
        )
    allowed = TRANSITIONS[current] & (OPERATOR_TARGETS if by_operator else TRANSITIONS[current])
    if kind == "claim":
        allowed = allowed - {"acknowledged", "in_progress"}
    if target not in allowed:
        options = ", ".join(sorted(allowed)) or "none"
        raise TransitionNotAllowed(
            f"Ticket {ticket_id} ({kind}) is {current}; it cannot move to {target} "
            f"(allowed: {options})."
        )
    if target == "rejected" and reason not in REJECT_REASONS:
        raise InvalidRequest(
            f"Rejecting a ticket needs a reason: one of {', '.join(REJECT_REASONS)}.",
            errors=[{"pointer": "#/reason", "detail": f"one of {', '.join(REJECT_REASONS)}"}],
        )
    if target != "rejected" and reason is not None:
        raise InvalidRequest(
            "A reason goes with a rejection only; use the note to say more.",
            errors=[{"pointer": "#/reason", "detail": "only with to=rejected"}],
        )
