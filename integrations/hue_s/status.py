"""Status back to Hue-S: each citizen-visible case change, signed, POSTed to the callback URL,
retried with exponential backoff, dead-lettered after the last attempt."""

import json
import logging
from zoneinfo import ZoneInfo

import httpx

from integrations.hue_s.settings import get_hue_s_settings
from integrations.hue_s.signing import signed_headers
from service.celery_app import TaskBase, celery
from service.outbox import service as outbox
from service.outbox.retrying import retry_or_dead_letter
from service.triage import notify
from service.triage.notify import StatusNotice
from service.triage.public import STATUS_LABELS

logger = logging.getLogger(__name__)
SEND_STATUS_TASK = "hue_s.send_status"
_LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


class CallbackRefused(Exception):
    """Hue-S answered with something other than 2xx."""


def callback_body(notice: StatusNotice) -> bytes:
    doc = {
        "notice_id": f"triage-{notice.event_id}-{notice.report_id}",
        "event_id": notice.external_id,
        "report_id": notice.thread_id,
        "tracking_code": notice.tracking_code,
        "status": notice.status,
        "status_label": STATUS_LABELS["vi"].get(notice.status, notice.status),
        "occurred_at": notice.occurred_at.astimezone(_LOCAL).isoformat(timespec="seconds"),
        "due_at": notice.due_at.astimezone(_LOCAL).isoformat(timespec="seconds")
        if notice.due_at
        else None,
        "note": notice.note,
    }
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


@celery.task(name=SEND_STATUS_TASK, base=TaskBase, bind=True, acks_late=True)
def send_status(
    self: TaskBase, report_id: int, event_id: int, outbox_id: int | None = None
) -> None:
    settings = get_hue_s_settings()
    with self.session_scope() as session:
        if not outbox.lock_unfinished(session, message_id=outbox_id):
            return
        notice = notify.status_notice(session, report_id=report_id, event_id=event_id)
    if notice is None or not settings.callback_url:
        _complete(self, outbox_id)  # nothing to say, or nowhere to say it
        return
    body = callback_body(notice)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        **signed_headers(settings.secret.get_secret_value().encode(), body),
    }
    try:
        response = httpx.post(
            settings.callback_url,
            content=body,
            headers=headers,
            timeout=settings.callback_timeout_s,
            follow_redirects=False,
            trust_env=False,
        )
        if not response.is_success:
            raise CallbackRefused(f"HTTP {response.status_code}: {response.text[:200]}")
    except (httpx.HTTPError, CallbackRefused) as exc:
        logger.warning("Hue-S callback failed", extra={"report_id": report_id, "error": str(exc)})
        retry_or_dead_letter(
            self, exc, outbox_id=outbox_id, max_attempts=settings.callback_max_attempts
        )
    _complete(self, outbox_id)


def _complete(task: TaskBase, outbox_id: int | None) -> None:
    with task.session_scope() as session:
        outbox.complete_message(session, message_id=outbox_id)
