"""The worker fetches photos given by URL, attaches them, then queues processing."""

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.celery_app import TaskBase
from service.config import Settings
from service.demo import jpeg_with_gps
from service.intake import tasks as intake_tasks
from service.intake.fetch import FetchPolicy
from service.intake.models import RawInput
from service.intake.service import ParsedReport
from service.outbox.models import OutboxMessage
from service.reports.models import Photo
from service.reports.service import IncomingReport
from service.wiring import Runtime
from tests.httpserver import LocalHTTPServer, Reply


@pytest.fixture
def server() -> Iterator[LocalHTTPServer]:
    with LocalHTTPServer() as s:
        yield s


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"photo_url_hosts": ["127.0.0.1"]})


@pytest.fixture
def wired(bound_runtime: Runtime) -> Iterator[Runtime]:
    TaskBase.session_factory = bound_runtime.session_factory
    intake_tasks.runtime.policy = FetchPolicy(allowed_hosts=("127.0.0.1",), max_bytes=1_000_000)
    intake_tasks.runtime.blobs = bound_runtime.blobs
    intake_tasks.runtime.limits = bound_runtime.photo_limits
    yield bound_runtime
    TaskBase.session_factory = None


def _receive(runtime: Runtime, urls: list[str]) -> int:
    incoming = IncomingReport(
        channel="hue-s",
        text="Quảng cáo dán cột điện",
        raw_body=b"{}",
        raw_content_type="application/json",
        payload={},
        external_id="evt-photo",
    )
    outcome = runtime.intake.receive(
        channel="hue-s",
        body=b"{}",
        content_type="application/json",
        parse=lambda _: ParsedReport(incoming=incoming, photo_urls=tuple(urls)),
    )
    assert outcome.accepted is not None
    return outcome.accepted.report_id


def test_fetched_photos_are_attached_and_bad_ones_noted(
    db_session: Session, wired: Runtime, server: LocalHTTPServer
) -> None:
    server.routes["/ok.jpg"] = [Reply(200, jpeg_with_gps(lat=16.47461, lon=107.60998))]
    server.routes["/doc.pdf"] = [Reply(200, b"%PDF-1.4 not a photo")]
    urls = [server.url("/ok.jpg"), server.url("/doc.pdf"), "http://169.254.169.254/x.jpg"]
    report_id = _receive(wired, urls)
    message = db_session.scalars(
        select(OutboxMessage).where(OutboxMessage.task_name == "intake.fetch_photos")
    ).one()
    intake_tasks.fetch_photos.apply(kwargs={**message.kwargs, "outbox_id": message.id}).get()
    db_session.expire_all()
    photos = db_session.scalars(select(Photo).where(Photo.report_id == report_id)).all()
    assert [(p.original_filename, p.exif_location is not None) for p in photos] == [
        ("ok.jpg", True)
    ]
    raw = db_session.scalars(select(RawInput)).one()
    assert "photo 2 (doc.pdf)" in (raw.reason or "").lower()
    assert "allow-list" in (raw.reason or "")
    tasks = db_session.scalars(select(OutboxMessage.task_name).order_by(OutboxMessage.id)).all()
    assert tasks == ["intake.fetch_photos", "triage.process_report"]
    # A re-delivery of the same message does nothing.
    intake_tasks.fetch_photos.apply(kwargs={**message.kwargs, "outbox_id": message.id}).get()
    assert len(db_session.scalars(select(Photo)).all()) == 1


def test_a_photo_host_that_stays_down_does_not_block_the_report(
    db_session: Session, wired: Runtime, server: LocalHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(intake_tasks, "MAX_ATTEMPTS", 2)
    server.routes["/down.jpg"] = [Reply(503)]
    report_id = _receive(wired, [server.url("/down.jpg")])
    message = db_session.scalars(
        select(OutboxMessage).where(OutboxMessage.task_name == "intake.fetch_photos")
    ).one()
    intake_tasks.fetch_photos.apply(kwargs={**message.kwargs, "outbox_id": message.id}).get()
    assert len(server.received) == 2
    db_session.expire_all()
    assert db_session.scalars(select(Photo).where(Photo.report_id == report_id)).all() == []
    raw = db_session.scalars(select(RawInput)).one()
    assert "after 2 tries" in (raw.reason or "")
    assert "triage.process_report" in db_session.scalars(select(OutboxMessage.task_name)).all()
