"""Ports between the domain and the outside world, and the plain data that crosses them."""

from typing import Any, Protocol


class DispatchFailed(Exception):
    """The broker did not take the message; the outbox keeps it for the sweeper."""


class TaskDispatcher(Protocol):
    """Hands a named task with JSON-safe keyword arguments to the task queue."""

    def dispatch(self, task_name: str, kwargs: dict[str, Any]) -> None:
        """Send it now, or raise DispatchFailed."""
        ...


# The task that processes a stored report (argument `report_id`): channels and intake queue it,
# the triage pipeline runs it. Named here so neither side imports the other.
PROCESS_REPORT_TASK = "triage.process_report"
