"""Broker benchmark (issue #9): reports spread evenly over a minute, with the shipped defaults
(what `./dev run` uses: a private Redis, a worker with -B and 2 processes, the relay every
second, the default redispatch timeouts), timed from each 202 until its case is open; and
how many times the relay sent each outbox message (`dispatch_count`).

    ./dev bench broker                    # 300 reports over 60 s, private Redis
    ./dev bench broker --broker database  # the same on kombu's database transport (before)

With your own servers: `BENCH_ADMIN_URL=postgresql+psycopg2://... python bench/broker.py`.
"""

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.intake import body, make_client_key, serve  # noqa: E402
from tests.conftest import create_database, migrate_and_load  # noqa: E402
from tests.live import CeleryWorker, RedisServer, free_port  # noqa: E402


async def post_report(client: httpx.AsyncClient, url: str, i: int, key: str) -> tuple[int, float]:
    """One report with the bench's client key; the report id and the wall clock of its 202."""
    headers = {"content-type": "application/json", "authorization": f"Bearer {key}"}
    r = await client.post(url, content=body(i), headers=headers)
    if r.status_code != 202:
        raise RuntimeError(f"{url} answered {r.status_code}: {r.text[:200]}")
    return int(r.json()["report_id"]), time.time()


async def paced(url: str, *, key: str, reports: int, seconds: float) -> dict[int, float]:
    """Open loop: report i is posted at i × seconds/reports, whatever the answers' latency."""
    start = time.perf_counter()
    async with httpx.AsyncClient(timeout=30) as client:

        async def at(i: int) -> tuple[int, float]:
            await asyncio.sleep(max(0.0, start + i * seconds / reports - time.perf_counter()))
            return await post_report(client, url, i, key)

        return dict(await asyncio.gather(*(at(i) for i in range(reports))))


def wait_open(engine: Engine, accepted: dict[int, float], timeout_s: float) -> dict[int, float]:
    """Each report's processing time (its case open), polled until all are done."""
    deadline = time.monotonic() + timeout_s
    done: dict[int, float] = {}
    last = -1
    while len(done) < len(accepted) and time.monotonic() < deadline:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT id, extract(epoch FROM processed_at) FROM reports "
                    "WHERE processed_at IS NOT NULL"
                )
            ).all()
        done = {int(i): float(at) for i, at in rows if int(i) in accepted}
        if len(done) != last:
            print(f"  {len(done)}/{len(accepted)} cases open", flush=True)
            last = len(done)
        time.sleep(1)
    return done


def dispatch_counts(engine: Engine) -> dict[str, tuple[int, int, float]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT task_name, count(*), max(dispatch_count), avg(dispatch_count) "
                "FROM outbox_messages GROUP BY task_name ORDER BY task_name"
            )
        ).all()
    return {str(name): (int(n), int(mx), float(avg)) for name, n, mx, avg in rows}


def report(accepted: dict[int, float], opened: dict[int, float], engine: Engine) -> None:
    lags = sorted(opened[i] - accepted[i] for i in opened)
    missing = len(accepted) - len(opened)
    p95 = lags[int(0.95 * (len(lags) - 1))] if lags else float("nan")
    last_after = max(opened.values()) - max(accepted.values()) if opened else float("nan")
    first = min(accepted.values())
    buckets: dict[int, list[float]] = {}
    for i in opened:
        buckets.setdefault(int((accepted[i] - first) // 10), []).append(opened[i] - accepted[i])
    print(
        "  by 10 s of posting, max 202 → open: "
        + ", ".join(f"{max(v):.1f} s" for _, v in sorted(buckets.items()))
    )
    print(
        f"202 → case open: p50 {statistics.median(lags):.2f} s, p95 {p95:.2f} s, "
        f"max {lags[-1]:.2f} s; last case open {last_after:.2f} s after the last 202"
        + (f"; {missing} NOT open" if missing else "")
    )
    counts = dispatch_counts(engine)
    for name, (n, mx, avg) in counts.items():
        print(f"  {name:<24} {n:5d} messages, sent at most {mx}x, on average {avg:.2f}x")
    total = sum(n for n, _, _ in counts.values())
    mean = sum(n * avg for n, _, avg in counts.values()) / max(1, total)
    print(
        f"outbox: {total} messages, sent at most "
        f"{max((mx for _, mx, _ in counts.values()), default=0)}x, on average {mean:.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--broker", choices=["redis", "database"], default="redis")
    parser.add_argument("--worker-concurrency", type=int, default=2, help="as ./dev run")
    parser.add_argument("--warmup", type=int, default=6, help="untimed reports first")
    parser.add_argument("--timeout", type=float, default=900, help="give up after (s)")
    args = parser.parse_args()

    url = create_database(os.environ["BENCH_ADMIN_URL"], "triage_bench_broker")
    migrate_and_load(url)
    tmp = Path(tempfile.mkdtemp(prefix="triage-bench-broker-"))
    env = {**os.environ, "TRIAGE_DATABASE_URL": url, "TRIAGE_MEDIA_ROOT": str(tmp / "media")}
    for name in ("TRIAGE_BROKER_URL", "REDIS_URL"):
        env.pop(name, None)
    redis = None
    if args.broker == "redis":
        redis = RedisServer(tmp)
        redis.start()
        env["TRIAGE_BROKER_URL"] = redis.url
    print(
        f"machine: {platform.node()} {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"broker {args.broker}; {args.reports} reports over {args.seconds:g} s; "
        f"worker concurrency {args.worker_concurrency}",
        flush=True,
    )
    port = free_port()
    api = serve("service.app:app_from_env", env, port, tmp / "app.log")
    worker = CeleryWorker(env, tmp / "worker.log", concurrency=args.worker_concurrency)
    engine = create_engine(url)
    try:
        worker.start()
        target = f"http://127.0.0.1:{port}/api/v1/reports"
        # A running service has its worker processes warm (the text model and the OCR engine
        # load on a process's first report, ~5 s): a few reports first, not timed.
        key = make_client_key(url)
        warm = asyncio.run(paced(target, key=key, reports=args.warmup, seconds=1))
        wait_open(engine, warm, args.timeout)
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM outbox_messages"))
        accepted = asyncio.run(paced(target, key=key, reports=args.reports, seconds=args.seconds))
        print(f"all {len(accepted)} POSTs answered 202", flush=True)
        opened = wait_open(engine, accepted, args.timeout)
        time.sleep(3)  # the last cases' notices
        report(accepted, opened, engine)
    finally:
        worker.stop()
        api.terminate()
        api.wait(timeout=10)
        engine.dispose()
        if redis:
            redis.stop()


if __name__ == "__main__":
    main()
