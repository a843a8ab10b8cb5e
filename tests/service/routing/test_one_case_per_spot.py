"""One case per problem: reports of one spot processed at the same time, each in its own
transaction on its own connection (as parallel workers would), still make one case."""

import os
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from classifiers import text as text_model
from service.cases.models import Case
from service.config import Settings
from service.reports import service as report_service
from service.reports.blobs import BlobStore
from service.reports.models import Report
from service.reports.service import IncomingReport, PhotoLimits
from service.routing.models import Ticket
from service.triage import pipeline
from service.wiring import build_runtime, load_text_model
from tests.conftest import create_database, migrate_and_load

CORPUS = Path(__file__).resolve().parents[3] / "classifiers" / "corpus" / "train.csv"
SPOT = (16.45394, 107.58305)  # Thuận Hóa
TEXT = "Quảng cáo khoan cắt bê tông dán kín cột điện, gọi 0905123456"


@pytest.fixture(scope="module")
def spot_engine(worker_id: str) -> Iterator[Engine]:
    url = create_database(os.environ["TEST_DATABASE_URL"], f"triage_spot_{worker_id}")
    migrate_and_load(url)
    engine = create_engine(url, pool_size=12)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def policy(
    spot_engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> pipeline.ProcessingPolicy:
    path = tmp_path_factory.mktemp("model") / "text.joblib"
    examples = text_model.read_examples(CORPUS)
    text_model.train(examples, data_sha256=text_model.sha256_of([CORPUS])).save(path)
    settings = Settings(env="test", database_url=str(spot_engine.url), text_model_path=path)
    runtime = build_runtime(settings, engine=spot_engine)
    return replace(runtime.policy, classifier=load_text_model(path))


def _store(engine: Engine, tmp: Path, points: list[tuple[float, float]]) -> list[int]:
    runtime_blobs = BlobStore(tmp)
    limits = PhotoLimits(max_bytes=10**7, max_pixels=10**8)
    ids = []
    with sessionmaker(engine).begin() as session:
        for lat, lon in points:
            incoming = IncomingReport(
                channel="api", text=TEXT, raw_body=b"{}", raw_content_type="application/json",
                payload={}, lat=lat, lon=lon, location_source="device_gps",
            )  # fmt: skip
            accepted = report_service.accept_report(
                session, incoming=incoming, blobs=runtime_blobs, limits=limits
            )
            ids.append(accepted.report_id)
    return ids


def _process_all_at_once(
    engine: Engine, policy: pipeline.ProcessingPolicy, ids: list[int]
) -> list[BaseException]:
    factory = sessionmaker(engine)
    start = threading.Barrier(len(ids))
    errors: list[BaseException] = []

    def work(report_id: int) -> None:
        try:
            start.wait()
            with factory.begin() as session:
                pipeline.process_report(session, report_id=report_id, policy=policy)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors


def test_ten_reports_of_one_spot_processed_at_once_make_one_case(
    spot_engine: Engine, policy: pipeline.ProcessingPolicy, tmp_path: Path
) -> None:
    # Ten people, within a few metres of each other (1e-5° is about 1 m).
    points = [(SPOT[0] + i * 1e-5, SPOT[1] - i * 1e-5) for i in range(10)]
    ids = _store(spot_engine, tmp_path, points)
    assert _process_all_at_once(spot_engine, policy, ids) == []
    with sessionmaker(spot_engine)() as session:
        cases = set(session.scalars(select(Report.case_id).where(Report.id.in_(ids))))
        assert len(cases) == 1
        (case_id,) = cases
        case = session.get_one(Case, case_id)
        assert case.category == "ad"
        kinds = session.execute(
            select(Ticket.kind, func.count()).where(Ticket.case_id == case_id).group_by(Ticket.kind)
        ).all()
        assert dict(kinds) == {"trace": 1, "removal": 1}  # opened once, not ten times


def test_a_report_250_m_away_is_another_case(
    spot_engine: Engine, policy: pipeline.ProcessingPolicy, tmp_path: Path
) -> None:
    here = (SPOT[0] + 0.01, SPOT[1])  # away from the other test's case
    there = (here[0] + 250 / 111_320, here[1])  # 250 m north
    close = (here[0] + 20 / 111_320, here[1])  # 20 m north: joins
    ids = _store(spot_engine, tmp_path, [here, there, close])
    for report_id in ids:  # one after the other
        assert _process_all_at_once(spot_engine, policy, [report_id]) == []
    with sessionmaker(spot_engine)() as session:
        rows = session.execute(select(Report.id, Report.case_id).where(Report.id.in_(ids)))
        case_of = {rid: cid for rid, cid in rows}
    assert case_of[ids[0]] != case_of[ids[1]]
    assert case_of[ids[2]] == case_of[ids[0]]
