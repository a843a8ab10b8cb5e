"""Channel adapters plug in here, found by entry point (group `triage.channels`), so the
core never imports a channel by name. Each entry point names a ChannelPlugin object."""

from collections.abc import Callable, Sequence
from functools import cache
from importlib.metadata import entry_points
from typing import Any, Protocol

import typer
from fastapi import APIRouter

from service.intake.service import ParsedReport
from service.wiring import Runtime

ENTRY_POINT_GROUP = "triage.channels"


class ChannelPlugin(Protocol):
    name: str  # the channel name stored on its reports, e.g. "hue-s"
    task_modules: Sequence[str]  # imported by the worker so their Celery tasks register
    status_task: str | None  # task that tells the channel a public case change

    def routers(self, runtime: Runtime) -> Sequence[APIRouter]: ...

    def cli(self) -> typer.Typer | None: ...

    def beat_schedule(self) -> dict[str, dict[str, Any]]: ...

    def openapi_components(self) -> dict[str, Any]: ...

    def parser(self, content_type: str) -> Callable[[bytes], ParsedReport] | None:
        """The parser for a stored input of this channel (`triage intake retry`)."""

    def wire(self, runtime: Runtime) -> None:
        """Called in each worker process once the runtime is built."""


class ChannelPluginBase:
    """Defaults for a channel that has only some of the parts: subclass and override."""

    name: str
    task_modules: Sequence[str] = ()
    status_task: str | None = None

    def routers(self, runtime: Runtime) -> Sequence[APIRouter]:
        return []

    def cli(self) -> typer.Typer | None:
        return None

    def beat_schedule(self) -> dict[str, dict[str, Any]]:
        return {}

    def openapi_components(self) -> dict[str, Any]:
        return {}

    def parser(self, content_type: str) -> Callable[[bytes], ParsedReport] | None:
        return None

    def wire(self, runtime: Runtime) -> None:
        return None


@cache
def channel_plugins() -> tuple[ChannelPlugin, ...]:
    found = [ep.load() for ep in entry_points(group=ENTRY_POINT_GROUP)]
    return tuple(sorted(found, key=lambda p: p.name))


def status_tasks() -> dict[str, str]:
    return {p.name: p.status_task for p in channel_plugins() if p.status_task}


def plugin_for(channel: str) -> ChannelPlugin | None:
    return next((p for p in channel_plugins() if p.name == channel), None)
