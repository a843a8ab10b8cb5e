"""The Celery application, the task base (a session per task) and the broker dispatcher."""

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from celery import Celery, Task
from kombu.exceptions import KombuError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from service.config import Settings
from service.contracts import DispatchFailed

logger = logging.getLogger(__name__)

celery = Celery("triage")


def configure_celery(settings: Settings) -> Celery:
    celery.conf.update(
        broker_url=settings.effective_broker_url,
        broker_connection_timeout=2,
        broker_connection_retry_on_startup=True,
        broker_transport_options=_transport_options(settings),
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        timezone="UTC",
        enable_utc=True,
        beat_schedule={
            "outbox-relay": {
                "task": "outbox.relay",
                "schedule": settings.outbox_relay_every_s,
                # A relay message that waited this long behind other tasks is dropped: a
                # newer one follows every second, so a deep queue gains no relay backlog.
                "options": {"expires": max(10.0, 10 * settings.outbox_relay_every_s)},
            },
        },
    )
    return celery


def _transport_options(settings: Settings) -> dict[str, Any]:
    url = settings.effective_broker_url
    if url.startswith(("redis://", "rediss://", "redis+socket://")):
        return {
            "visibility_timeout": settings.broker_visibility_timeout_s,
            "socket_connect_timeout": 2,
            "socket_timeout": 5,
        }
    if url.startswith(("amqp://", "amqps://", "pyamqp://")):
        # RabbitMQ: publisher confirms, so a send returns once the broker holds the message
        # (the outbox then rightly records it as dispatched); bounded socket reads/writes.
        return {"confirm_publish": True, "read_timeout": 5, "write_timeout": 5}
    return {}


# Where Celery logs, at INFO, each beat send ("Scheduler: Sending due task …"), each task
# received and succeeded, and each expired one discarded.
_PER_TASK_LOGGERS = (
    "celery.beat",
    "celery.worker.strategy",
    "celery.app.trace",
    "celery.worker.request",
)


class _DemoteRoutineTasks(logging.Filter):
    """Turns those INFO lines into DEBUG for the named tasks: the relay runs every second,
    and an idle stack should log nothing per second at INFO. Failures still log (WARNING+)."""

    def __init__(self, task_names: Iterable[str]) -> None:
        super().__init__()
        self._names = frozenset(task_names)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO or not self._names.intersection(_names_in(record)):
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)


def _names_in(record: logging.LogRecord) -> list[object]:
    args = record.args
    if isinstance(args, Mapping):
        return [args.get("name")]
    return list(args or ())


def demote_routine_task_logs(task_names: Iterable[str]) -> None:
    """Log the given tasks' beat sends and receipts/successes at DEBUG, not INFO."""
    names = list(task_names)
    for name in _PER_TASK_LOGGERS:
        log = logging.getLogger(name)
        for old in [f for f in log.filters if isinstance(f, _DemoteRoutineTasks)]:
            log.removeFilter(old)
        log.addFilter(_DemoteRoutineTasks(names))


class TaskBase(Task):  # type: ignore[misc]
    """Owns the transaction of one task run: commit on success, roll back on error."""

    session_factory: sessionmaker[Session] | None = None

    def session_scope(self) -> Any:
        if self.session_factory is None:
            raise RuntimeError("the worker has not been wired (service.worker sets it up)")
        return self.session_factory.begin()


class CeleryDispatcher:
    """Publishes tasks by name; a broker failure becomes DispatchFailed (the relay retries)."""

    def __init__(self, app: Celery) -> None:
        self._app = app

    def dispatch(self, task_name: str, kwargs: dict[str, Any]) -> None:
        try:
            self._app.send_task(
                task_name,
                kwargs=kwargs,
                retry=True,
                retry_policy={"max_retries": 1, "interval_start": 0.2, "interval_step": 0.5},
            )
        except (OperationalError, KombuError, OSError, TimeoutError) as exc:
            raise DispatchFailed(f"broker unavailable: {type(exc).__name__}: {exc}") from exc
