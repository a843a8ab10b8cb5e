"""Status back to Hue-S: fan-out, signed callback, backoff retries, dead letter, replay."""

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from integrations.hue_s import settings as hue_s_settings
from integrations.hue_s.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from integrations.hue_s.status import send_status
from service.cases import service as case_service
from service.celery_app import TaskBase
from service.outbox import service as outbox_service
from service.outbox.models import OutboxMessage
from service.reports.service import IncomingReport
from service.triage import notify, pipeline
from service.wiring import Runtime
from tests.httpserver import LocalHTTPServer, Reply
from tests.public_data import PUBLIC_NOTE, assert_nothing_private, sensitive_case

SECRET = b"dev-hue-s-secret"


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalHTTPServer]:
    with LocalHTTPServer() as server:
        monkeypatch.setenv("TRIAGE_HUES_CALLBACK_URL", server.url("/status"))
        monkeypatch.setenv("TRIAGE_HUES_CALLBACK_MAX_ATTEMPTS", "3")
        hue_s_settings.get_hue_s_settings.cache_clear()
        yield server
    hue_s_settings.get_hue_s_settings.cache_clear()


@pytest.fixture
def wired(bound_runtime: Runtime) -> Iterator[Runtime]:
    TaskBase.session_factory = bound_runtime.session_factory
    yield bound_runtime
    TaskBase.session_factory = None


def _hue_s_case(session: Session, runtime: Runtime) -> tuple[int, int]:
    incoming = IncomingReport(
        channel="hue-s",
        text="Cáp treo võng thấp",
        raw_body=b"{}",
        raw_content_type="application/json",
        payload={},
        external_id="evt-5",
        thread_id="PA-5",
        lat=16.45394,
        lon=107.58305,
    )
    accepted = pipeline.accept_report(
        session, incoming=incoming, blobs=runtime.blobs, limits=runtime.photo_limits
    )
    outcome = pipeline.process_report(session, report_id=accepted.report_id, policy=runtime.policy)
    assert outcome.case_id is not None
    case_service.apply_transition(
        session,
        case_id=outcome.case_id,
        target="triaged",
        actor="inspector:an",
        note="Đã xem",
        note_is_public=True,
    )
    session.flush()
    return accepted.report_id, outcome.case_id


def _status_messages(session: Session) -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.task_name == "hue_s.send_status")
            .order_by(OutboxMessage.id)
        )
    )


def _fan_out(session: Session) -> list[OutboxMessage]:
    public = session.scalars(
        select(OutboxMessage).where(OutboxMessage.task_name == "cases.public_change")
    ).all()
    for message in public:
        notify.fan_out_public_change(
            session,
            event_id=message.kwargs["event_id"],
            status_tasks={"hue-s": "hue_s.send_status"},
        )
    session.flush()
    return _status_messages(session)


def test_each_public_change_of_a_hue_s_case_is_sent_signed(
    db_session: Session, wired: Runtime, receiver: LocalHTTPServer
) -> None:
    receiver.routes["/status"] = [Reply(204)]
    report_id, _ = _hue_s_case(db_session, wired)
    messages = _fan_out(db_session)
    assert len(messages) == 2  # opened (new) and triaged
    for m in messages:
        send_status.apply(kwargs={**m.kwargs, "outbox_id": m.id}).get()
    bodies = [json.loads(r.body) for r in receiver.received]
    assert [b["status"] for b in bodies] == ["new", "triaged"]
    assert bodies[1]["report_id"] == "PA-5"
    assert bodies[1]["event_id"] == "evt-5"
    assert bodies[0]["status_label"] == "Đã mở hồ sơ"
    assert bodies[1]["status_label"] == "Đã phân loại"
    assert bodies[1]["note"] == "Đã xem"
    assert bodies[1]["occurred_at"].endswith("+07:00")
    assert "inspector" not in json.dumps(bodies)  # no staff names go out
    for r in receiver.received:
        verify(
            SECRET,
            r.body,
            timestamp=r.headers[TIMESTAMP_HEADER],
            signature=r.headers[SIGNATURE_HEADER],
            max_skew_s=300,
        )
    db_session.expire_all()
    assert all(m.completed_at is not None for m in _status_messages(db_session))
    assert report_id


def test_a_failing_callback_is_retried_then_dead_lettered_then_replayed(
    db_session: Session, wired: Runtime, receiver: LocalHTTPServer
) -> None:
    receiver.routes["/status"] = [Reply(503, b"down")]
    _hue_s_case(db_session, wired)
    first = _fan_out(db_session)[0]
    with pytest.raises(Exception, match="503"):
        send_status.apply(kwargs={**first.kwargs, "outbox_id": first.id}).get()
    assert len(receiver.received) == 3  # max attempts
    db_session.expire_all()
    dead = outbox_service.list_dead(db_session)
    assert [m.id for m in dead] == [first.id]
    assert "attempt 3/3" in (dead[0].last_error or "")
    # The relay leaves it alone until an admin replays it.
    assert outbox_service.replay(db_session, message_ids=[first.id]) == 1
    db_session.expire_all()
    again = db_session.get(OutboxMessage, first.id)
    assert again is not None
    assert (again.dead_at, again.dispatched_at, again.replay_count) == (None, None, 1)
    receiver.routes["/status"] = [Reply(200)]
    send_status.apply(kwargs={**first.kwargs, "outbox_id": first.id}).get()
    db_session.expire_all()
    assert db_session.get(OutboxMessage, first.id).completed_at is not None  # type: ignore[union-attr]


def test_reports_of_other_channels_get_no_callback(db_session: Session, wired: Runtime) -> None:
    incoming = IncomingReport(
        channel="api", text="x", raw_body=b"{}", raw_content_type="application/json", payload={}
    )
    accepted = pipeline.accept_report(
        db_session, incoming=incoming, blobs=wired.blobs, limits=wired.photo_limits
    )
    pipeline.process_report(db_session, report_id=accepted.report_id, policy=wired.policy)
    assert _fan_out(db_session) == []


def test_a_callback_body_carries_public_notes_only_and_nothing_private(
    db_session: Session, wired: Runtime, receiver: LocalHTTPServer
) -> None:
    receiver.routes["/status"] = [Reply(204)] * 4
    sensitive_case(db_session, wired)
    for m in _fan_out(db_session):
        send_status.apply(kwargs={**m.kwargs, "outbox_id": m.id}).get()
    raw = [r.body.decode() for r in receiver.received]
    for body in raw:
        assert_nothing_private(body)
    notes = [(b["status"], b["note"]) for b in map(json.loads, raw)]
    assert notes == [
        ("new", None),
        ("triaged", None),  # an internal note stays inside
        ("assigned", PUBLIC_NOTE),
        ("in_progress", None),
    ]
