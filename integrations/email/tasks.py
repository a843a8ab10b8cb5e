"""Celery: the IMAP poll (beat), one poller at a time."""

import logging

from integrations.email.imap import poll_once
from integrations.email.settings import get_mail_settings
from service.celery_app import TaskBase, celery
from service.intake.service import Intake

logger = logging.getLogger(__name__)
POLL_TASK = "email.poll"


class _Runtime:
    intake: Intake | None = None


runtime = _Runtime()


@celery.task(name=POLL_TASK, base=TaskBase, bind=True, ignore_result=True)
def poll(self: TaskBase) -> None:
    settings = get_mail_settings()
    if not settings.imap_host or runtime.intake is None:
        return
    with runtime.intake.exclusive("email.poll") as mine:
        if not mine:
            return  # another worker is polling right now
        result = poll_once(settings, runtime.intake)
    if result.taken or result.quarantined or result.duplicates:
        logger.info(
            "mailbox polled",
            extra={
                "taken": result.taken,
                "duplicates": result.duplicates,
                "ignored": result.ignored,
                "quarantined": result.quarantined,
            },
        )
