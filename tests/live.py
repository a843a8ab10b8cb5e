"""Live parts for integration tests: a private Redis server, a real Celery worker process, and
an SMTP server that keeps what it receives."""

import email.message
import email.policy
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler
from aiosmtpd.smtp import SMTP, Envelope, Session

from service.config import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SmtpSink(MessageHandler):
    """aiosmtpd on a free loopback port: keeps each message, or, while `refusing`, answers
    DATA with a temporary failure (451)."""

    def __init__(self) -> None:
        super().__init__()
        self.port = free_port()
        self.messages: list[email.message.EmailMessage] = []
        self.refusing = False
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.refusing:
            return "451 4.3.0 Try again later"
        return await super().handle_DATA(server, session, envelope)

    def handle_message(self, message: email.message.Message) -> None:
        parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
        self.messages.append(parsed)  # type: ignore[arg-type]


def wait_for(check: Callable[[], bool], *, timeout: float, what: str, every: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class RedisServer:
    """redis-server on a free loopback port, in a temporary folder; can be stopped and started."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._accepts, timeout=10, what="redis-server to accept connections")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None

    def _accepts(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False


class CeleryWorker:
    """`celery -A service.worker worker --beat` (so the outbox relay runs) in its own process
    group, logging to a file."""

    def __init__(self, env: dict[str, str], log: Path, *, concurrency: int = 1) -> None:
        self.env = env
        self.log = log
        self.concurrency = concurrency
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        celery_bin = Path(os.sys.executable).parent / "celery"  # type: ignore[attr-defined]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [
                    str(celery_bin),
                    "-A",
                    "service.worker",
                    "worker",
                    "--concurrency",
                    str(self.concurrency),
                    "--pool",
                    "prefork",
                    "--without-mingle",
                    "--without-gossip",
                    "--without-heartbeat",
                    "--loglevel",
                    "INFO",
                    "--beat",
                    "--schedule",
                    str(self.log.with_suffix(".beat")),
                ],
                cwd=PROJECT_ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(
            lambda: b" ready." in self.log.read_bytes(),
            timeout=60,
            what="the Celery worker to start",
        )

    def kill(self) -> None:
        """SIGKILL the whole worker (parent and pool children), as a crash or OOM would."""
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.proc = None


class DovecotServer:
    """A real IMAP server (Debian's Dovecot) on a free loopback port, with one user whose
    maildir lives in a temporary folder. Plain-text login: loopback tests only."""

    user = "dttm"
    password = "test-password"

    def __init__(self, workdir: Path) -> None:
        import pwd

        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None
        mail_user = pwd.getpwnam("dovecot")  # an unprivileged uid Dovecot accepts for mail
        self._uid, self._gid = mail_user.pw_uid, mail_user.pw_gid

    def _write_config(self) -> Path:
        w = self.workdir
        for sub in ("run", "home"):
            (w / sub).mkdir(parents=True, exist_ok=True)
        os.chmod(w, 0o755)
        os.chown(w / "home", self._uid, self._gid)
        (w / "passwd").write_text(f"{self.user}:{{PLAIN}}{self.password}::::::\n")
        conf = w / "dovecot.conf"
        conf.write_text(
            f"""
base_dir = {w}/run
state_dir = {w}/run
log_path = {w}/dovecot.log
info_log_path = {w}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = {self._uid}
default_internal_user = dovecot
default_login_user = dovenull
mail_location = maildir:{w}/home/%u/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {w}/passwd
}}
userdb {{
  driver = static
  args = uid={self._uid} gid={self._gid} home={w}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""
        )
        return conf

    def start(self) -> None:
        conf = self._write_config()
        self.proc = subprocess.Popen(
            ["/usr/sbin/dovecot", "-F", "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=open(self.workdir / "stderr.log", "wb"),  # noqa: SIM115
        )
        try:
            wait_for(self._accepts, timeout=20, what="dovecot to accept IMAP connections")
        except AssertionError:
            log = (self.workdir / "dovecot.log").read_text(errors="replace")[-2000:]
            err = (self.workdir / "stderr.log").read_text(errors="replace")[-2000:]
            self.stop()
            raise AssertionError(f"dovecot did not start:\n{err}\n{log}") from None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None

    def _accepts(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                return s.recv(64).startswith(b"* OK")
        except OSError:
            return False
