"""Transactional outbox: tasks are recorded with the work that asks for them, and a relay
hands them to the broker after commit. A broker outage delays work but never loses it."""

import logging
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    CTE,
    ColumnElement,
    Connection,
    Insert,
    Table,
    and_,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session, sessionmaker

from service.contracts import DispatchFailed, TaskDispatcher
from service.outbox.models import OutboxMessage

logger = logging.getLogger(__name__)


_INSERT_MESSAGE = insert(cast(Table, OutboxMessage.__table__))


def add_message(db: Session | Connection, *, task_name: str, kwargs: dict[str, Any]) -> None:
    """Record a task in the current transaction; the relay sends it once that has committed."""
    conn = db.connection() if isinstance(db, Session) else db
    conn.execute(_INSERT_MESSAGE, {"task_name": task_name, "kwargs": kwargs, "dispatch_count": 0})


def add_messages(
    db: Session | Connection, *, task_name: str, kwargs_list: list[dict[str, Any]]
) -> None:
    """Several tasks of one name in one statement (a case's tickets and their events)."""
    if not kwargs_list:
        return
    conn = db.connection() if isinstance(db, Session) else db
    conn.execute(
        _INSERT_MESSAGE,
        [{"task_name": task_name, "kwargs": k, "dispatch_count": 0} for k in kwargs_list],
    )


def message_per_row(rows: CTE, *, task_name: str, id_kwarg: str) -> Insert:
    """An INSERT recording one message per row of `rows` (a CTE with an `id` column).

    Used as a further CTE of the statement that creates those rows, so the work and its
    message are written in one round trip (the intake's hot path).
    """
    return insert(cast(Table, OutboxMessage.__table__)).from_select(
        ["task_name", "kwargs", "dispatch_count"],
        select(
            literal(task_name),
            func.jsonb_build_object(literal(id_kwarg), rows.c.id),
            literal(0),
        ),
        include_defaults=False,
    )


def _send(dispatcher: TaskDispatcher, message_id: int, task: str, kwargs: dict[str, Any]) -> bool:
    try:
        dispatcher.dispatch(task, {**kwargs, "outbox_id": message_id})
    except DispatchFailed as exc:
        logger.warning(
            "dispatch of outbox message failed; the sweeper will retry",
            extra={"outbox_id": message_id, "error": str(exc)},
        )
        return False
    return True


def _mark_undispatched(
    session: Session, failed: list[tuple[int, datetime | None]], error: str
) -> None:
    """The sends never reached the broker: not a send (dispatch_count counts sends), and a
    run still going keeps its start time; the next pass tries again."""
    for message_id, started_at in failed:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(
                dispatched_at=None,
                started_at=started_at,
                dispatch_count=OutboxMessage.dispatch_count - 1,
                last_error=error,
            )
        )


def relay(
    factory: sessionmaker[Session],
    dispatcher: TaskDispatcher,
    *,
    redispatch_after_s: float,
    unstarted_after_s: float,
    batch: int = 500,
) -> int:
    """Send what was never sent, and again what was lost or stuck on the way.

    Runs every second or so (Celery beat). A message is sent again when a run of it began
    more than `redispatch_after_s` ago and did not complete (its worker died or hangs), or
    when it was sent more than `unstarted_after_s` ago and no run ever began (the broker
    lost it). The second wait is much longer on purpose: a message that has not started is
    almost always still queued in the broker behind others, and sending it again then only
    lengthens the queue (issue #9: a 20 s timeout on a queue minutes deep sent each task
    3.4 times on average). Each dispatch clears `started_at`, so every timeout counts from
    the latest send.

    Rows are claimed with SKIP LOCKED, so several relays never send the same message at
    once; a message sent twice is harmless because every task is idempotent.
    """
    with factory.begin() as session:
        due = session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.completed_at.is_(None),
                OutboxMessage.dead_at.is_(None),
                _due(redispatch_after_s=redispatch_after_s, unstarted_after_s=unstarted_after_s),
            )
            .order_by(OutboxMessage.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        ).all()
        started_before = {m.id: m.started_at for m in due}
        for message in due:
            message.dispatched_at = _now()
            message.started_at = None
            message.dispatch_count += 1
        work = [(m.id, m.task_name, dict(m.kwargs)) for m in due]
    failed = [
        (mid, started_before[mid])
        for mid, task, kwargs in work
        if not _send(dispatcher, mid, task, kwargs)
    ]
    if failed:
        with factory.begin() as session:
            _mark_undispatched(session, failed, "broker unavailable")
    return len(work) - len(failed)


def _due(*, redispatch_after_s: float, unstarted_after_s: float) -> ColumnElement[bool]:
    now = _now()
    return or_(
        OutboxMessage.dispatched_at.is_(None),
        and_(
            OutboxMessage.started_at.is_(None),
            OutboxMessage.dispatched_at < now - timedelta(seconds=unstarted_after_s),
        ),
        OutboxMessage.started_at < now - timedelta(seconds=redispatch_after_s),
    )


def mark_started(session: Session, *, message_id: int) -> None:
    """A run of the message's task begins. The caller commits this at once, before the task
    body runs, so it stays visible if the run then fails or hangs. A row locked by another
    run of the same message (which has marked it already) is skipped rather than waited on."""
    claimable = (
        select(OutboxMessage.id)
        .where(OutboxMessage.id == message_id, OutboxMessage.completed_at.is_(None))
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    session.execute(
        update(OutboxMessage).where(OutboxMessage.id == claimable).values(started_at=_now())
    )


def complete_message(session: Session, *, message_id: int | None) -> None:
    if message_id is None:
        return
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.completed_at.is_(None))
        .values(completed_at=_now())
    )


def lock_unfinished(session: Session, *, message_id: int | None) -> bool:
    """Lock the message until the end of the transaction; False if it is already done
    (a re-delivered task then does nothing). No message id: nothing to guard."""
    if message_id is None:
        return True
    completed = session.execute(
        select(OutboxMessage.completed_at).where(OutboxMessage.id == message_id).with_for_update()
    ).first()
    return completed is not None and completed.completed_at is None


def defer(session: Session, *, message_id: int | None, seconds: float) -> None:
    """A task will retry itself in `seconds`: keep the relay from re-sending it before then.

    The retry is a new send (by Celery, at `seconds` from now) that has not started yet."""
    if message_id is None:
        return
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(dispatched_at=_now() + timedelta(seconds=seconds), started_at=None)
    )


def dead_letter(session: Session, *, message_id: int | None, error: str) -> None:
    """The task gave up: park the message where admins see it and can replay it."""
    if message_id is None:
        return
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(dead_at=_now(), last_error=error[:2000])
    )


def list_dead(session: Session, *, limit: int = 100) -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.dead_at.is_not(None), OutboxMessage.completed_at.is_(None))
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
    )


def replay(session: Session, *, message_ids: list[int] | None) -> int:
    """Send dead-lettered messages again (all of them when `message_ids` is None)."""
    stmt = update(OutboxMessage).where(
        OutboxMessage.dead_at.is_not(None), OutboxMessage.completed_at.is_(None)
    )
    if message_ids is not None:
        stmt = stmt.where(OutboxMessage.id.in_(message_ids))
    result = session.execute(
        stmt.values(
            dead_at=None,
            dispatched_at=None,
            started_at=None,
            replay_count=OutboxMessage.replay_count + 1,
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def count_pending(session: Session) -> int:
    return len(
        session.scalars(
            select(OutboxMessage.id).where(
                OutboxMessage.completed_at.is_(None), OutboxMessage.dead_at.is_(None)
            )
        ).all()
    )


def _now() -> datetime:
    return datetime.now(UTC)
