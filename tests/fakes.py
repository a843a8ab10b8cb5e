"""Test doubles; product code ships none."""

from typing import Any

from service.contracts import DispatchFailed


class RecordingDispatcher:
    """Keeps what would be sent; `fail=True` behaves like a broker that is down."""

    def __init__(self, *, fail: bool = False) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.fail = fail

    def dispatch(self, task_name: str, kwargs: dict[str, Any]) -> None:
        if self.fail:
            raise DispatchFailed("broker down (test)")
        self.sent.append((task_name, kwargs))
