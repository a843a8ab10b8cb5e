"""Celery entry point: `celery -A service.worker worker -B`."""

import functools
import importlib
import logging
from typing import Any

from celery.signals import task_prerun, worker_process_init

from classifiers.ocr import shared_reader
from service.celery_app import TaskBase, celery, configure_celery, demote_routine_task_logs
from service.config import get_settings
from service.intake import tasks as intake_tasks
from service.outbox import service as outbox_service
from service.plugins import channel_plugins, status_tasks
from service.routing import tasks as routing_tasks
from service.triage import tasks
from service.wiring import build_runtime

logging.basicConfig(level=logging.INFO)
# The outbox relay runs every second (beat): its routine lines are DEBUG, so an idle worker
# logs nothing per second at INFO.
demote_routine_task_logs([tasks.relay_outbox.name])


def _wire() -> None:
    settings = get_settings()
    configure_celery(settings)
    runtime = build_runtime(settings)
    TaskBase.session_factory = runtime.session_factory
    tasks.runtime.settings = settings
    tasks.runtime.policy = runtime.policy
    tasks.runtime.dispatcher = runtime.dispatcher
    tasks.runtime.blobs = runtime.blobs
    tasks.runtime.photo_reader = (
        functools.partial(shared_reader, settings.ocr_threads) if settings.read_photos else None
    )
    tasks.runtime.status_tasks = status_tasks()
    routing_tasks.runtime.settings = settings
    intake_tasks.runtime.policy = runtime.fetch_policy
    intake_tasks.runtime.blobs = runtime.blobs
    intake_tasks.runtime.limits = runtime.photo_limits
    for plugin in channel_plugins():
        for module in plugin.task_modules:
            importlib.import_module(module)
        celery.conf.beat_schedule.update(plugin.beat_schedule())
        plugin.wire(runtime)


@worker_process_init.connect
def _rewire_after_fork(**_: object) -> None:
    # Database connections must not cross a fork: each pool process builds its own engine.
    _wire()


@task_prerun.connect
def _mark_outbox_started(kwargs: dict[str, Any] | None = None, **_: object) -> None:
    """Every task sent through the outbox carries its `outbox_id`: record that a run begins,
    in a short transaction of its own committed before the task body, so the relay can tell
    a message still waiting in the broker from one whose run died or hangs. One place for
    every outbox task (reports, public changes, Hue-S callbacks, e-mail acks, photo fetches).
    Celery logs and swallows an error raised here; the task then runs all the same."""
    outbox_id = (kwargs or {}).get("outbox_id")
    if isinstance(outbox_id, int) and TaskBase.session_factory is not None:
        with TaskBase.session_factory.begin() as session:
            outbox_service.mark_started(session, message_id=outbox_id)


_wire()
app = celery
