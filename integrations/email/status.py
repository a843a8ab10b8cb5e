"""Status mails: a citizen who reported by e-mail hears, in the thread of the acknowledgement
they got, when their case is sent on, forwarded or resolved.

Which public moves are mailed (every other one completes its outbox message unsent):
- always, as milestones: `assigned` (sent on to a unit), `resolved`, `closed`, `rejected`
  (not ours / forwarded elsewhere), `reopened` (they were told it was done);
- `triaged` and `in_progress` only when the move carries a note written for the citizen
  (e.g. "…đã chuyển đến cơ quan có thẩm quyền."): without one they say nothing new;
- never `new`: the acknowledgement has just said it.

The mail is a reply to the acknowledgement: `In-Reply-To` is its Message-ID (rebuilt by
`ack_message_id`, nothing stored), `References` the citizen's thread, their message, then the
acknowledgement; `Subject: Re: <the acknowledgement's subject>`, so it keeps the tracking code
a reply needs to join the case. It carries the status label, the public note, the deadline
while the case is open, the tracking code and link: never a staff name or an internal note
(`notify.status_notice` gives only what public.py publishes).

Only where the acknowledgement was owed (not to list, bulk or auto-submitted mail, no-reply
senders or ourselves), and once per reporter: a reply or second mail from the same address
on the same case is answered through the first report's thread. SMTP unset: completed
unsent. Failures retry with backoff and are dead-lettered like the acknowledgement.
"""

import logging
import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from zoneinfo import ZoneInfo

from integrations.email.ack import ack_message_id, ack_subject, mail_domain, send
from integrations.email.parse import may_answer_address, message_ids
from integrations.email.settings import MailSettings, get_mail_settings
from service.celery_app import TaskBase, celery
from service.outbox import service as outbox
from service.outbox.retrying import retry_or_dead_letter
from service.triage import notify
from service.triage.notify import ReplyThread, StatusNotice
from service.triage.public import OPEN_STATUSES, STATUS_LABELS

logger = logging.getLogger(__name__)
SEND_STATUS_TASK = "email.send_status"
MAILED_ALWAYS = frozenset({"assigned", "resolved", "closed", "rejected", "reopened"})
MAILED_WITH_NOTE = frozenset({"triaged", "in_progress"})
_LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
_MAX_REFERENCES = 10


def is_mailed(notice: StatusNotice) -> bool:
    return notice.status in MAILED_ALWAYS or (
        notice.status in MAILED_WITH_NOTE and notice.note is not None
    )


def recipient(settings: MailSettings, thread: ReplyThread) -> str | None:
    """The reporter's address when this report's thread is the one to answer."""
    address = (thread.reporter_email or "").strip().lower()
    if thread.answered_through is not None or thread.payload.get("may_reply") is False:
        return None
    own = frozenset({settings.address.lower()})
    return address if may_answer_address(address, own) else None


def thread_headers(settings: MailSettings, thread: ReplyThread) -> tuple[str, str, list[str]]:
    """(Subject, In-Reply-To, References) of a reply to this report's acknowledgement."""
    payload = thread.payload
    subject = ack_subject(str(payload.get("subject") or "")[:300], thread.tracking_code)
    ack_id = ack_message_id(
        settings, report_id=thread.report_id, tracking_code=thread.tracking_code
    )
    theirs = message_ids(str(payload.get("message_id") or ""))[:1]
    references = [*_cited(payload.get("references"))[-_MAX_REFERENCES:], *theirs, ack_id]
    return f"Re: {subject}", ack_id, list(dict.fromkeys(references))


def _cited(references: object) -> list[str]:
    """The Message-IDs the citizen's mail cited, as parse.py kept them."""
    if not isinstance(references, list):
        return []
    return [found for ref in references if isinstance(ref, str) for found in message_ids(ref)]


def build_status_mail(
    settings: MailSettings, notice: StatusNotice, thread: ReplyThread, *, to: str
) -> EmailMessage:
    subject, in_reply_to, references = thread_headers(settings, thread)
    mail = EmailMessage()
    mail["From"] = formataddr((settings.display_name, settings.address))
    mail["To"] = to
    mail["Subject"] = subject
    mail["Date"] = format_datetime(datetime.now(UTC))
    # Deterministic: a re-sent notice (at least once) keeps its id, so mail programs
    # de-duplicate it.
    mail["Message-ID"] = (
        f"<status-{notice.event_id}.{notice.report_id}.{notice.tracking_code}"
        f"@{mail_domain(settings)}>"
    )
    mail["In-Reply-To"] = in_reply_to
    mail["References"] = " ".join(references)
    mail["Auto-Submitted"] = "auto-generated"
    mail["X-Auto-Response-Suppress"] = "All"
    mail.set_content(status_text(settings, notice))
    return mail


def status_text(settings: MailSettings, notice: StatusNotice) -> str:
    code = notice.tracking_code
    url = f"{settings.public_track_url}{code}"
    vi = STATUS_LABELS["vi"].get(notice.status, notice.status)
    en = STATUS_LABELS["en"].get(notice.status, notice.status)
    lines = [
        "Kính gửi Quý công dân,",
        "",
        f"Phản ánh mã {code} có cập nhật mới: {vi}.",
    ]
    if notice.note:
        lines.append(notice.note)
    if notice.due_at is not None and notice.status in OPEN_STATUSES:
        lines.append(f"Hạn xử lý: {notice.due_at.astimezone(_LOCAL):%d/%m/%Y}.")
    lines += [
        f"Tra cứu tiến độ xử lý: {url}",
        "",
        "Để bổ sung thông tin hoặc hình ảnh, vui lòng trả lời thư này (giữ nguyên mã trong "
        "tiêu đề).",
        "",
        "---",
        f"Your report {code} has an update: {en}. Follow it at {url}",
    ]
    return "\n".join(lines) + "\n"


@celery.task(name=SEND_STATUS_TASK, base=TaskBase, bind=True, acks_late=True)
def send_status(
    self: TaskBase, report_id: int, event_id: int, outbox_id: int | None = None
) -> None:
    settings = get_mail_settings()
    with self.session_scope() as session:
        if not outbox.lock_unfinished(session, message_id=outbox_id):
            return
        notice = notify.status_notice(session, report_id=report_id, event_id=event_id)
        thread = notify.reply_thread(session, report_id=report_id)
    to = recipient(settings, thread) if thread is not None else None
    if notice is None or thread is None or to is None or not is_mailed(notice):
        _complete(self, outbox_id)  # nothing to say, or nobody to say it to
        return
    if not settings.smtp_host:
        logger.info(
            "status mail not sent: TRIAGE_MAIL_SMTP_HOST is not set",
            extra={"report_id": report_id, "event_id": event_id},
        )
        _complete(self, outbox_id)
        return
    try:
        send(settings, build_status_mail(settings, notice, thread, to=to))
    except (smtplib.SMTPException, OSError) as exc:
        logger.warning(
            "status mail failed",
            extra={"report_id": report_id, "event_id": event_id, "error": str(exc)},
        )
        retry_or_dead_letter(
            self, exc, outbox_id=outbox_id, max_attempts=settings.status_max_attempts
        )
    _complete(self, outbox_id)


def _complete(task: TaskBase, outbox_id: int | None) -> None:
    with task.session_scope() as session:
        outbox.complete_message(session, message_id=outbox_id)
