"""The dev stack's supervisor with real processes: a leader with a child (as Celery's main
process has its beat and pool children) is SIGKILLed, restarted with backoff, and leaves
no orphan; the other program keeps running; stopping leaves nothing."""

import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live import wait_for
from tools.supervise import Program, Supervisor

# A leader that forks a child; both sleep. Each writes its pid to a file named by argv.
FAMILY = """
import os, sys, time
out = sys.argv[1]
if os.fork() == 0:
    open(out + ".child", "w").write(str(os.getpid()))
    time.sleep(600)
    os._exit(0)
open(out + ".leader", "w").write(str(os.getpid()))
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie is dead, waiting to be reaped


def _pid(path: Path) -> int:
    wait_for(lambda: path.exists() and path.read_text() != "", timeout=10, what=str(path))
    return int(path.read_text())


def _program(name: str, tmp_path: Path) -> Program:
    return Program(
        name=name,
        argv=[sys.executable, "-c", FAMILY, str(tmp_path / name)],
        env=dict(os.environ),
        cwd=tmp_path,
    )


@pytest.fixture
def supervisor(tmp_path: Path) -> Iterator[Supervisor]:
    sup = Supervisor(
        [_program("worker", tmp_path), _program("api", tmp_path)],
        backoff_s=0.2,
        max_backoff_s=0.8,
        stable_s=60,
        say=lambda _: None,
    )
    sup.start_all()
    yield sup
    sup.stop_all(timeout_s=5)


def _kill_leader_and_wait_for_restart(sup: Supervisor, tmp_path: Path) -> tuple[int, int, float]:
    """SIGKILL the worker's leader; returns its old pid, its child's pid, the restart delay."""
    leader, child = _pid(tmp_path / "worker.leader"), _pid(tmp_path / "worker.child")
    for suffix in (".leader", ".child"):
        (tmp_path / f"worker{suffix}").unlink()
    os.kill(leader, signal.SIGKILL)
    killed = time.monotonic()

    def restarted() -> bool:
        sup.poll()
        return (tmp_path / "worker.leader").exists() and sup.programs[0].proc is not None

    wait_for(restarted, timeout=10, what="the worker to be restarted", every=0.05)
    return leader, child, time.monotonic() - killed


def test_a_killed_program_is_restarted_and_leaves_no_orphan(
    supervisor: Supervisor, tmp_path: Path
) -> None:
    api_leader = _pid(tmp_path / "api.leader")
    old_leader, old_child, _ = _kill_leader_and_wait_for_restart(supervisor, tmp_path)
    assert not _alive(old_child), "the dead leader's child was left running"
    new_leader, new_child = _pid(tmp_path / "worker.leader"), _pid(tmp_path / "worker.child")
    assert new_leader != old_leader
    assert _alive(new_leader)
    assert _alive(new_child)
    assert _alive(api_leader)  # the other program kept running
    assert supervisor.programs[0].restarts == 1
    assert supervisor.programs[1].restarts == 0


def test_restarts_back_off_exponentially_up_to_the_cap(
    supervisor: Supervisor, tmp_path: Path
) -> None:
    delays = [_kill_leader_and_wait_for_restart(supervisor, tmp_path)[2] for _ in range(4)]
    # 0.2, 0.4, 0.8, then capped at 0.8 (plus polling and start-up time)
    for got, expected in zip(delays, [0.2, 0.4, 0.8, 0.8], strict=True):
        assert expected <= got < expected + 0.6, delays


def test_stop_all_leaves_no_process_behind(supervisor: Supervisor, tmp_path: Path) -> None:
    pids = [_pid(tmp_path / f"{n}.{r}") for n in ("worker", "api") for r in ("leader", "child")]
    supervisor.stop_all(timeout_s=5)
    assert not any(_alive(pid) for pid in pids)
