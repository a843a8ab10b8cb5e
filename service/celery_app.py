"""The Celery application, the task base (a session per task) and the broker dispatcher."""

import logging
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
            "outbox-relay": {"task": "outbox.relay", "schedule": settings.outbox_relay_every_s},
        },
    )
    return celery


def _transport_options(settings: Settings) -> dict[str, Any]:
    if settings.effective_broker_url.startswith(("redis://", "rediss://", "redis+socket://")):
        return {
            "visibility_timeout": settings.broker_visibility_timeout_s,
            "socket_connect_timeout": 2,
            "socket_timeout": 5,
        }
    return {}


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
