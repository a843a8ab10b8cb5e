"""Thin Celery tasks around the pipeline steps."""

import logging
from typing import Any

from sqlalchemy.exc import OperationalError as DBOperationalError

from service.cases.service import PUBLIC_CHANGE_TASK
from service.celery_app import TaskBase, celery
from service.config import Settings
from service.outbox import service as outbox_service
from service.reports.blobs import BlobStore
from service.triage import notify, photos, pipeline

logger = logging.getLogger(__name__)


class _Runtime:
    settings: Settings | None = None
    policy: pipeline.ProcessingPolicy | None = None
    dispatcher: Any = None
    blobs: BlobStore | None = None
    # Builds (once per worker process) the OCR engine; None: photos are not read.
    photo_reader: photos.ReaderFactory | None = None
    # channel name → its status task (registered by channel adapters)
    status_tasks: dict[str, str] = {}  # noqa: RUF012 - replaced whole by the worker


runtime = _Runtime()


@celery.task(
    name=pipeline.PROCESS_REPORT_TASK,
    base=TaskBase,
    bind=True,
    acks_late=True,
    autoretry_for=(DBOperationalError,),
    retry_backoff=2,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def process_report(self: TaskBase, report_id: int, outbox_id: int | None = None) -> None:
    assert runtime.policy is not None, "worker not wired"
    assert self.session_factory is not None
    reading = (
        pipeline.PhotoReading(blobs=runtime.blobs, reader=runtime.photo_reader)
        if runtime.photo_reader is not None and runtime.blobs is not None
        else None
    )
    pipeline.read_photos(
        self.session_factory, report_id=report_id, reading=reading, policy=runtime.policy
    )
    with self.session_scope() as session:
        pipeline.process_report(
            session, report_id=report_id, policy=runtime.policy, outbox_id=outbox_id
        )


@celery.task(
    name=PUBLIC_CHANGE_TASK,
    base=TaskBase,
    bind=True,
    acks_late=True,
    autoretry_for=(DBOperationalError,),
    retry_backoff=2,
    retry_backoff_max=600,
    max_retries=8,
)
def public_change(self: TaskBase, event_id: int, outbox_id: int | None = None) -> None:
    with self.session_scope() as session:
        if not outbox_service.lock_unfinished(session, message_id=outbox_id):
            return
        notify.fan_out_public_change(session, event_id=event_id, status_tasks=runtime.status_tasks)
        outbox_service.complete_message(session, message_id=outbox_id)


@celery.task(name="outbox.relay", base=TaskBase, bind=True, ignore_result=True)
def relay_outbox(self: TaskBase) -> int:
    assert runtime.settings is not None
    assert self.session_factory is not None
    sent = outbox_service.relay(
        self.session_factory,
        runtime.dispatcher,
        redispatch_after_s=runtime.settings.outbox_redispatch_after_s,
        unstarted_after_s=runtime.settings.outbox_unstarted_redispatch_after_s,
    )
    if sent:
        logger.info("outbox relay sent messages", extra={"count": sent})
    return sent
