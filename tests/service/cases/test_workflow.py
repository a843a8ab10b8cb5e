import itertools

import pytest

from service.cases import workflow
from service.errors import TransitionNotAllowed

HAPPY_PATH = ["new", "triaged", "assigned", "in_progress", "resolved", "closed", "reopened"]


def test_check_transition_accepts_the_whole_happy_path() -> None:
    for current, target in itertools.pairwise(HAPPY_PATH):
        workflow.check_transition(case_id=1, current=current, target=target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("new", "closed"),
        ("new", "in_progress"),
        ("closed", "assigned"),
        ("rejected", "closed"),
        ("resolved", "new"),
        ("in_progress", "new"),
    ],
)
def test_check_transition_rejects_illegal_moves(current: str, target: str) -> None:
    with pytest.raises(TransitionNotAllowed, match=f"cannot move to {target}"):
        workflow.check_transition(case_id=7, current=current, target=target)


def test_check_transition_rejects_unknown_status() -> None:
    with pytest.raises(TransitionNotAllowed, match="not a case status"):
        workflow.check_transition(case_id=7, current="new", target="done")


def test_every_state_can_be_left_or_reopened() -> None:
    for state in workflow.STATES:
        assert workflow.allowed_targets(state), state
