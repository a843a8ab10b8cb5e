"""The acknowledgement e-mail: the tracking code back to the citizen, by SMTP, retried with
backoff and dead-lettered like every outbound delivery. It is marked Auto-Submitted so a
well-behaved auto-responder never answers it (no mail loops).

Its subject and Message-ID are functions of the report (`ack_subject`, `ack_message_id`),
so the status mails (status.py) rebuild them and reply in its thread with nothing stored."""

import logging
import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from integrations.email.parse import SEND_ACK_TASK
from integrations.email.settings import MailSettings, get_mail_settings
from service.celery_app import TaskBase, celery
from service.outbox import service as outbox
from service.outbox.retrying import retry_or_dead_letter
from service.triage import notify

logger = logging.getLogger(__name__)


def ack_subject(subject: str, tracking_code: str) -> str:
    return f"[{tracking_code}] Đã tiếp nhận phản ánh: {subject or '(không tiêu đề)'}"[:250]


def ack_message_id(settings: MailSettings, *, report_id: int, tracking_code: str) -> str:
    """Deterministic, so a re-sent acknowledgement keeps its id (receivers de-duplicate on
    it) and a later status mail can name it in In-Reply-To."""
    return f"<ack-{report_id}.{tracking_code}@{mail_domain(settings)}>"


def mail_domain(settings: MailSettings) -> str:
    return settings.address.split("@")[-1]


def build_ack(
    settings: MailSettings,
    *,
    report_id: int,
    to: str,
    subject: str,
    tracking_code: str,
    in_reply_to: str | None,
    references: list[str],
) -> EmailMessage:
    ack = EmailMessage()
    ack["From"] = formataddr((settings.display_name, settings.address))
    ack["To"] = to
    ack["Subject"] = ack_subject(subject, tracking_code)
    ack["Date"] = format_datetime(datetime.now(UTC))
    ack["Message-ID"] = ack_message_id(settings, report_id=report_id, tracking_code=tracking_code)
    if in_reply_to:
        ack["In-Reply-To"] = in_reply_to
    if references:
        ack["References"] = " ".join(references)
    ack["Auto-Submitted"] = "auto-replied"
    ack["X-Auto-Response-Suppress"] = "All"
    ack.set_content(
        "Kính gửi Quý công dân,\n\n"
        f"Phản ánh của Quý vị đã được tiếp nhận với mã theo dõi {tracking_code}.\n"
        f"Tra cứu tiến độ xử lý: {settings.public_track_url}{tracking_code}\n\n"
        "Để bổ sung thông tin hoặc hình ảnh, vui lòng trả lời thư này (giữ nguyên mã trong "
        "tiêu đề).\n\n"
        "---\n"
        f"Your report was received. Tracking code: {tracking_code}.\n"
        f"Follow it at {settings.public_track_url}{tracking_code}\n"
    )
    return ack


def send(settings: MailSettings, message: EmailMessage) -> None:
    if not settings.smtp_host:
        raise RuntimeError("TRIAGE_MAIL_SMTP_HOST is not set")
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if settings.smtp_security == "ssl":
        smtp = smtplib.SMTP_SSL(
            settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_s, context=context
        )
    else:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_s)
    with smtp:
        if settings.smtp_security == "starttls":
            smtp.starttls(context=context)
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password.get_secret_value())
        smtp.send_message(message)


@celery.task(name=SEND_ACK_TASK, base=TaskBase, bind=True, acks_late=True)
def send_ack(
    self: TaskBase,
    report_id: int,
    to: str,
    subject: str,
    in_reply_to: str | None,
    references: list[str],
    outbox_id: int | None = None,
) -> None:
    settings = get_mail_settings()
    with self.session_scope() as session:
        if not outbox.lock_unfinished(session, message_id=outbox_id):
            return
        receipt = notify.receipt(session, report_id=report_id)
    if receipt is None or not settings.smtp_host:
        _complete(self, outbox_id)
        return
    message = build_ack(
        settings,
        report_id=receipt.report_id,
        to=to,
        subject=subject,
        tracking_code=receipt.tracking_code,
        in_reply_to=in_reply_to,
        references=references,
    )
    try:
        send(settings, message)
    except (smtplib.SMTPException, OSError) as exc:
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            logger.warning("acknowledgement refused for its recipient", extra={"to": to})
        retry_or_dead_letter(self, exc, outbox_id=outbox_id, max_attempts=settings.ack_max_attempts)
    _complete(self, outbox_id)


def _complete(task: TaskBase, outbox_id: int | None) -> None:
    with task.session_scope() as session:
        outbox.complete_message(session, message_id=outbox_id)
