"""Transactional outbox: tasks are recorded with the work and dispatched after commit."""

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from service.contracts import DispatchFailed, TaskDispatcher
from service.outbox.models import OutboxMessage

logger = logging.getLogger(__name__)
_PENDING_KEY = "outbox_pending"


def add_message(session: Session, *, task_name: str, kwargs: dict[str, Any]) -> OutboxMessage:
    """Record a task in the current transaction and send it once that transaction commits."""
    message = OutboxMessage(
        task_name=task_name, kwargs=kwargs, dispatched_at=_now(), dispatch_count=1
    )
    session.add(message)
    session.flush()
    session.info.setdefault(_PENDING_KEY, []).append(message.id)
    return message


def install_after_commit_dispatch(
    factory: sessionmaker[Session], dispatcher: TaskDispatcher
) -> None:
    """Sessions from this factory send their outbox messages right after a commit."""

    @event.listens_for(factory, "after_commit")
    def _after_commit(session: Session) -> None:
        ids = session.info.pop(_PENDING_KEY, [])
        if ids:
            _dispatch_ids(factory, dispatcher, ids)

    @event.listens_for(factory, "after_rollback")
    def _after_rollback(session: Session) -> None:
        if not session.in_transaction():
            session.info.pop(_PENDING_KEY, None)


def _dispatch_ids(
    factory: sessionmaker[Session], dispatcher: TaskDispatcher, ids: list[int]
) -> None:
    with factory() as session:
        rows = session.execute(
            select(OutboxMessage.id, OutboxMessage.task_name, OutboxMessage.kwargs).where(
                OutboxMessage.id.in_(ids)
            )
        ).all()
    failed = [r.id for r in rows if not _send(dispatcher, r.id, r.task_name, r.kwargs)]
    if failed:
        with factory.begin() as session:
            _mark_undispatched(session, failed, "broker unavailable at dispatch")


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


def _mark_undispatched(session: Session, ids: list[int], error: str) -> None:
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))
        .values(dispatched_at=None, last_error=error)
    )


def sweep(
    factory: sessionmaker[Session],
    dispatcher: TaskDispatcher,
    *,
    redispatch_after_s: float,
    batch: int = 500,
) -> int:
    """Send again what was never sent, or was sent long ago and never completed."""
    cutoff = _now() - timedelta(seconds=redispatch_after_s)
    with factory.begin() as session:
        due = (
            session.execute(
                select(OutboxMessage)
                .where(
                    OutboxMessage.completed_at.is_(None),
                    or_(
                        OutboxMessage.dispatched_at.is_(None), OutboxMessage.dispatched_at < cutoff
                    ),
                )
                .order_by(OutboxMessage.id)
                .limit(batch)
                .with_for_update(skip_locked=True)
            )
            .scalars()
            .all()
        )
        for message in due:
            message.dispatched_at = _now()
            message.dispatch_count += 1
        work = [(m.id, m.task_name, dict(m.kwargs)) for m in due]
    failed = [mid for mid, task, kwargs in work if not _send(dispatcher, mid, task, kwargs)]
    if failed:
        with factory.begin() as session:
            _mark_undispatched(session, failed, "broker unavailable at sweep")
    return len(work) - len(failed)


def complete_message(session: Session, *, message_id: int | None) -> None:
    if message_id is None:
        return
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.completed_at.is_(None))
        .values(completed_at=_now())
    )


def count_pending(session: Session) -> int:
    return len(
        session.scalars(select(OutboxMessage.id).where(OutboxMessage.completed_at.is_(None))).all()
    )


def _now() -> datetime:
    return datetime.now(UTC)
