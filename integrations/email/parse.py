"""One e-mail message (bytes) → a report, a deliberate refusal (bounce, auto-reply), or a
clear reason it cannot be read. Never an exception from a malformed message."""

import hashlib
import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from typing import Any

from integrations.email import CHANNEL
from integrations.email.location import find_coordinates
from integrations.email.mime import (
    Attachment,
    header,
    html_to_text,
    looks_like_image,
    part_bytes,
    part_text,
    unpack_tnef,
)
from service.intake.service import FollowUp, NotAReport, ParsedReport, Unparseable
from service.reports.service import IncomingPhoto, IncomingReport

SEND_ACK_TASK = "email.send_ack"
MAX_TEXT = 5000
TRACKING_CODE = re.compile(r"\bHUE-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}\b", re.IGNORECASE)
_NO_REPLY = re.compile(r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?)\b", re.I)
_BOUNCE_SUBJECT = re.compile(
    r"(undeliver|delivery (status|failure|has failed)|returned mail|failure notice|"
    r"could not send message|mail delivery)",
    re.IGNORECASE,
)
_FORWARD_SUBJECT = re.compile(r"^\s*(fwd?|tr|vs|wg)\s*:", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Body:
    text: str
    photos: list[IncomingPhoto]
    skipped: list[str]  # attachments that are not photos (kept in the raw message)


def parse_message(raw: bytes, *, own_addresses: frozenset[str] = frozenset()) -> ParsedReport:
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as exc:  # the parser is lenient; this is a last resort
        raise Unparseable(f"not an e-mail message: {type(exc).__name__}: {exc}") from exc
    _refuse_automatic_mail(message)

    subject = header(message, "Subject")
    content = _forwarded_inner(message, subject) or message
    body = _read_body(content)
    if content is not message:  # a forward: the inner message is the report
        inner_subject = header(content, "Subject")
        outer = _read_body_text_only(message)
        parts = [outer, f"--- {inner_subject} ---" if inner_subject else "", body.text]
        body = Body(
            "\n\n".join(p for p in parts if p), body.photos + _outer_photos(message), body.skipped
        )
    text = "\n\n".join(p for p in (subject, body.text) if p).strip()
    if not text and not body.photos:
        raise Unparseable("the message has no subject, no text and no photo")
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - 1] + "…"

    message_id = header(message, "Message-ID")
    references = message_ids(header(message, "References")) + message_ids(
        header(message, "In-Reply-To")
    )
    thread_root = references[0] if references else message_id or None
    sender_name, sender = parseaddr(header(message, "From"))
    sender = sender.strip().lower()
    code = TRACKING_CODE.search(subject)
    coords = find_coordinates(f"{subject}\n{body.text}")
    may_reply = _may_acknowledge(message, sender, own_addresses)
    incoming = IncomingReport(
        channel=CHANNEL,
        text=text or "(ảnh không kèm nội dung)",
        raw_body=raw,
        raw_content_type="message/rfc822",
        payload={
            **_payload(message, subject, message_id, references, body),
            "may_reply": may_reply,  # the status mails (status.py) answer only where the ack did
        },
        external_id=(message_id or "sha256:" + hashlib.sha256(raw).hexdigest())[:200],
        thread_id=thread_root[:200] if thread_root else None,
        lat=coords[0] if coords else None,
        lon=coords[1] if coords else None,
        location_source="text" if coords else None,
        reporter_name=sender_name[:200] or None,
        reporter_email=sender[:320] or None,
        submitted_at=_date(message),
        photos=tuple(body.photos),
        follow_up_of=code.group(0).upper() if code else None,
    )
    follow_ups: tuple[FollowUp, ...] = ()
    if may_reply:
        follow_ups = (
            FollowUp(
                SEND_ACK_TASK,
                {
                    "to": sender,
                    "subject": subject[:300],
                    "in_reply_to": message_id,
                    "references": references[-10:] + ([message_id] if message_id else []),
                },
            ),
        )
    return ParsedReport(incoming=incoming, follow_ups=follow_ups, drop_bad_photos=True)


# ---------------------------------------------------------------- refusals and acks
def _refuse_automatic_mail(message: EmailMessage) -> None:
    ctype = message.get_content_type()
    if ctype == "multipart/report" or any(
        p.get_content_type() == "message/delivery-status" for p in message.walk()
    ):
        raise NotAReport("delivery status notification (a bounce)")
    sender = parseaddr(header(message, "From"))[1].lower()
    local = sender.split("@")[0]
    if local in ("mailer-daemon", "postmaster") and _BOUNCE_SUBJECT.search(
        header(message, "Subject")
    ):
        raise NotAReport("a bounce from a mail server")
    auto = header(message, "Auto-Submitted").lower()
    if (
        auto.startswith("auto-replied")
        or header(message, "X-Autoreply")
        or header(message, "X-Autorespond")
    ):
        raise NotAReport("an automatic reply (out of office or similar)")


def may_answer_address(address: str, own: frozenset[str]) -> bool:
    """Not ourselves (a mail loop) and not a mailbox that only sends (no-reply, bounces)."""
    if not address or "@" not in address or address.lower() in own:
        return False
    return not _NO_REPLY.match(address.split("@")[0])


def _may_acknowledge(message: EmailMessage, sender: str, own: frozenset[str]) -> bool:
    """Never answer machines: auto-submitted, bulk or list mail, no-reply senders, or
    ourselves (a mail loop)."""
    if not may_answer_address(sender, own):
        return False
    auto = header(message, "Auto-Submitted").lower()
    if auto and auto != "no":
        return False
    precedence = header(message, "Precedence").lower()
    if precedence in ("bulk", "junk", "list"):
        return False
    if header(message, "List-Id") or header(message, "List-Unsubscribe"):
        return False
    return header(message, "X-Auto-Response-Suppress").lower() not in ("all", "oof, autoreply")


# ---------------------------------------------------------------- content
def _forwarded_inner(message: EmailMessage, subject: str) -> EmailMessage | None:
    """The forwarded message, when this one is essentially a forward of it."""
    for part in message.walk():
        if part.get_content_type() == "message/rfc822":
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if isinstance(inner, EmailMessage):
                outer_text = _read_body_text_only(message)
                if _FORWARD_SUBJECT.match(subject) or len(outer_text) < 400:
                    return inner
    return None


def _is_attachment(part: Message) -> bool:
    disposition = part.get_content_disposition()
    return disposition == "attachment" or (
        part.get_filename() is not None and not part.get_content_type().startswith("text/")
    )


def _read_body(message: Message) -> Body:
    plain: list[str] = []
    html: list[str] = []
    photos: list[IncomingPhoto] = []
    skipped: list[str] = []
    for part in _leaves(message):
        ctype = part.get_content_type()
        filename = _filename(part)
        if ctype == "application/ms-tnef" or (filename or "").lower() == "winmail.dat":
            found, tnef_text = unpack_tnef(part_bytes(part), filename)
            if tnef_text:
                plain.append(tnef_text)
            for a in found:
                _sort_attachment(a, photos, skipped)
            continue
        if ctype == "text/plain" and part.get_content_disposition() != "attachment":
            plain.append(part_text(part))
        elif ctype == "text/html" and part.get_content_disposition() != "attachment":
            html.append(part_text(part))
        elif ctype.startswith(("image/", "application/")) or _is_attachment(part):
            _sort_attachment(Attachment(filename, ctype, part_bytes(part)), photos, skipped)
    text = "\n\n".join(t.strip() for t in plain if t.strip())
    if not text and html:
        text = "\n\n".join(html_to_text(h) for h in html)
    return Body(_clean(text), photos, skipped)


def _read_body_text_only(message: Message) -> str:
    texts = [
        part_text(p)
        for p in _leaves(message)
        if p.get_content_type() == "text/plain" and p.get_content_disposition() != "attachment"
    ]
    return _clean("\n\n".join(texts))


def _outer_photos(message: Message) -> list[IncomingPhoto]:
    photos: list[IncomingPhoto] = []
    for part in _leaves(message):
        data = part_bytes(part) if part.get_content_maintype() in ("image", "application") else b""
        if data and looks_like_image(data):
            photos.append(IncomingPhoto(data=data, filename=_filename(part)))
    return photos


def _leaves(message: Message) -> list[Message]:
    """Non-multipart parts, not descending into attached messages (read separately)."""
    out: list[Message] = []

    def visit(part: Message) -> None:
        if part.get_content_type() == "message/rfc822":
            return
        if part.is_multipart():
            payload = part.get_payload()
            for child in payload if isinstance(payload, list) else []:
                if isinstance(child, Message):
                    visit(child)
            return
        out.append(part)

    visit(message)
    return out


def _sort_attachment(a: Attachment, photos: list[IncomingPhoto], skipped: list[str]) -> None:
    if a.data and looks_like_image(a.data):
        photos.append(IncomingPhoto(data=a.data, filename=a.filename))
    else:
        skipped.append(f"{a.filename or 'unnamed'} ({a.content_type}, {len(a.data)} bytes)")


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        return None
    return str(name)[:255] if name else None


def _clean(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# ---------------------------------------------------------------- headers
def message_ids(value: str) -> list[str]:
    return re.findall(r"<[^<>\s]+>", value)


def _date(message: EmailMessage) -> Any:
    try:
        when = parsedate_to_datetime(header(message, "Date"))
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo is not None else None


def _payload(
    message: EmailMessage, subject: str, message_id: str, references: list[str], body: Body
) -> dict[str, Any]:
    return {
        "subject": subject,
        "from": header(message, "From"),
        "to": [a for _, a in getaddresses([header(message, "To")])],
        "date": header(message, "Date"),
        "message_id": message_id,
        "references": references,
        "photos": [p.filename for p in body.photos],
        "attachments_not_photos": body.skipped,
    }
