"""Retry policy for tasks that deliver something outside (callbacks, e-mail): Celery retries
with capped exponential backoff, and after the last attempt the outbox message is parked in
the dead-letter list (`triage outbox dead`) instead of vanishing."""

from typing import NoReturn

from service.celery_app import TaskBase
from service.outbox import service as outbox


def backoff_s(retries: int, *, base_s: float = 10.0, cap_s: float = 3600.0) -> int:
    return int(min(cap_s, base_s * 2**retries))


def retry_or_dead_letter(
    task: TaskBase, exc: Exception, *, outbox_id: int | None, max_attempts: int
) -> NoReturn:
    """Raise Celery's Retry with backoff, or, on the last attempt, dead-letter and re-raise."""
    attempt = task.request.retries + 1
    error = f"attempt {attempt}/{max_attempts}: {type(exc).__name__}: {exc}"
    if attempt >= max_attempts:
        with task.session_scope() as session:
            outbox.dead_letter(session, message_id=outbox_id, error=error)
        raise exc
    countdown = backoff_s(task.request.retries)
    with task.session_scope() as session:
        outbox.defer(session, message_id=outbox_id, seconds=countdown)
    # max_retries: the attempts are counted here; Celery's own limit (3 unless the task sets
    # one) would otherwise end the retries early, re-raising without a dead letter.
    raise task.retry(countdown=countdown, exc=exc, max_retries=max_attempts)
