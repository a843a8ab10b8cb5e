"""The outbox relay's resend rule, against the real database (time moved by editing rows)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from service.outbox import service as outbox
from service.outbox.models import OutboxMessage
from tests.fakes import RecordingDispatcher

STARTED_TIMEOUT_S = 300
UNSTARTED_TIMEOUT_S = 1800


@pytest.fixture
def factory(db_session: Session) -> sessionmaker[Session]:
    return sessionmaker(
        bind=db_session.connection(),
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
    )


def _relay(factory: sessionmaker[Session], dispatcher: RecordingDispatcher) -> int:
    return outbox.relay(
        factory,
        dispatcher,
        redispatch_after_s=STARTED_TIMEOUT_S,
        unstarted_after_s=UNSTARTED_TIMEOUT_S,
    )


def _message(db_session: Session) -> int:
    outbox.add_message(db_session, task_name="test.task", kwargs={"n": 1})
    return db_session.scalars(
        select(OutboxMessage.id).where(OutboxMessage.task_name == "test.task")
    ).one()


def _age(db_session: Session, message_id: int, **seconds_ago: float) -> None:
    """Set timestamps (`dispatched_at=…`, `started_at=…`) to that many seconds ago."""
    now = datetime.now(UTC)
    values = {column: now - timedelta(seconds=s) for column, s in seconds_ago.items()}
    db_session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(values))


def _row(db_session: Session, message_id: int) -> OutboxMessage:
    db_session.expire_all()
    return db_session.get_one(OutboxMessage, message_id)


def _sent_ids(dispatcher: RecordingDispatcher) -> list[int]:
    return [kwargs["outbox_id"] for _, kwargs in dispatcher.sent]


def test_relay_sends_a_new_message_once(
    db_session: Session, factory: sessionmaker[Session], dispatcher: RecordingDispatcher
) -> None:
    message_id = _message(db_session)
    assert _relay(factory, dispatcher) == 1
    assert _relay(factory, dispatcher) == 0
    assert _sent_ids(dispatcher) == [message_id]
    row = _row(db_session, message_id)
    assert (row.dispatch_count, row.started_at) == (1, None)


def test_relay_does_not_resend_a_queued_message_before_the_unstarted_timeout(
    db_session: Session, factory: sessionmaker[Session], dispatcher: RecordingDispatcher
) -> None:
    """Waiting in a deep queue for longer than the started-run timeout is not a loss."""
    message_id = _message(db_session)
    _relay(factory, dispatcher)
    _age(db_session, message_id, dispatched_at=UNSTARTED_TIMEOUT_S - 60)
    assert _relay(factory, dispatcher) == 0
    assert _row(db_session, message_id).dispatch_count == 1


def test_relay_resends_a_message_that_never_started_after_the_unstarted_timeout(
    db_session: Session, factory: sessionmaker[Session], dispatcher: RecordingDispatcher
) -> None:
    message_id = _message(db_session)
    _relay(factory, dispatcher)
    _age(db_session, message_id, dispatched_at=UNSTARTED_TIMEOUT_S + 60)
    assert _relay(factory, dispatcher) == 1
    assert _sent_ids(dispatcher) == [message_id, message_id]
    assert _row(db_session, message_id).dispatch_count == 2


def test_relay_resends_a_started_unfinished_message_after_the_timeout(
    db_session: Session, factory: sessionmaker[Session], dispatcher: RecordingDispatcher
) -> None:
    message_id = _message(db_session)
    _relay(factory, dispatcher)
    outbox.mark_started(db_session, message_id=message_id)
    _age(db_session, message_id, dispatched_at=STARTED_TIMEOUT_S + 70, started_at=60)
    assert _relay(factory, dispatcher) == 0  # running for a minute: leave it alone
    _age(db_session, message_id, started_at=STARTED_TIMEOUT_S + 10)
    assert _relay(factory, dispatcher) == 1
    row = _row(db_session, message_id)
    # The new send starts the clocks again: it is now a queued, unstarted message.
    assert (row.dispatch_count, row.started_at) == (2, None)
    assert _relay(factory, dispatcher) == 0


def test_mark_started_records_the_run_and_ignores_a_completed_message(
    db_session: Session, factory: sessionmaker[Session], dispatcher: RecordingDispatcher
) -> None:
    message_id = _message(db_session)
    _relay(factory, dispatcher)
    outbox.mark_started(db_session, message_id=message_id)
    started = _row(db_session, message_id).started_at
    assert started is not None
    outbox.complete_message(db_session, message_id=message_id)
    outbox.mark_started(db_session, message_id=message_id)
    assert _row(db_session, message_id).started_at == started


def test_defer_waits_for_the_celery_retry_then_counts_it_as_unstarted(
    db_session: Session, factory: sessionmaker[Session], dispatcher: RecordingDispatcher
) -> None:
    """A task retrying itself in 2 h (a callback's backoff) is not sent again meanwhile,
    although its first run started long ago."""
    message_id = _message(db_session)
    _relay(factory, dispatcher)
    outbox.mark_started(db_session, message_id=message_id)
    _age(db_session, message_id, started_at=STARTED_TIMEOUT_S + 10)
    outbox.defer(db_session, message_id=message_id, seconds=7200)
    assert _relay(factory, dispatcher) == 0
    _age(db_session, message_id, dispatched_at=UNSTARTED_TIMEOUT_S + 10)
    assert _relay(factory, dispatcher) == 1


def test_a_dispatch_that_never_reached_the_broker_is_not_counted_as_a_send(
    db_session: Session, factory: sessionmaker[Session]
) -> None:
    message_id = _message(db_session)
    down = RecordingDispatcher(fail=True)
    for _ in range(3):
        assert _relay(factory, down) == 0
    row = _row(db_session, message_id)
    assert (row.dispatch_count, row.dispatched_at, row.last_error) == (
        0,
        None,
        "broker unavailable",
    )
    up = RecordingDispatcher()
    assert _relay(factory, up) == 1
    assert _row(db_session, message_id).dispatch_count == 1


def test_a_failed_resend_of_a_hung_run_keeps_its_start_time(
    db_session: Session, factory: sessionmaker[Session], dispatcher: RecordingDispatcher
) -> None:
    message_id = _message(db_session)
    _relay(factory, dispatcher)
    _age(
        db_session,
        message_id,
        dispatched_at=STARTED_TIMEOUT_S + 60,
        started_at=STARTED_TIMEOUT_S + 30,
    )
    before = _row(db_session, message_id).started_at
    assert _relay(factory, RecordingDispatcher(fail=True)) == 0
    row = _row(db_session, message_id)
    assert (row.dispatch_count, row.started_at) == (1, before)
