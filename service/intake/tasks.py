"""Celery task: fetch the photos a channel gave by URL, attach them, then queue processing."""

import logging
from dataclasses import dataclass

from service.celery_app import TaskBase, celery
from service.contracts import PROCESS_REPORT_TASK
from service.intake import service as intake_service
from service.intake.fetch import FetchFailed, FetchPolicy, FetchRefused, fetch
from service.outbox import service as outbox
from service.reports import service as report_service
from service.reports.blobs import BlobStore
from service.reports.service import IncomingPhoto, PhotoLimits

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class _Runtime:
    policy: FetchPolicy | None = None
    blobs: BlobStore | None = None
    limits: PhotoLimits | None = None


runtime = _Runtime()
MAX_ATTEMPTS = 5


def backoff_s(retries: int) -> int:
    return int(min(600, 5 * 2**retries))


@celery.task(name=intake_service.FETCH_PHOTOS_TASK, base=TaskBase, bind=True, acks_late=True)
def fetch_photos(
    self: TaskBase, report_id: int, urls: list[str], outbox_id: int | None = None
) -> None:
    if runtime.policy is None or runtime.blobs is None or runtime.limits is None:
        raise RuntimeError("worker not wired (service.worker sets the intake runtime)")
    photos: list[IncomingPhoto] = []
    notes: list[str] = []
    last_attempt = self.request.retries + 1 >= MAX_ATTEMPTS
    for index, url in enumerate(urls):
        try:
            data = fetch(url, runtime.policy)
        except FetchRefused as exc:
            notes.append(f"photo {index + 1} ({url}) not fetched: {exc}")
            continue
        except FetchFailed as exc:
            if not last_attempt:
                countdown = backoff_s(self.request.retries)
                with self.session_scope() as session:
                    outbox.defer(session, message_id=outbox_id, seconds=countdown)
                raise self.retry(countdown=countdown, exc=exc) from exc
            notes.append(f"photo {index + 1} ({url}) not fetched after {MAX_ATTEMPTS} tries: {exc}")
            continue
        photos.append(IncomingPhoto(data=data, filename=url.rsplit("/", 1)[-1][:255] or None))
    with self.session_scope() as session:
        if not outbox.lock_unfinished(session, message_id=outbox_id):
            return  # a re-delivery of work already done
        notes += report_service.add_photos(
            session,
            report_id=report_id,
            photos=tuple(photos),
            blobs=runtime.blobs,
            limits=runtime.limits,
        )
        for note in notes:
            intake_service.add_note(session, report_id=report_id, note=note)
        outbox.add_message(session, task_name=PROCESS_REPORT_TASK, kwargs={"report_id": report_id})
        outbox.complete_message(session, message_id=outbox_id)
    if notes:
        logger.warning(
            "some photos were not attached", extra={"report_id": report_id, "notes": notes}
        )
