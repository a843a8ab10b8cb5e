"""Keep the dev stack's processes running; standard library only (used by tools/devstack.py).

Each process runs in its own process group (its own session), so a crash of a parent that
had children (Celery's main process with its beat and pool children) is cleaned up by
killing the whole group before the restart: no orphan is left behind. A process that exits
is restarted after a backoff that doubles from `backoff_s` to `max_backoff_s`, and starts
again from `backoff_s` once a run has lasted `stable_s`. The others keep running.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Program:
    name: str
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    # Called after each (re)start, e.g. to wait until it accepts connections.
    ready: Callable[[], None] | None = None
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    started_at: float = 0.0
    restart_at: float | None = None
    failures: int = 0
    restarts: int = 0


class Supervisor:
    def __init__(
        self,
        programs: list[Program],
        *,
        backoff_s: float = 1.0,
        max_backoff_s: float = 30.0,
        stable_s: float = 60.0,
        say: Callable[[str], None] = print,
    ) -> None:
        self.programs = programs
        self.backoff_s, self.max_backoff_s, self.stable_s = backoff_s, max_backoff_s, stable_s
        self.say = say

    def start(self, program: Program) -> None:
        program.proc = subprocess.Popen(
            program.argv, cwd=program.cwd, env=program.env, start_new_session=True
        )
        program.started_at = time.monotonic()
        program.restart_at = None
        if program.ready is not None:
            program.ready()

    def start_all(self) -> None:
        for program in self.programs:
            self.start(program)

    def poll(self) -> None:
        """Notice exits, clean up their process groups, restart those whose backoff is over."""
        now = time.monotonic()
        for program in self.programs:
            proc = program.proc
            if proc is not None and proc.poll() is not None:
                kill_group(proc.pid)
                program.proc = None
                if now - program.started_at >= self.stable_s:
                    program.failures = 0
                delay = min(self.max_backoff_s, self.backoff_s * 2**program.failures)
                program.failures += 1
                program.restart_at = now + delay
                self.say(
                    f"{program.name} exited (status {proc.returncode}); restarting in {delay:g} s"
                )
            if (
                program.proc is None
                and program.restart_at is not None
                and now >= program.restart_at
            ):
                program.restarts += 1
                self.start(program)
                self.say(
                    f"{program.name} restarted (pid {program.proc.pid if program.proc else '?'})"
                )

    def run(self, stopping: Callable[[], bool], *, every_s: float = 0.5) -> None:
        while not stopping():
            self.poll()
            time.sleep(every_s)

    def stop_all(self, *, timeout_s: float = 20.0) -> None:
        """SIGTERM each program in turn, the last started first, and wait for it before the
        next (the worker finishes with the broker still up); SIGKILL whatever is left in
        its group."""
        for program in [p for p in reversed(self.programs) if p.proc is not None]:
            proc = program.proc
            assert proc is not None
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=timeout_s)
            kill_group(proc.pid)
            proc.wait()
            program.proc = None


def kill_group(pgid: int, *, wait_s: float = 3.0) -> None:
    """SIGKILL every process left in the group (a dead leader's children included) and wait
    until they are gone."""
    _signal_group(pgid, signal.SIGKILL)
    deadline = time.monotonic() + wait_s
    while living_members(pgid) and time.monotonic() < deadline:
        time.sleep(0.02)


def living_members(pgid: int) -> list[int]:
    """Pids in the process group that are not zombies (a zombie is dead, awaiting its reaper)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is empty
        os.killpg(pgid, sig)
