"""The case state machine: pure, no I/O."""

from service.errors import TransitionNotAllowed

TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"triaged", "rejected"}),
    "triaged": frozenset({"assigned", "rejected"}),
    "assigned": frozenset({"in_progress", "triaged", "rejected"}),
    "in_progress": frozenset({"resolved", "assigned"}),
    "resolved": frozenset({"closed", "reopened"}),
    "closed": frozenset({"reopened"}),
    "rejected": frozenset({"reopened"}),
    "reopened": frozenset({"triaged", "assigned", "in_progress", "rejected"}),
}
STATES = tuple(TRANSITIONS)
OPEN_STATES = frozenset({"new", "triaged", "assigned", "in_progress", "reopened"})


def allowed_targets(current: str) -> frozenset[str]:
    return TRANSITIONS.get(current, frozenset())


def check_transition(*, case_id: int, current: str, target: str) -> None:
    if target not in TRANSITIONS:
        raise TransitionNotAllowed(
            f"{target!r} is not a case status; statuses are {', '.join(STATES)}."
        )
    if target not in allowed_targets(current):
        options = ", ".join(sorted(allowed_targets(current))) or "none"
        raise TransitionNotAllowed(
            f"Case {case_id} is {current}; it cannot move to {target} (allowed: {options})."
        )
