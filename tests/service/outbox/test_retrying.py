"""Capped exponential backoff, then the dead-letter list: the attempts are the caller's."""

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.celery_app import TaskBase, celery
from service.outbox import service as outbox_service
from service.outbox.models import OutboxMessage
from service.outbox.retrying import backoff_s, retry_or_dead_letter
from service.wiring import Runtime

attempts: list[int] = []


@celery.task(name="tests.outbox.always_fails", base=TaskBase, bind=True)
def always_fails(self: TaskBase, max_attempts: int, outbox_id: int | None = None) -> None:
    attempts.append(self.request.retries)
    retry_or_dead_letter(
        self, RuntimeError("receiver down"), outbox_id=outbox_id, max_attempts=max_attempts
    )


@pytest.fixture
def wired(bound_runtime: Runtime) -> Iterator[Runtime]:
    TaskBase.session_factory = bound_runtime.session_factory
    attempts.clear()
    yield bound_runtime
    TaskBase.session_factory = None


def test_backoff_doubles_from_ten_seconds_up_to_an_hour() -> None:
    assert [backoff_s(r) for r in range(11)] == [
        10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600,
    ]  # fmt: skip


def test_a_task_gets_every_attempt_asked_for_beyond_celerys_default_of_three_retries(
    db_session: Session, wired: Runtime
) -> None:
    outbox_service.add_message(db_session, task_name="tests.outbox.always_fails", kwargs={})
    message_id = db_session.scalars(
        select(OutboxMessage.id).where(OutboxMessage.task_name == "tests.outbox.always_fails")
    ).one()
    with pytest.raises(RuntimeError, match="receiver down"):
        always_fails.apply(kwargs={"max_attempts": 6, "outbox_id": message_id}).get()
    assert attempts == [0, 1, 2, 3, 4, 5]
    db_session.expire_all()
    dead = db_session.get_one(OutboxMessage, message_id)
    assert dead.dead_at is not None
    assert "attempt 6/6" in (dead.last_error or "")
