"""Celery entry point: `celery -A service.worker worker -B`."""

import functools
import importlib
import logging

from celery.signals import worker_process_init

from classifiers.ocr import shared_reader
from service.celery_app import TaskBase, celery, configure_celery
from service.config import get_settings
from service.intake import tasks as intake_tasks
from service.plugins import channel_plugins, status_tasks
from service.triage import tasks
from service.wiring import build_runtime

logging.basicConfig(level=logging.INFO)


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


_wire()
app = celery
