"""The mailbox poller against a real IMAP server (Dovecot), and acknowledgements through a
real SMTP server (aiosmtpd), both on loopback."""

import email
import email.policy
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from imapclient import IMAPClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from integrations.email import imap
from integrations.email.ack import send_ack
from integrations.email.parse import parse_message
from integrations.email.settings import MailSettings
from service.celery_app import TaskBase
from service.demo import jpeg_with_gps
from service.intake.models import RawInput
from service.intake.service import ParsedReport
from service.outbox.models import OutboxMessage
from service.reports.models import Photo, Report
from service.wiring import Runtime
from tests.integrations.email.test_parse import MAIL, vn_message
from tests.live import DovecotServer, SmtpSink


@pytest.fixture(scope="module")
def dovecot() -> Iterator[DovecotServer]:
    # Not under pytest's tmp folder: Dovecot's unprivileged processes must reach it.
    workdir = Path(tempfile.mkdtemp(prefix="triage-dovecot-"))
    server = DovecotServer(workdir)
    server.start()
    yield server
    server.stop()
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def mailbox(dovecot: DovecotServer) -> Iterator[IMAPClient]:
    client = IMAPClient("127.0.0.1", port=dovecot.port, ssl=False)
    client.login(dovecot.user, dovecot.password)
    for folder in ("INBOX", "Triage.Processed", "Triage.Quarantine"):
        if client.folder_exists(folder):
            client.select_folder(folder)
            uids = client.search(["ALL"])
            if uids:
                client.delete_messages(uids)
                client.expunge()
    yield client
    client.logout()


@pytest.fixture
def mail_settings(dovecot: DovecotServer) -> MailSettings:
    return MailSettings(
        imap_host="127.0.0.1",
        imap_port=dovecot.port,
        imap_security="none",
        imap_user=dovecot.user,
        imap_password=dovecot.password,  # type: ignore[arg-type]
    )


def _count(client: IMAPClient, folder: str) -> int:
    client.select_folder(folder, readonly=True)
    return len(client.search(["ALL"]))


def _photo_mail() -> bytes:
    msg = email.message.EmailMessage()
    msg["From"] = "Lê Thị C <ltc@example.vn>"
    msg["To"] = "dttm@thuathienhue.gov.vn"
    msg["Subject"] = "Cáp viễn thông rơi xuống đường"
    msg["Message-ID"] = "<photo-1@example.vn>"
    msg.set_content("Cáp rơi ngang đường, rất nguy hiểm.")
    msg.add_attachment(
        jpeg_with_gps(lat=16.47461, lon=107.60998),
        maintype="image",
        subtype="jpeg",
        filename="cap.jpg",
    )
    return bytes(msg)


def test_each_message_is_taken_once_and_moved_after_commit(
    mailbox: IMAPClient, mail_settings: MailSettings, bound_runtime: Runtime, db_session: Session
) -> None:
    mailbox.append("INBOX", _photo_mail())
    mailbox.append(
        "INBOX", (MAIL / "mikel_mail/multipart_report_emails__report_422.eml").read_bytes()
    )
    mailbox.append("INBOX", b"From: a@b.c\r\nMessage-ID: <empty@b.c>\r\n\r\n")  # unreadable
    result = imap.poll_once(mail_settings, bound_runtime.intake)
    assert (result.taken, result.ignored, result.quarantined) == (1, 1, 1)
    assert _count(mailbox, "INBOX") == 0
    assert _count(mailbox, "Triage.Processed") == 2
    assert _count(mailbox, "Triage.Quarantine") == 1
    report = db_session.scalars(select(Report)).one()
    assert (report.channel, report.external_id) == ("email", "<photo-1@example.vn>")
    assert report.reporter_email == "ltc@example.vn"
    assert db_session.scalars(select(Photo.original_filename)).all() == ["cap.jpg"]
    failed = db_session.scalars(select(RawInput).where(RawInput.status == "failed")).one()
    assert "no subject, no text and no photo" in (failed.reason or "")
    assert failed.meta["imap_folder"] == "INBOX"
    tasks = sorted(db_session.scalars(select(OutboxMessage.task_name)).all())
    assert tasks == ["email.send_ack", "triage.process_report"]
    again = imap.poll_once(mail_settings, bound_runtime.intake)
    assert (again.taken, again.duplicates, again.quarantined) == (0, 0, 0)


def test_a_worker_that_dies_after_commit_does_not_make_a_second_report(
    mailbox: IMAPClient,
    mail_settings: MailSettings,
    bound_runtime: Runtime,
    db_session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mailbox.append("INBOX", _photo_mail())

    def die(*_: object) -> None:
        raise SystemExit("worker killed between commit and move")

    monkeypatch.setattr(imap, "_move", die)
    with pytest.raises(SystemExit):
        imap.poll_once(mail_settings, bound_runtime.intake)
    assert _count(mailbox, "INBOX") == 1  # still there: it was never moved
    monkeypatch.undo()
    result = imap.poll_once(mail_settings, bound_runtime.intake)  # the restarted worker
    assert (result.taken, result.duplicates) == (0, 1)
    assert _count(mailbox, "INBOX") == 0
    assert len(db_session.scalars(select(Report)).all()) == 1
    statuses = sorted(db_session.scalars(select(RawInput.status)).all())
    assert statuses == ["accepted", "duplicate"]


def test_the_acknowledgement_carries_the_tracking_code_and_cannot_loop(
    smtp_sink: SmtpSink, bound_runtime: Runtime, db_session: Session
) -> None:
    TaskBase.session_factory = bound_runtime.session_factory
    try:
        outcome = bound_runtime.intake.receive(
            channel="email",
            body=vn_message("Dây cáp chằng chịt", Message_ID="<ack-1@example.vn>"),
            content_type="message/rfc822",
            parse=parse_message,
        )
        assert outcome.accepted is not None
        message = db_session.scalars(
            select(OutboxMessage).where(OutboxMessage.task_name == "email.send_ack")
        ).one()
        send_ack.apply(kwargs={**message.kwargs, "outbox_id": message.id}).get()
    finally:
        TaskBase.session_factory = None
    [ack] = smtp_sink.messages
    code = outcome.accepted.tracking_code
    assert code in ack["Subject"]
    assert ack["To"] == "nva@example.vn"
    assert ack["In-Reply-To"] == "<ack-1@example.vn>"
    assert ack["Auto-Submitted"] == "auto-replied"
    body = email.message_from_bytes(ack.as_bytes(), policy=email.policy.default)
    assert code in body.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    db_session.expire_all()
    assert db_session.get(OutboxMessage, message.id).completed_at is not None  # type: ignore[union-attr]


def test_the_beat_task_polls_once_at_a_time(
    mailbox: IMAPClient,
    mail_settings: MailSettings,
    runtime: Runtime,
    bound_runtime: Runtime,
    db_session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from integrations.email import tasks

    monkeypatch.setattr(tasks, "get_mail_settings", lambda: mail_settings)
    monkeypatch.setattr(tasks.runtime, "intake", bound_runtime.intake)
    mailbox.append("INBOX", _photo_mail())
    with runtime.intake.exclusive("email.poll") as mine:  # another worker, its own connection
        assert mine
        tasks.poll.apply().get()  # another poller holds the lock: this one skips
        assert _count(mailbox, "INBOX") == 1
    tasks.poll.apply().get()
    assert _count(mailbox, "INBOX") == 0
    assert len(db_session.scalars(select(Report)).all()) == 1


def test_a_message_located_by_its_text_is_stored_with_that_source(
    bound_runtime: Runtime, db_session: Session
) -> None:
    raw = vn_message("Cáp rơi tại 16.45394, 107.58305 trước chợ", Message_ID="<geo-1@example.vn>")
    outcome = bound_runtime.intake.receive(
        channel="email", body=raw, content_type="message/rfc822", parse=parse_message
    )
    assert outcome.status == "accepted", outcome.reason
    report = db_session.scalars(select(Report)).one()
    assert report.location_source == "text"
    assert report.location is not None


def test_a_value_the_database_refuses_is_a_visible_failure_not_a_stuck_input(
    bound_runtime: Runtime, db_session: Session
) -> None:
    def odd(raw: bytes) -> ParsedReport:
        parsed = parse_message(raw)
        return replace(
            parsed, incoming=replace(parsed.incoming, lat=16.4, lon=107.5, location_source="x")
        )

    outcome = bound_runtime.intake.receive(
        channel="email", body=vn_message("Cáp"), content_type="message/rfc822", parse=odd
    )
    assert outcome.status == "failed"
    assert "ck_reports_location_source" in (outcome.reason or "")
    raw = db_session.get(RawInput, outcome.raw_id)
    assert raw is not None
    assert raw.status == "failed"
    assert db_session.scalars(select(Report)).all() == []
