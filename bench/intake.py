"""Intake benchmark: requests/s and latency of POST /api/v1/reports beside a bare endpoint,
then a burst of reports timed from the first POST until every case is open.

Run with `./dev bench` (sets up the database and Redis) or, with your own servers,
`BENCH_ADMIN_URL=postgresql+psycopg2://... REDIS_URL=redis://... python bench/intake.py`.
"""

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service.clients import service as client_service  # noqa: E402
from tests.conftest import create_database, migrate_and_load  # noqa: E402
from tests.live import CeleryWorker, RedisServer, free_port, wait_for  # noqa: E402

POINTS = [
    (16.45394, 107.58305),
    (16.4821, 107.57612),
    (16.47461, 107.60998),
    (16.43805, 107.59836),
    (16.52218, 107.59538),
]


def body(i: int) -> bytes:
    lat, lon = POINTS[i % len(POINTS)]
    return json.dumps(
        {
            "text": f"Dây cáp viễn thông võng thấp qua đường, báo cáo số {i}",
            "location": {"lat": lat, "lon": lon, "accuracy_m": 10},
            "external_id": f"bench-{time.time_ns()}-{i}",
            "channel": "bench",
        },
        ensure_ascii=False,
    ).encode()


def make_client_key(url: str) -> str:
    """A client key of channel `bench` without practical limits (the limits are still
    counted: that cost is part of what is measured)."""
    engine = create_engine(url)
    with Session(engine) as session:
        _, key = client_service.create_client(
            session,
            name="bench",
            channel="bench",
            reserved=(),
            per_minute=100_000_000,
            photo_bytes_per_day=10**15,
        )
        session.commit()
    engine.dispose()
    return key


async def drive(url: str, *, total: int, connections: int, key: str) -> tuple[float, list[float]]:
    latencies: list[float] = []  # kept for the burst's own pacing
    counter = iter(range(total))
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def one_connection() -> None:
            for i in counter:
                t0 = time.perf_counter()
                r = await client.post(
                    url,
                    content=body(i),
                    headers={"content-type": "application/json", "authorization": f"Bearer {key}"},
                )
                latencies.append(time.perf_counter() - t0)
                if r.status_code not in (200, 202):
                    raise RuntimeError(f"{url} answered {r.status_code}: {r.text[:200]}")

        start = time.perf_counter()
        await asyncio.gather(*(one_connection() for _ in range(connections)))
        return time.perf_counter() - start, latencies


def serve(app_ref: str, env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "uvicorn"),
            app_ref,
            "--port",
            str(port),
            "--log-level",
            "warning",
            *(["--factory"] if "from_env" in app_ref else []),
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    wait_for(lambda: _up(port), timeout=30, what=f"{app_ref} to listen")
    return proc


def _up(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/docs", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (steal time on a shared host does not count)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(name: str, url: str, args: argparse.Namespace, pid: int) -> dict[str, float]:
    """wrk (C, 2 threads) drives the endpoint, so the load generator costs little CPU."""
    script = str(ROOT / "bench" / "post_report.lua")
    base = ["wrk", "-t", "2", "-c", str(args.connections), "-s", script, url]
    subprocess.run([*base[:1], "-d", "2s", *base[1:]], check=True, capture_output=True)
    cpu_before = cpu_seconds(pid)
    out = subprocess.run(
        [*base[:1], "-d", f"{args.seconds}s", *base[1:]], check=True, capture_output=True, text=True
    ).stdout
    cpu = cpu_seconds(pid) - cpu_before
    figures = json.loads(out.split("WRK_JSON ", 1)[1])
    if figures["non_2xx"] or figures["socket_errors"]:
        raise RuntimeError(
            f"{name}: {figures['non_2xx']} non-2xx answers, "
            f"{figures['socket_errors']} socket errors"
        )
    row = {
        "rps": figures["requests"] / (figures["duration_us"] / 1e6),
        "p50_ms": figures["p50_us"] / 1000,
        "p99_ms": figures["p99_us"] / 1000,
        "cpu_ms": cpu * 1000 / max(1, figures["requests"]),
    }
    print(
        f"{name:<26} {row['rps']:6.0f} req/s   p50 {row['p50_ms']:5.1f} ms   "
        f"p99 {row['p99_ms']:5.1f} ms   server CPU {row['cpu_ms']:.2f} ms/request   "
        f"({figures['requests']} requests in {args.seconds} s, {args.connections} connections)",
        flush=True,
    )
    return row


def _median(rows: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(row[key] for row in rows) for key in rows[0]}


def burst(url: str, engine_url: str, args: argparse.Namespace) -> None:
    engine = create_engine(engine_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "TRUNCATE raw_inputs, report_phones, reports, photos, cases, case_events, "
                "outbox_messages"
            )
        )
    start = time.perf_counter()
    posted, _ = asyncio.run(
        drive(
            url, total=args.burst, connections=args.connections, key=os.environ["BENCH_CLIENT_KEY"]
        )
    )

    def opened() -> int:
        with engine.connect() as conn:
            return int(
                conn.scalar(text("SELECT count(*) FROM reports WHERE processed_at IS NOT NULL"))
                or 0
            )

    last = -1
    while (done := opened()) < args.burst:
        if done != last:
            print(f"  burst: {done}/{args.burst} cases open", flush=True)
            last = done
        time.sleep(0.5)
    total = time.perf_counter() - start
    print(
        f"burst of {args.burst}: all POSTs answered in {posted:.1f} s; every case open "
        f"{total:.1f} s after the first POST ({args.burst / total:.0f} reports/s end to end)"
    )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--worker-concurrency", type=int, default=1, help="worker processes")
    args = parser.parse_args()

    admin = os.environ["BENCH_ADMIN_URL"]
    url = create_database(admin, "triage_bench")
    migrate_and_load(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE IF NOT EXISTS bench_bare "
                "(id bigserial PRIMARY KEY, body text, ward_id int, "
                "received_at timestamptz DEFAULT now())"
            )
        )
    engine.dispose()

    tmp = Path(tempfile.mkdtemp(prefix="triage-bench-"))
    redis = None
    broker = os.environ.get("REDIS_URL")
    if not broker:
        redis = RedisServer(tmp)
        redis.start()
        broker = redis.url
    env = {
        **os.environ,
        "TRIAGE_DATABASE_URL": url,
        "TRIAGE_BROKER_URL": broker,
        "TRIAGE_MEDIA_ROOT": str(tmp / "media"),
        "TRIAGE_ENV": "test",
    }
    # wrk (bench/post_report.lua) and the burst read the key from the environment.
    os.environ["BENCH_CLIENT_KEY"] = env["BENCH_CLIENT_KEY"] = make_client_key(url)
    print(
        f"machine: {platform.node()} {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {platform.platform()}"
    )
    procs = []
    try:
        bare_port, app_port = free_port(), free_port()
        procs.append(serve("bench.bare_app:app", env, bare_port, tmp / "bare.log"))
        procs.append(serve("service.app:app_from_env", env, app_port, tmp / "app.log"))
        targets = {
            "bare endpoint (1 INSERT)": (f"http://127.0.0.1:{bare_port}/bare", procs[0].pid),
            "POST /api/v1/reports": (f"http://127.0.0.1:{app_port}/api/v1/reports", procs[1].pid),
        }
        # This machine's speed drifts (shared host): alternate the two and take medians.
        rounds: dict[str, list[dict[str, float]]] = {name: [] for name in targets}
        for r in range(args.rounds):
            print(f"round {r + 1}/{args.rounds}", flush=True)
            for name, (target, pid) in targets.items():
                rounds[name].append(measure(name, target, args, pid))
        bare, intake = (_median(rounds[name]) for name in targets)
        print(f"median of {args.rounds} rounds:")
        for name, row in zip(targets, (bare, intake), strict=True):
            print(
                f"  {name:<26} {row['rps']:6.0f} req/s   p50 {row['p50_ms']:5.1f} ms   "
                f"p99 {row['p99_ms']:5.1f} ms   server CPU {row['cpu_ms']:.2f} ms/request"
            )
        ratios = [i["rps"] / b["rps"] for b, i in zip(*rounds.values(), strict=True)]
        print(
            f"intake / bare: {statistics.median(ratios):.0%} of the bare endpoint's "
            f"requests/s (per round: {', '.join(f'{x:.0%}' for x in ratios)}); server CPU "
            f"per request {intake['cpu_ms'] / bare['cpu_ms']:.1f}x the bare endpoint's"
        )
        worker = CeleryWorker({**env}, tmp / "worker.log", concurrency=args.worker_concurrency)
        worker.start()
        try:
            burst(f"http://127.0.0.1:{app_port}/api/v1/reports", url, args)
        finally:
            worker.stop()
    finally:
        for p in procs:
            p.terminate()
            p.wait(timeout=10)
        if redis:
            redis.stop()


if __name__ == "__main__":
    main()
