"""Routing benchmark (issue #11): what the `route` step adds to processing one report — the
rule table read, the decision, the tickets, their events and outbox messages — measured on
real PostgreSQL+PostGIS with the shipped rules, over a mix of cable, ad and other reports.

    ./dev bench routing [--reports 300]

With your own server: `BENCH_ADMIN_URL=postgresql+psycopg2://... python bench/routing.py`.
"""

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.orm import sessionmaker

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classifiers import text as text_model  # noqa: E402
from service.cases.models import Case  # noqa: E402
from service.config import Settings  # noqa: E402
from service.reports import service as report_service  # noqa: E402
from service.reports.blobs import BlobStore  # noqa: E402
from service.reports.service import IncomingReport, PhotoLimits  # noqa: E402
from service.routing import service as routing_service  # noqa: E402
from service.routing.service import RoutingPolicy  # noqa: E402
from service.triage import pipeline  # noqa: E402
from service.wiring import build_runtime, load_text_model  # noqa: E402
from tests.conftest import create_database, migrate_and_load  # noqa: E402

CORPUS = ROOT / "classifiers" / "corpus" / "train.csv"
TEXTS = (
    "Cáp Viettel treo thấp ngang đường, xe tải đi qua vướng",
    "Dây cáp rối như mạng nhện trên cột trước nhà",
    "Quảng cáo khoan cắt bê tông dán đầy cột điện, gọi 0905123456 hoặc 0987654321",
    "Tờ rơi cho vay tiền nhanh 0912345678 dán trên tường trường học",
    "Ổ gà lớn giữa đường gây nguy hiểm",
    "Cáp quang đứt rơi xuống lòng đường, rất nguy hiểm",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=300)
    args = parser.parse_args()
    admin = os.environ.get("BENCH_ADMIN_URL") or os.environ.get("TEST_DATABASE_URL")
    if not admin:
        print("set BENCH_ADMIN_URL (./dev bench routing sets it)", file=sys.stderr)
        return 2
    url = create_database(admin, "triage_bench_routing")
    migrate_and_load(url)
    engine = create_engine(url)
    with tempfile.TemporaryDirectory() as tmp:
        model_path = Path(tmp) / "text.joblib"
        examples = text_model.read_examples(CORPUS)
        text_model.train(examples, data_sha256=text_model.sha256_of([CORPUS])).save(model_path)
        settings = Settings(env="test", database_url=url, text_model_path=model_path,
                            media_root=Path(tmp) / "media")  # fmt: skip
        runtime = build_runtime(settings, engine=engine)
        policy = replace(runtime.policy, classifier=load_text_model(model_path))
        blobs, limits = BlobStore(Path(tmp) / "media"), PhotoLimits(10**7, 10**8)
        factory = sessionmaker(engine)
        without_route = tuple(s for s in pipeline.STEPS if s is not pipeline.route)
        timings: dict[str, list[float]] = {"with route": [], "without route": [], "route": []}
        for i in range(args.reports):
            # Spread over the city: a new case each time (no joining), so every report routes.
            lat, lon = 16.40 + (i % 30) * 0.004, 107.52 + (i // 30) * 0.004
            for label, steps in (("without route", without_route), ("with route", pipeline.STEPS)):
                with factory.begin() as session:
                    incoming = IncomingReport(
                        channel="api", text=TEXTS[i % len(TEXTS)], raw_body=b"{}",
                        raw_content_type="application/json", payload={}, lat=lat,
                        lon=lon + (0.001 if label == "with route" else 0),  # 107 m apart
                        location_source="device_gps",
                    )  # fmt: skip
                    rid = report_service.accept_report(
                        session, incoming=incoming, blobs=blobs, limits=limits
                    ).report_id
                with factory.begin() as session:
                    t = time.perf_counter()
                    pipeline.process_report(session, report_id=rid, policy=policy, steps=steps)
                    session.flush()
                    timings[label].append(time.perf_counter() - t)
        # The route step on its own, on cases already decided (a fresh decision each time).
        routing_policy = RoutingPolicy(operators=policy.operators, timezone="Asia/Ho_Chi_Minh")
        with factory() as session:
            case_ids = list(session.scalars(select(Case.id).where(Case.manual_triage.is_(False))))
        for case_id in case_ids[: args.reports]:
            with factory.begin() as session:
                t = time.perf_counter()
                routing_service.route_case(session, case_id=case_id, policy=routing_policy)
                session.flush()
                timings["route"].append(time.perf_counter() - t)
    engine.dispose()

    def ms(xs: list[float], q: float) -> float:
        xs = sorted(xs)
        return xs[min(len(xs) - 1, int(len(xs) * q))] * 1000

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")  # fmt: skip
    for label, xs in timings.items():
        print(f"{label:>14}: n={len(xs)}, p50 {ms(xs, 0.5):.2f} ms, p95 {ms(xs, 0.95):.2f} ms, "
              f"mean {statistics.fmean(xs) * 1000:.2f} ms")  # fmt: skip
    added = statistics.median(timings["with route"]) - statistics.median(timings["without route"])
    print(f"routing adds {added * 1000:.2f} ms (median) to processing a report")
    return 0


if __name__ == "__main__":
    sys.exit(main())
