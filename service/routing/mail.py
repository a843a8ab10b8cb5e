"""The e-mail fallback for units without a webhook: short Vietnamese and English lines, the
ticket's link, and nothing of the reporter (the same facts as the webhook notice)."""

import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from zoneinfo import ZoneInfo

from service.config import Settings
from service.routing.delivery import Notice

KIND_VI = {
    "fix": "sửa chữa tuyến cáp",
    "claim": "xác nhận chủ tuyến cáp",
    "trace": "xác minh thuê bao",
    "removal": "tháo gỡ quảng cáo",
    "forward": "chuyển xử lý",
}
STATUS_VI = {
    "open": "mới",
    "acknowledged": "đã tiếp nhận",
    "in_progress": "đang xử lý",
    "resolved": "đã xử lý xong",
    "rejected": "bị từ chối",
    "cancelled": "đã hủy",
}


@dataclass(frozen=True, slots=True)
class SmtpServer:
    host: str
    port: int
    security: str  # ssl | starttls | none
    user: str
    password: str
    timeout_s: float
    sender: str
    sender_name: str


def smtp_server(settings: Settings) -> SmtpServer | None:
    """The configured server; None when TRIAGE_SMTP_HOST is empty (e-mail is off)."""
    if not settings.smtp_host:
        return None
    return SmtpServer(
        host=settings.smtp_host,
        port=settings.smtp_port,
        security=settings.smtp_security,
        user=settings.smtp_user,
        password=settings.smtp_password.get_secret_value(),
        timeout_s=settings.smtp_timeout_s,
        sender=settings.smtp_from,
        sender_name=settings.smtp_from_name,
    )


def _headline(notice: Notice) -> str:
    move, n = notice.move, notice.ticket_id
    if move.from_status is None:
        kind_vi = KIND_VI.get(notice.kind, notice.kind)
        return f"Phiếu mới / New ticket #{n}: {kind_vi} / {notice.kind}"
    vi = STATUS_VI.get(move.to_status, move.to_status)
    return f"Phiếu #{n} {vi} / Ticket #{n} {move.to_status.replace('_', ' ')}"


def _body(notice: Notice, tz: ZoneInfo) -> str:
    place, move = notice.place, notice.move
    due = notice.due_at.astimezone(tz).strftime("%d/%m/%Y %H:%M (%z)")
    label = "/".join(p for p in (notice.category, notice.subtype) if p)
    lines = [
        _headline(notice),
        "",
        f"Hồ sơ / Case: #{notice.case_id} ({label}, {notice.priority})",
        f"Địa bàn / Ward: {place.ward_name or '-'} ({place.ward_code or '-'})",
    ]
    if place.lat is not None and place.lon is not None:
        lines.append(f"Vị trí / Place: {place.lat}, {place.lon}")
    if notice.phones:
        lines.append(f"Số điện thoại / Numbers: {', '.join(notice.phones)}")
    lines.append(f"Hạn xử lý / Due: {due}")
    if move.reason:
        lines.append(f"Lý do / Reason: {move.reason}")
    if move.note:
        lines.append(f"Ghi chú / Note: {move.note}")
    lines += [
        "",
        f"Xem và trả lời / View and answer: {notice.url}",
        "",
        "Thư tự động, vui lòng không trả lời. / Automatic message, please do not reply.",
    ]
    return "\n".join(lines) + "\n"


def ticket_email(notice: Notice, *, to: str, server: SmtpServer, timezone: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr((server.sender_name, server.sender))
    message["To"] = to
    message["Subject"] = _headline(notice)[:250]
    message["Date"] = format_datetime(datetime.now(UTC))
    # Stable per event: a retried send is recognisably the same message.
    message["Message-ID"] = f"<{notice.delivery_id}@{server.sender.split('@')[-1]}>"
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    message["X-Triage-Delivery"] = notice.delivery_id
    message.set_content(_body(notice, ZoneInfo(timezone)))
    return message


def send_mail(server: SmtpServer, message: EmailMessage) -> None:
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if server.security == "ssl":
        smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=server.timeout_s, context=context)
    else:
        smtp = smtplib.SMTP(server.host, server.port, timeout=server.timeout_s)
    with smtp:
        if server.security == "starttls":
            smtp.starttls(context=context)
        if server.user:
            smtp.login(server.user, server.password)
        smtp.send_message(message)
