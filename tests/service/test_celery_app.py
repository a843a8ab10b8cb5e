"""Broker options per transport, and the relay's routine log lines."""

import logging

import pytest
from kombu import Connection
from kombu.exceptions import OperationalError

from service.celery_app import _transport_options, demote_routine_task_logs
from service.config import Settings


def test_amqp_transport_options_are_accepted_by_kombu() -> None:
    """RabbitMQ gets options its transport knows (publisher confirms, timeouts); connecting to
    a closed port fails as a connection error, not as a bad option."""
    url = "amqp://guest:guest@127.0.0.1:1//"
    options = _transport_options(Settings(env="test", broker_url=url))
    assert options["confirm_publish"] is True
    assert "visibility_timeout" not in options
    with (
        Connection(url, transport_options=options, connect_timeout=1) as conn,
        pytest.raises((OperationalError, ConnectionError, OSError)),
    ):
        conn.connect()


def test_redis_transport_options_keep_the_visibility_timeout() -> None:
    options = _transport_options(
        Settings(env="test", broker_url="redis://127.0.0.1:1/0", broker_visibility_timeout_s=42)
    )
    assert options["visibility_timeout"] == 42


def test_routine_relay_lines_are_demoted_to_debug(caplog: pytest.LogCaptureFixture) -> None:
    """The three lines Celery logs every second for the relay (beat send, received,
    succeeded) drop to DEBUG; another task's lines stay at INFO."""
    demote_routine_task_logs(["outbox.relay"])
    beat = logging.getLogger("celery.beat")
    received = logging.getLogger("celery.worker.strategy")
    traced = logging.getLogger("celery.app.trace")
    with caplog.at_level(logging.INFO):
        beat.info("Scheduler: Sending due task %s (%s)", "outbox-relay", "outbox.relay")
        received.info("Task %(name)s[%(id)s] received", {"name": "outbox.relay", "id": "1"})
        traced.info("Task %(name)s[%(id)s] succeeded", {"name": "outbox.relay", "id": "1"})
        traced.info("Task %(name)s[%(id)s] succeeded", {"name": "triage.process_report", "id": "2"})
        traced.error("Task %(name)s[%(id)s] raised", {"name": "outbox.relay", "id": "3"})
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("INFO", "Task triage.process_report[2] succeeded"),
        ("ERROR", "Task outbox.relay[3] raised"),
    ]
