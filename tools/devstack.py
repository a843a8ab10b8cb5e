"""Bring the service up on a fresh Debian machine, or run its tests; standard library only.

    python3 tools/devstack.py run    # install, start PostgreSQL+PostGIS, migrate, seed, serve
    python3 tools/devstack.py test   # install, start PostgreSQL+PostGIS, run the whole suite
    python3 tools/devstack.py bench  # intake benchmark (bench/intake.py)
    python3 tools/devstack.py bench broker  # 202 → open case under load (bench/broker.py)
    python3 tools/devstack.py bench routing  # what routing adds per report (bench/routing.py)

Nothing here is needed when DATABASE_URL points at a server you run yourself.
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tools.supervise import Program, Supervisor  # noqa: E402

VENV = ROOT / ".venv"
LOCAL = ROOT / ".local"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
_apt_updated = False


def say(msg: str) -> None:
    print(f"[devstack] {msg}", flush=True)


def die(msg: str) -> None:
    print(f"[devstack] ERROR: {msg}", file=sys.stderr, flush=True)
    raise SystemExit(1)


def sh(*args: str, **kw: object) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(list(args), check=True, **kw)  # type: ignore[call-overload, no-any-return]


def apt_install(*packages: str) -> None:
    global _apt_updated
    line = "apt-get install -y " + " ".join(packages)
    if not IS_ROOT:
        die(f"missing system packages; as root run:\n    apt-get update && {line}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if not _apt_updated:
        say("apt-get update")
        sh("apt-get", "update", "-qq", env=env)
        _apt_updated = True
    say(line)
    # Packages that ship a daemon (dovecot, redis) must not start a system-wide one: the
    # project starts its own on private ports. policy-rc.d exit 101 = "do not start".
    policy = Path("/usr/sbin/policy-rc.d")
    added = not policy.exists()
    if added:
        policy.write_text("#!/bin/sh\nexit 101\n")
        policy.chmod(0o755)
    try:
        sh("apt-get", "install", "-y", "-qq", *packages, env=env)
    finally:
        if added:
            policy.unlink()


# ---------------------------------------------------------------- Python environment
def ensure_venv() -> Path:
    python = VENV / "bin" / "python"
    if not python.exists():
        say(f"creating {VENV}")
        if subprocess.run([sys.executable, "-m", "venv", str(VENV)]).returncode != 0:
            shutil.rmtree(VENV, ignore_errors=True)
            apt_install("python3-venv")
            sh(sys.executable, "-m", "venv", str(VENV))
    stamp = VENV / ".installed"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not stamp.exists() or stamp.read_text() != digest:
        say("installing Python dependencies (pip install -e '.[dev]')")
        sh(str(python), "-m", "pip", "install", "-q", "--upgrade", "pip")
        sh(str(python), "-m", "pip", "install", "-q", "-e", f"{ROOT}[dev]")
        stamp.write_text(digest)
    return VENV / "bin"


# ---------------------------------------------------------------- PostgreSQL + PostGIS
def pg_bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_version_key)
    if not found:
        apt_install("postgresql")
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_version_key)
        if not found:
            die("PostgreSQL was installed but pg_ctl was not found under /usr/lib/postgresql")
    return Path(found[-1]).parent


def _version_key(path: str) -> int:
    return int(Path(path).parts[4])


def ensure_postgis(bindir: Path) -> None:
    version = bindir.parent.name
    control = Path(f"/usr/share/postgresql/{version}/extension/postgis.control")
    if not control.exists():
        apt_install(f"postgresql-{version}-postgis-3")


def _pg_home() -> Path:
    """Project-local cluster folder; elsewhere if the postgres user cannot reach the project."""
    home = LOCAL / "pg"
    if IS_ROOT:
        reachable = subprocess.run(
            ["runuser", "-u", "postgres", "--", "test", "-x", str(ROOT)], capture_output=True
        )
        if reachable.returncode != 0:
            tag = hashlib.sha256(str(ROOT).encode()).hexdigest()[:10]
            home = Path(f"/var/tmp/hue-triage-pg-{tag}")
    return home


def pg_port() -> int:
    if os.environ.get("TRIAGE_PG_PORT"):
        return int(os.environ["TRIAGE_PG_PORT"])
    return 54000 + int(hashlib.sha256(str(ROOT).encode()).hexdigest(), 16) % 900


def _as_pg_user(*args: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if IS_ROOT else list(args)


def start_cluster(bindir: Path) -> tuple[str, Path, bool]:
    """Start (creating if needed) a private cluster: its admin URL, data dir, and whether
    this call started it (so the caller stops only what it started)."""
    home = _pg_home()
    data, sock, log = home / "data", home / "run", home / "server.log"
    port = pg_port()
    if not (data / "PG_VERSION").exists():
        say(f"creating a private PostgreSQL cluster in {data}")
        for d in (home, sock):
            d.mkdir(parents=True, exist_ok=True)
        if IS_ROOT:
            sh("chown", "-R", "postgres:postgres", str(home))
        sh(
            *_as_pg_user(
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ),
            stdout=subprocess.DEVNULL,
        )
    status = subprocess.run(
        _as_pg_user(str(bindir / "pg_ctl"), "-D", str(data), "status"), capture_output=True
    )
    started = status.returncode != 0
    if started:
        say(f"starting PostgreSQL on 127.0.0.1:{port}")
        opts = f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c max_connections=200"
        sh(
            *_as_pg_user(
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(log),
                "-o",
                opts,
                "-w",
                "-t",
                "60",
                "start",
            ),
            stdout=subprocess.DEVNULL,
        )
    return f"postgresql+psycopg2://postgres@127.0.0.1:{port}", data, started


def stop_cluster(bindir: Path, data: Path) -> None:
    say("stopping PostgreSQL")
    subprocess.run(
        _as_pg_user(str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"),
        stdout=subprocess.DEVNULL,
        cwd="/",  # the postgres user may not be allowed into the current folder
    )


def create_database(bindir: Path, admin_url: str, name: str) -> None:
    port = admin_url.rsplit(":", 1)[1]
    psql = [
        str(bindir / "psql"),
        "-h",
        "127.0.0.1",
        "-p",
        port,
        "-U",
        "postgres",
        "-d",
        "postgres",
        "-tAc",
    ]
    exists = subprocess.run(
        [*psql, f"SELECT 1 FROM pg_database WHERE datname='{name}'"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if exists != "1":
        sh(*psql, f'CREATE DATABASE "{name}"', stdout=subprocess.DEVNULL)


# ---------------------------------------------------------------- Redis
def ensure_redis_server() -> None:
    if shutil.which("redis-server") is None:
        apt_install("redis-server")


def redis_port() -> int:
    """Derived from the checkout's path (like PostgreSQL's), or any free port if taken."""
    if os.environ.get("TRIAGE_REDIS_PORT"):
        return int(os.environ["TRIAGE_REDIS_PORT"])
    port = 56000 + int(hashlib.sha256(str(ROOT).encode()).hexdigest(), 16) % 900
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", port)) != 0:
            return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def redis_program(port: int, env: dict[str, str], ready: Callable[[], None]) -> Program:
    """A private redis-server for `./dev run`, without persistence: the outbox in PostgreSQL
    is the durable record of every task, and the relay sends again what a restarted Redis
    lost (`ready` runs `triage outbox relay --unstarted` after each start)."""
    home = LOCAL / "redis"
    home.mkdir(parents=True, exist_ok=True)
    argv = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    argv += ["--appendonly", "no", "--dir", str(home), "--logfile", str(home / "redis.log")]
    return Program("redis", argv, env, ROOT, ready=ready)


def _wait_redis(port: int, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return
        except OSError:
            pass
        time.sleep(0.1)
    die(f"redis-server did not answer on 127.0.0.1:{port} (see {LOCAL / 'redis' / 'redis.log'})")


def ensure_dovecot() -> None:
    """The e-mail tests poll a real IMAP server (Dovecot) that their fixture starts."""
    if not Path("/usr/sbin/dovecot").exists():
        apt_install("dovecot-imapd")


# ---------------------------------------------------------------- commands
def prepare() -> tuple[Path, Path, dict[str, str], Path | None]:
    bin_ = ensure_venv()
    pg_bin = pg_bindir()
    ensure_postgis(pg_bin)
    env = dict(os.environ)
    data: Path | None = None
    if not env.get("DATABASE_URL") and not env.get("TRIAGE_DATABASE_URL"):
        admin_url, data, started = start_cluster(pg_bin)
        if not started:
            data = None  # already running (another ./dev command): not ours to stop
        try:
            create_database(pg_bin, admin_url, "triage")
            env["DATABASE_URL"] = f"{admin_url}/triage"
            LOCAL.mkdir(parents=True, exist_ok=True)
            (LOCAL / "dev.env").write_text(f"DATABASE_URL={env['DATABASE_URL']}\n")
        except BaseException:
            if data is not None:
                stop_cluster(pg_bin, data)
            raise
        env.setdefault("TEST_DATABASE_URL", f"{admin_url}/postgres")
    env["PATH"] = f"{bin_}{os.pathsep}{env.get('PATH', '')}"
    return bin_, pg_bin, env, data


def with_stack(body: Callable[[Path, dict[str, str], list[str]], int], args: list[str]) -> int:
    """Prepare everything, run the body, then stop the PostgreSQL this call started (and
    remove it if this call created it outside the checkout: nothing is left in /var/tmp)."""
    home = _pg_home()
    created_outside = not home.exists() and not home.is_relative_to(ROOT)
    bin_, pg_bin, env, data = prepare()
    try:
        return body(bin_, env, args)
    finally:
        if data is not None:
            stop_cluster(pg_bin, data)
            if created_outside:
                shutil.rmtree(home, ignore_errors=True)


def cmd_test(args: list[str]) -> int:
    return with_stack(_run_checks, args)


def _run_checks(bin_: Path, env: dict[str, str], args: list[str]) -> int:
    ensure_redis_server()
    ensure_dovecot()
    if "TEST_DATABASE_URL" not in env:
        env["TEST_DATABASE_URL"] = env.get("DATABASE_URL") or env["TRIAGE_DATABASE_URL"]
    steps = [
        [
            str(bin_ / "ruff"),
            "check",
            "service",
            "classifiers",
            "integrations",
            "tests",
            "bench",
            "tools",
            "migrations",
        ],
        [str(bin_ / "lint-imports")],
        [str(bin_ / "mypy"), "service", "classifiers", "integrations"],
        [str(bin_ / "pytest"), "-n", "2", *args],
    ]
    for step in steps:
        say("$ " + " ".join(Path(step[0]).name if i == 0 else a for i, a in enumerate(step)))
        rc = subprocess.run(step, cwd=ROOT, env=env).returncode
        if rc != 0:
            return rc
    return 0


def cmd_bench(args: list[str]) -> int:
    return with_stack(_bench, args)


def _bench(bin_: Path, env: dict[str, str], args: list[str]) -> int:
    ensure_redis_server()
    env.setdefault("BENCH_ADMIN_URL", env.get("TEST_DATABASE_URL") or env["DATABASE_URL"])
    if args[:1] == ["broker"]:
        script, args = "bench/broker.py", args[1:]
    elif args[:1] == ["routing"]:
        script, args = "bench/routing.py", args[1:]
    else:
        script = "bench/intake.py"
        if shutil.which("wrk") is None:
            apt_install("wrk")
    return subprocess.run([str(bin_ / "python"), script, *args], cwd=ROOT, env=env).returncode


def _model_is_stale(artifact: Path) -> bool:
    """Missing, or older than the corpus or the code it was trained with (after a pull)."""
    if not artifact.exists():
        return True
    sources = [
        *(ROOT / "classifiers" / "corpus").glob("**/*.csv"),
        *(ROOT / "classifiers").glob("*.py"),
    ]
    return any(src.stat().st_mtime > artifact.stat().st_mtime for src in sources)


def cmd_run(_args: list[str]) -> int:
    bin_, pg_bin, env, data = prepare()
    triage = str(bin_ / "triage")
    for step in (["db", "upgrade"], ["units", "load"], ["wards", "load"], ["route", "load"]):
        sh(triage, *step, cwd=ROOT, env=env)
    if _model_is_stale(LOCAL / "models" / "text.joblib"):
        sh(triage, "model", "train", cwd=ROOT, env=env)  # from the corpus in the repo, 1-2 min
    sh(triage, "seed", "demo", cwd=ROOT, env=env)
    sh(triage, "clients", "ensure-dev", cwd=ROOT, env=env)  # prints the dev client key
    host, port = env.get("TRIAGE_HOST", "127.0.0.1"), env.get("TRIAGE_PORT", "8000")
    env.setdefault("TRIAGE_PUBLIC_BASE_URL", f"http://{host}:{port}")
    programs, broker = _broker(env, triage)
    programs += [
        Program(
            "api",
            [
                str(bin_ / "uvicorn"),
                "service.app:app_from_env",
                "--factory",
                "--host",
                host,
                "--port",
                port,
                "--no-proxy-headers",  # the app trusts only TRIAGE_TRUSTED_PROXIES
            ],
            env,
            ROOT,
        ),
        Program(
            "worker",
            [
                str(bin_ / "celery"),
                "-A",
                "service.worker",
                "worker",
                "-B",
                "--loglevel",
                "INFO",
                "--concurrency",
                "2",
                "-s",
                str(LOCAL / "celerybeat-schedule"),
            ],
            env,
            ROOT,
        ),
    ]
    say(f"API        http://{host}:{port}/api/v1/cases")
    say(f"API docs   http://{host}:{port}/docs")
    say(f"portal     http://{host}:{port}/portal/   (citizens, in a browser)")
    say(f"Hue-S      http://{host}:{port}/integrations/hue-s/events   (signed webhook)")
    say(f"Open311    http://{host}:{port}/open311/v2/discovery.json")
    say(f"database   {env['DATABASE_URL']}")
    say(f"broker     {broker}")
    key_file = LOCAL / "dev-client-key"
    if key_file.exists():
        say(
            f"client key POST /api/v1/reports: Authorization: Bearer {key_file.read_text().strip()}"
        )
    say("staff token (dev stack): TRIAGE_ADMIN_TOKEN=dev-admin-token; Ctrl-C stops everything")
    return _supervise(programs, pg_bin, data)


def _broker(env: dict[str, str], triage: str) -> tuple[list[Program], str]:
    """TRIAGE_BROKER_URL or REDIS_URL when given (Redis, or amqp:// for RabbitMQ): use it and
    start nothing. Otherwise a private Redis, started by the supervisor with the others."""
    given = env.get("TRIAGE_BROKER_URL") or env.get("REDIS_URL")
    if given:
        return [], given
    ensure_redis_server()
    port = redis_port()
    env["TRIAGE_BROKER_URL"] = f"redis://127.0.0.1:{port}/0"
    # The `triage` CLI reads .local/dev.env: `triage outbox relay` by hand must reach this
    # Redis, not the database transport that no worker of this stack reads.
    dev_env = LOCAL / "dev.env"
    kept = dev_env.read_text().splitlines() if dev_env.exists() else []
    lines = [x for x in kept if not x.startswith("TRIAGE_BROKER_URL=")]
    dev_env.write_text("\n".join([*lines, f"TRIAGE_BROKER_URL={env['TRIAGE_BROKER_URL']}"]) + "\n")

    def ready() -> None:
        _wait_redis(port)
        # A fresh Redis holds nothing: send again at once what the last one held and lost
        # (messages sent whose run never began), rather than after the 30 min timeout.
        relay = [triage, "outbox", "relay", "--unstarted"]
        subprocess.run(relay, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, check=False)

    return [redis_program(port, env, ready)], f"private Redis {env['TRIAGE_BROKER_URL']}"


def _supervise(programs: list[Program], pg_bin: Path, data: Path | None) -> int:
    """Run until Ctrl-C: a crashed API, worker or Redis is restarted with backoff (1 s
    doubling to 30 s, reset after a minute up), its whole process group killed first so no
    child (Celery's beat) is orphaned; then stop everything, PostgreSQL included."""
    stopping = False

    def _stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    supervisor = Supervisor(programs, say=say)
    try:
        supervisor.start_all()
        supervisor.run(lambda: stopping)
    finally:
        say("stopping the API, the worker and Redis")
        supervisor.stop_all()
        if data is not None:
            stop_cluster(pg_bin, data)
    return 0


def main() -> int:
    commands = {"run": cmd_run, "test": cmd_test, "bench": cmd_bench}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        return 2
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
