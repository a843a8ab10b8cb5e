"""Reports of one thread make one case, however many workers process them at the same time.

Committed data on the test database, each report processed in its own transaction on its own
connection (as Celery workers do), all released at once by a barrier.
"""

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from service.cases.models import Case
from service.db import make_session_factory
from service.outbox.models import OutboxMessage
from service.reports import service as report_service
from service.reports.models import Report
from service.reports.service import IncomingReport
from service.triage import pipeline
from service.wiring import Runtime

ROUNDS = 8
AT_ONCE = 4


@pytest.fixture
def committed(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """A session factory whose work is committed; what the test made is deleted after it."""
    factory = make_session_factory(engine)
    with factory() as s:
        floor = {
            t: s.scalar(select(func.coalesce(func.max(t.id), 0)))
            for t in (Report, Case, OutboxMessage)
        }
    yield factory
    with factory.begin() as s:
        for table in (OutboxMessage, Report, Case):
            s.execute(delete(table).where(table.id > floor[table]))


def _accept(factory: sessionmaker[Session], runtime: Runtime, **kw: Any) -> tuple[int, str]:
    incoming = IncomingReport(
        channel=kw.pop("channel", "hue-s"),
        text=kw.pop("text", "Cáp treo võng thấp"),
        raw_body=b"{}",
        raw_content_type="application/json",
        payload={},
        lat=16.45394,
        lon=107.58305,
        **kw,
    )
    with factory.begin() as s:
        accepted = report_service.accept_report(
            s, incoming=incoming, blobs=runtime.blobs, limits=runtime.photo_limits
        )
    return accepted.report_id, accepted.tracking_code


def _slow_commit(session: Session, ctx: pipeline.ReportContext, _: object) -> None:
    time.sleep(0.05)  # what classifying and reading photos take in a real worker


def _process_at_once(factory: sessionmaker[Session], runtime: Runtime, ids: list[int]) -> None:
    barrier = threading.Barrier(len(ids))
    errors: list[BaseException] = []

    def work(report_id: int) -> None:
        try:
            barrier.wait(timeout=10)
            with factory.begin() as s:
                pipeline.process_report(
                    s,
                    report_id=report_id,
                    policy=runtime.policy,
                    steps=(*pipeline.STEPS, _slow_commit),
                )
        except BaseException as exc:  # surfaced below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors


def _cases_of(factory: sessionmaker[Session], ids: list[int]) -> set[int | None]:
    with factory() as s:
        return set(s.scalars(select(Report.case_id).where(Report.id.in_(ids))))


def test_follow_ups_in_one_thread_processed_at_once_make_one_case(
    committed: sessionmaker[Session], runtime: Runtime
) -> None:
    for round_ in range(ROUNDS):
        ids = [
            _accept(committed, runtime, external_id=f"evt-{round_}-{n}", thread_id=f"PA-{round_}")[
                0
            ]
            for n in range(AT_ONCE)
        ]
        _process_at_once(committed, runtime, ids)
        cases = _cases_of(committed, ids)
        assert len(cases) == 1, f"round {round_}: {len(cases)} cases for one Hue-S report id"
        assert None not in cases


def test_a_report_and_its_tracking_code_follow_ups_processed_at_once_make_one_case(
    committed: sessionmaker[Session], runtime: Runtime
) -> None:
    for round_ in range(ROUNDS):
        first, code = _accept(committed, runtime, channel="api", external_id=f"first-{round_}")
        follow_ups = [
            _accept(
                committed,
                runtime,
                channel="email",
                external_id=f"reply-{round_}-{n}",
                follow_up_of=code,
                text="Vẫn chưa sửa",
            )[0]
            for n in range(AT_ONCE - 1)
        ]
        ids = [first, *follow_ups]
        _process_at_once(committed, runtime, ids)
        assert len(_cases_of(committed, ids)) == 1, f"round {round_}: the case split"


def test_reports_of_different_threads_are_not_joined(
    committed: sessionmaker[Session], runtime: Runtime
) -> None:
    ids = [
        _accept(committed, runtime, external_id=f"solo-{n}", thread_id=f"T-{n}")[0]
        for n in range(3)
    ]
    _process_at_once(committed, runtime, ids)
    assert len(_cases_of(committed, ids)) == 3
