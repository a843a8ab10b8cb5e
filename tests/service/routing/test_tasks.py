"""routing.ticket_changed end to end: a real local receiver and a real local SMTP server."""

import email
import email.policy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from service.celery_app import TaskBase
from service.config import Settings
from service.outbox import service as outbox_service
from service.outbox.models import OutboxMessage
from service.routing import delivery, tasks
from service.routing.sending import DeliveryFailed
from service.units.service import get_unit
from service.wiring import Runtime
from tests.httpserver import LocalHTTPServer, Reply
from tests.live import free_port
from tests.public_data import assert_nothing_private
from tests.service.routing.delivery_data import (
    OpenedTicket,
    delivery_messages,
    message_for,
    ticket_on_private_report,
)
from tests.service.routing.test_tickets_flow import THUAN_HOA, label, submit

SECRET = "unit-secret-for-tests"


@pytest.fixture
def wired(
    bound_runtime: Runtime, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Runtime]:
    TaskBase.session_factory = bound_runtime.session_factory
    monkeypatch.setattr(
        tasks.runtime, "settings", settings.model_copy(update={"delivery_max_attempts": 3})
    )
    yield bound_runtime
    TaskBase.session_factory = None


@pytest.fixture
def receiver() -> Iterator[LocalHTTPServer]:
    with LocalHTTPServer() as server:
        yield server


def _run(session: Session, event_id: int) -> OutboxMessage:
    message = message_for(session, event_id)
    tasks.ticket_changed.apply(kwargs={**message.kwargs, "outbox_id": message.id}).get()
    return message


def _reread(session: Session, message: OutboxMessage) -> OutboxMessage:
    session.expire_all()
    return session.get_one(OutboxMessage, message.id)


def _with_webhook(session: Session, opened: OpenedTicket, server: LocalHTTPServer) -> None:
    opened.unit.webhook_url, opened.unit.webhook_secret = server.url("/hook"), SECRET
    session.flush()


def test_every_ticket_event_puts_one_delivery_in_the_outbox(
    db_session: Session, runtime: Runtime
) -> None:
    before = len(delivery_messages(db_session))
    ticket_on_private_report(db_session, runtime)
    assert len(delivery_messages(db_session)) == before + 1


def test_a_webhook_gets_a_signed_notice_and_a_500_is_retried_until_a_200(
    db_session: Session, wired: Runtime, receiver: LocalHTTPServer
) -> None:
    opened = ticket_on_private_report(db_session, wired)
    _with_webhook(db_session, opened, receiver)
    receiver.routes["/hook"] = [Reply(500, b"busy"), Reply(200)]
    message = _run(db_session, opened.event_id)
    assert len(receiver.received) == 2
    first, second = receiver.received
    assert first.headers[delivery.DELIVERY_HEADER] == second.headers[delivery.DELIVERY_HEADER]
    assert second.headers[delivery.DELIVERY_HEADER] == f"ticket-event-{opened.event_id}"
    for got in receiver.received:
        assert got.method == "POST"
        assert delivery.verify(
            SECRET,
            got.body,
            timestamp=got.headers[delivery.TIMESTAMP_HEADER],
            signature=got.headers[delivery.SIGNATURE_HEADER],
        )
        assert_nothing_private(got.body.decode())
    assert json.loads(second.body)["ticket"]["id"] == opened.ticket.id
    done = _reread(db_session, message)
    assert done.completed_at is not None
    assert done.dead_at is None


def test_a_webhook_that_always_fails_is_dead_lettered_then_replayed(
    db_session: Session, wired: Runtime, receiver: LocalHTTPServer
) -> None:
    opened = ticket_on_private_report(db_session, wired)
    _with_webhook(db_session, opened, receiver)
    receiver.routes["/hook"] = [Reply(503, b"down")]
    with pytest.raises(DeliveryFailed, match="HTTP 503"):
        _run(db_session, opened.event_id)
    assert len(receiver.received) == 3  # delivery_max_attempts
    message = message_for(db_session, opened.event_id)
    dead = _reread(db_session, message)
    assert dead.dead_at is not None
    assert "attempt 3/3" in (dead.last_error or "")
    assert message.id in [m.id for m in outbox_service.list_dead(db_session)]
    assert outbox_service.replay(db_session, message_ids=[message.id]) == 1
    receiver.routes["/hook"] = [Reply(204)]
    _run(db_session, opened.event_id)
    replayed = _reread(db_session, message)
    assert (replayed.completed_at is not None, replayed.replay_count) == (True, 1)
    assert len(receiver.received) == 4


def test_a_webhook_without_a_secret_is_never_sent_unsigned(
    db_session: Session, wired: Runtime, receiver: LocalHTTPServer
) -> None:
    opened = ticket_on_private_report(db_session, wired)
    opened.unit.webhook_url = receiver.url("/hook")
    db_session.flush()
    with pytest.raises(DeliveryFailed, match="no secret"):
        _run(db_session, opened.event_id)
    assert receiver.received == []
    assert _reread(db_session, message_for(db_session, opened.event_id)).dead_at is not None


class _Sink(MessageHandler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[email.message.Message] = []

    def handle_message(self, message: email.message.Message) -> None:
        self.messages.append(message)


@pytest.fixture
def smtp_sink(wired: Runtime, monkeypatch: pytest.MonkeyPatch) -> Iterator[_Sink]:
    sink = _Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    assert tasks.runtime.settings is not None
    update = {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none"}
    monkeypatch.setattr(tasks.runtime, "settings", tasks.runtime.settings.model_copy(update=update))
    yield sink
    controller.stop()


def test_a_unit_without_a_webhook_gets_an_email(
    db_session: Session, wired: Runtime, smtp_sink: _Sink
) -> None:
    opened = ticket_on_private_report(db_session, wired)
    opened.unit.email = "noc@viettel.example"
    db_session.flush()
    message = _run(db_session, opened.event_id)
    [raw] = smtp_sink.messages
    parsed = email.message_from_bytes(raw.as_bytes(), policy=email.policy.default)
    assert parsed["To"] == "noc@viettel.example"
    assert parsed["Subject"].startswith(f"Phiếu mới / New ticket #{opened.ticket.id}:")
    assert parsed["X-Triage-Delivery"] == f"ticket-event-{opened.event_id}"
    text = parsed.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert f"/api/v1/operator/tickets/{opened.ticket.id}" in text
    assert_nothing_private(text)
    assert _reread(db_session, message).completed_at is not None


def test_an_email_unit_is_completed_with_a_log_line_while_smtp_is_off(
    db_session: Session, wired: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    opened = ticket_on_private_report(db_session, wired)
    opened.unit.email = "noc@viettel.example"
    db_session.flush()
    with caplog.at_level("INFO", logger="service.routing.tasks"):
        message = _run(db_session, opened.event_id)
    assert "TRIAGE_SMTP_HOST is empty" in caplog.text
    assert _reread(db_session, message).completed_at is not None


def test_a_unit_with_no_contact_polls_and_its_message_completes(
    db_session: Session, wired: Runtime
) -> None:
    opened = ticket_on_private_report(db_session, wired)
    message = _run(db_session, opened.event_id)
    done = _reread(db_session, message)
    assert (done.completed_at is not None, done.dead_at) == (True, None)


def test_a_redelivered_message_that_completed_sends_nothing_again(
    db_session: Session, wired: Runtime, receiver: LocalHTTPServer
) -> None:
    opened = ticket_on_private_report(db_session, wired)
    _with_webhook(db_session, opened, receiver)
    receiver.routes["/hook"] = [Reply(200)]
    _run(db_session, opened.event_id)
    _run(db_session, opened.event_id)
    assert len(receiver.received) == 1


def test_each_unit_of_a_routed_ad_is_told_of_its_own_tickets_only(
    client: TestClient, db_session: Session, wired: Runtime, receiver: LocalHTTPServer
) -> None:
    for slug in ("viettel", "mobifone"):
        unit = get_unit(db_session, slug=slug)
        assert unit is not None
        unit.webhook_url, unit.webhook_secret = receiver.url(f"/{slug}"), f"{slug}-secret"
        receiver.routes[f"/{slug}"] = [Reply(204)]
    db_session.flush()
    case_id = submit(
        client, wired, db_session, location=THUAN_HOA,
        text="Quảng cáo khoan cắt bê tông 0905 123 456, gọi 0987.654.321",
    )  # fmt: skip
    label(client, case_id, "ad", "drilling")
    for message in delivery_messages(db_session):
        tasks.ticket_changed.apply(kwargs={**message.kwargs, "outbox_id": message.id}).get()
    by_unit: dict[str, list[dict[str, Any]]] = {}
    for got in receiver.received:
        slug = got.path.strip("/")
        assert delivery.verify(
            f"{slug}-secret", got.body,
            timestamp=got.headers[delivery.TIMESTAMP_HEADER],
            signature=got.headers[delivery.SIGNATURE_HEADER],
        )  # fmt: skip
        by_unit.setdefault(slug, []).append(json.loads(got.body))
    assert {s: [(d["ticket"]["kind"], d["ticket"]["phones"]) for d in docs]
            for s, docs in by_unit.items()} == {
        "viettel": [("trace", ["+84987654321"])],
        "mobifone": [("trace", ["+84905123456"])],
    }  # fmt: skip
    assert all(d["case"]["id"] == case_id for docs in by_unit.values() for d in docs)
    db_session.expire_all()
    assert all(m.completed_at for m in delivery_messages(db_session))
