"""Status mails in the acknowledgement's thread, through a real SMTP server (aiosmtpd)."""

from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from integrations.email.ack import send_ack
from integrations.email.parse import parse_message
from integrations.email.settings import get_mail_settings
from integrations.email.status import SEND_STATUS_TASK, send_status
from service.cases import service as case_service
from service.cases.service import DuePolicy
from service.celery_app import TaskBase
from service.outbox import service as outbox_service
from service.outbox.models import OutboxMessage
from service.reports.models import Report
from service.reports.service import IncomingReport
from service.triage import notify, pipeline
from service.wiring import Runtime
from tests.integrations.email.test_parse import vn_message
from tests.live import SmtpSink
from tests.public_data import INSPECTOR, INTERNAL_NOTE, REPORTER, assert_nothing_private

STATUS_TASKS = {"email": SEND_STATUS_TASK, "hue-s": "hue_s.send_status"}
FORWARD_NOTE = "Đã chuyển đến doanh nghiệp viễn thông quản lý tuyến cáp để xử lý."
OUT_OF_SCOPE_NOTE = "Phản ánh không thuộc lĩnh vực của Sở, đã chuyển đến cơ quan có thẩm quyền."
RESOLVED_NOTE = "Các đơn vị được giao đã báo xử lý xong, cáp đã được thu hồi."
CITIZEN_ID = "<report-1@example.vn>"
SUBJECT = "Cáp treo võng thấp đường Lê Duẩn"


@pytest.fixture
def wired(bound_runtime: Runtime) -> Iterator[Runtime]:
    TaskBase.session_factory = bound_runtime.session_factory
    yield bound_runtime
    TaskBase.session_factory = None


def _mail_report(runtime: Runtime, **headers: str) -> int:
    raw = vn_message(
        "Cáp treo võng thấp ngang đường, xe tải dễ vướng.",
        From=headers.pop("From", f"{REPORTER['name']} <{REPORTER['email']}>"),
        Subject=headers.pop("Subject", SUBJECT),
        Message_ID=headers.pop("Message_ID", CITIZEN_ID),
        References="<earlier@example.vn>",
        **headers,
    )
    outcome = runtime.intake.receive(
        channel="email", body=raw, content_type="message/rfc822", parse=parse_message
    )
    assert outcome.accepted is not None, outcome.reason
    return outcome.accepted.report_id


def _open_case(session: Session, report_id: int) -> int:
    """Opened without the pipeline: these tests need a case, not its routing."""
    report = session.get(Report, report_id)
    assert report is not None
    case = case_service.open_case(
        session,
        report=report,
        location=None,
        ward=None,
        owning_unit_id=None,
        due=DuePolicy(working_days=7, timezone="Asia/Ho_Chi_Minh"),
    )
    return case.id


def _move(session: Session, case_id: int, target: str, note: str, *, public: bool) -> None:
    case_service.apply_transition(
        session, case_id=case_id, target=target, actor=INSPECTOR, note=note, note_is_public=public
    )


def _status_messages(session: Session) -> list[OutboxMessage]:
    """Fan every public change out (as triage.tasks does), then the e-mail status messages."""
    session.flush()
    changes = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.task_name == "cases.public_change", OutboxMessage.completed_at.is_(None)
        )
    ).all()
    for change in changes:
        notify.fan_out_public_change(
            session, event_id=change.kwargs["event_id"], status_tasks=STATUS_TASKS
        )
        change.completed_at = change.created_at  # fanned out once
    session.flush()
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.task_name == SEND_STATUS_TASK)
            .order_by(OutboxMessage.id)
        )
    )


def _run(messages: list[OutboxMessage]) -> None:
    for m in messages:
        send_status.apply(kwargs={**m.kwargs, "outbox_id": m.id}).get()


def _send_the_ack(session: Session) -> None:
    ack = session.scalars(select(OutboxMessage).where(OutboxMessage.task_name == "email.send_ack"))
    for m in ack:
        send_ack.apply(kwargs={**m.kwargs, "outbox_id": m.id}).get()


def _text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert isinstance(body, EmailMessage)
    return str(body.get_content())


def test_each_milestone_is_a_reply_in_the_acknowledgement_thread(
    db_session: Session, wired: Runtime, smtp_sink: SmtpSink
) -> None:
    report_id = _mail_report(wired)
    code = db_session.get(Report, report_id).tracking_code  # type: ignore[union-attr]
    case_id = _open_case(db_session, report_id)
    _move(db_session, case_id, "triaged", INTERNAL_NOTE, public=False)  # not mailed
    _move(db_session, case_id, "assigned", FORWARD_NOTE, public=True)
    _move(db_session, case_id, "in_progress", INTERNAL_NOTE, public=False)  # not mailed
    _move(db_session, case_id, "resolved", RESOLVED_NOTE, public=True)
    _send_the_ack(db_session)
    _run(_status_messages(db_session))

    ack, assigned, resolved = smtp_sink.messages
    for reply in (assigned, resolved):
        assert reply["In-Reply-To"] == ack["Message-ID"]
        assert reply["References"].split() == [
            "<earlier@example.vn>",
            CITIZEN_ID,
            ack["Message-ID"],
        ]
        assert reply["Subject"] == f"Re: {ack['Subject']}"
        assert reply["To"] == REPORTER["email"]
        assert reply["Auto-Submitted"] == "auto-generated"
    assert ack["Message-ID"] == f"<ack-{report_id}.{code}@thuathienhue.gov.vn>"
    assert code in ack["Subject"]
    first, last = _text(assigned), _text(resolved)
    assert "Đã chuyển đơn vị xử lý" in first
    assert FORWARD_NOTE in first
    assert "Hạn xử lý:" in first
    assert "Đã xử lý" in last
    assert RESOLVED_NOTE in last
    assert "Hạn xử lý" not in last
    assert "Your report" in first
    assert ": Assigned." in first
    assert ": Resolved." in last
    for text in (first, last):
        assert code in text
        assert f"{get_mail_settings().public_track_url}{code}" in text
        assert INTERNAL_NOTE not in text
        assert INSPECTOR not in text
        assert_nothing_private(text)
    db_session.expire_all()
    assert all(m.completed_at is not None for m in _status_messages(db_session))


def test_a_forward_note_on_triage_is_mailed_and_a_bare_triage_is_not(
    db_session: Session, wired: Runtime, smtp_sink: SmtpSink
) -> None:
    case_id = _open_case(db_session, _mail_report(wired))
    _move(db_session, case_id, "triaged", OUT_OF_SCOPE_NOTE, public=True)
    _move(db_session, case_id, "rejected", "Đã chuyển UBND phường.", public=True)
    _run(_status_messages(db_session))
    texts = [_text(m) for m in smtp_sink.messages]
    assert len(texts) == 2
    assert "Đã phân loại" in texts[0]
    assert OUT_OF_SCOPE_NOTE in texts[0]
    assert "Không thuộc thẩm quyền / từ chối" in texts[1]


def test_a_second_mail_of_the_same_reporter_gets_one_notice_not_two(
    db_session: Session, wired: Runtime, smtp_sink: SmtpSink
) -> None:
    first = _mail_report(wired)
    case_id = _open_case(db_session, first)
    second = _mail_report(wired, Message_ID="<report-2@example.vn>", Subject="Bổ sung ảnh")
    report = db_session.get(Report, second)
    assert report is not None
    case_service.attach_report(db_session, case_id=case_id, report=report)
    _move(db_session, case_id, "triaged", INTERNAL_NOTE, public=False)
    _move(db_session, case_id, "assigned", FORWARD_NOTE, public=True)
    messages = _status_messages(db_session)
    assert {m.kwargs["report_id"] for m in messages} == {first, second}
    _run(messages)
    [notice] = smtp_sink.messages
    assert CITIZEN_ID in notice["References"]  # the first report's thread


def test_list_mail_and_other_channels_get_no_status_mail(
    db_session: Session, wired: Runtime, smtp_sink: SmtpSink
) -> None:
    listed = _open_case(db_session, _mail_report(wired, List_Id="<cap.lists.example.vn>"))
    incoming = IncomingReport(
        channel="hue-s",
        text="Cáp treo võng thấp",
        raw_body=b"{}",
        raw_content_type="application/json",
        payload={},
        external_id="evt-mail-1",
        reporter_email="someone@example.vn",
    )
    accepted = pipeline.accept_report(
        db_session, incoming=incoming, blobs=wired.blobs, limits=wired.photo_limits
    )
    hue_s = _open_case(db_session, accepted.report_id)
    for case_id in (listed, hue_s):
        _move(db_session, case_id, "triaged", INTERNAL_NOTE, public=False)
        _move(db_session, case_id, "assigned", FORWARD_NOTE, public=True)
    messages = _status_messages(db_session)
    assert accepted.report_id not in {m.kwargs["report_id"] for m in messages}
    _run(messages)
    assert smtp_sink.messages == []  # the list mail got no acknowledgement: no status either
    acks = db_session.scalars(
        select(OutboxMessage).where(OutboxMessage.task_name == "email.send_ack")
    )
    assert acks.all() == []
    db_session.expire_all()
    assert all(m.completed_at is not None for m in _status_messages(db_session))


def test_a_refusing_smtp_server_is_retried_then_dead_lettered_then_replayed(
    db_session: Session,
    wired: Runtime,
    smtp_sink: SmtpSink,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRIAGE_MAIL_STATUS_MAX_ATTEMPTS", "3")
    get_mail_settings.cache_clear()
    case_id = _open_case(db_session, _mail_report(wired))
    _move(db_session, case_id, "triaged", INTERNAL_NOTE, public=False)
    _move(db_session, case_id, "assigned", FORWARD_NOTE, public=True)
    *quiet, message = _status_messages(db_session)  # new and a bare triage: not mailed
    _run(quiet)
    smtp_sink.refusing = True
    with pytest.raises(Exception, match="Try again later"):
        send_status.apply(kwargs={**message.kwargs, "outbox_id": message.id}).get()
    db_session.expire_all()
    dead = outbox_service.list_dead(db_session)
    assert [m.id for m in dead] == [message.id]
    assert "attempt 3/3" in (dead[0].last_error or "")
    assert outbox_service.replay(db_session, message_ids=[message.id]) == 1
    smtp_sink.refusing = False
    send_status.apply(kwargs={**message.kwargs, "outbox_id": message.id}).get()
    assert len(smtp_sink.messages) == 1
    db_session.expire_all()
    assert db_session.get(OutboxMessage, message.id).completed_at is not None  # type: ignore[union-attr]


def test_without_an_smtp_host_the_notice_completes_unsent(
    db_session: Session, wired: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIAGE_MAIL_SMTP_HOST", "")
    get_mail_settings.cache_clear()
    case_id = _open_case(db_session, _mail_report(wired))
    _move(db_session, case_id, "triaged", INTERNAL_NOTE, public=False)
    _move(db_session, case_id, "assigned", FORWARD_NOTE, public=True)
    _run(_status_messages(db_session))
    db_session.expire_all()
    assert all(m.completed_at is not None for m in _status_messages(db_session))
    get_mail_settings.cache_clear()
