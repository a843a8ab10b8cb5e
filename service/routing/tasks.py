"""Tickets reach their unit without polling: one outbox message per ticket event
(`routing.ticket_changed`), delivered at least once, retried with capped exponential backoff
and dead-lettered after the last attempt (`triage outbox dead` / `triage outbox replay`)."""

import logging

from service.celery_app import TaskBase, celery
from service.config import Settings
from service.outbox import service as outbox
from service.outbox.retrying import retry_or_dead_letter
from service.routing.delivery import load_delivery
from service.routing.mail import smtp_server
from service.routing.sending import DeliveryConfig, DeliveryFailed, deliver
from service.routing.service import TICKET_CHANGED_TASK

logger = logging.getLogger(__name__)


class _Runtime:
    settings: Settings | None = None


runtime = _Runtime()


@celery.task(name=TICKET_CHANGED_TASK, base=TaskBase, bind=True, acks_late=True)
def ticket_changed(self: TaskBase, event_id: int, outbox_id: int | None = None) -> None:
    settings = runtime.settings
    assert settings is not None, "worker not wired"
    with self.session_scope() as session:
        if not outbox.lock_unfinished(session, message_id=outbox_id):
            return
        delivery = load_delivery(session, event_id=event_id, base_url=settings.public_base_url)
    if delivery is not None:
        config = DeliveryConfig(
            timeout_s=settings.delivery_timeout_s,
            timezone=settings.local_timezone,
            smtp=smtp_server(settings),
        )
        extra = {"event_id": event_id, "unit": delivery.recipient.slug}
        try:
            outcome = deliver(delivery, config)
        except DeliveryFailed as exc:
            logger.warning("ticket delivery failed", extra={**extra, "error": str(exc)})
            attempts = settings.delivery_max_attempts if exc.retryable else 1
            retry_or_dead_letter(self, exc, outbox_id=outbox_id, max_attempts=attempts)
        if outcome == "email-off":
            logger.info("ticket e-mail not sent: TRIAGE_SMTP_HOST is empty", extra=extra)
        elif outcome == "no-contact":
            logger.debug("unit has no webhook or e-mail: it reads the API", extra=extra)
        else:
            logger.info("ticket delivered", extra={**extra, "by": outcome})
    with self.session_scope() as session:
        outbox.complete_message(session, message_id=outbox_id)
