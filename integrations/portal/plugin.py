"""The web portal as a plugin of the core (entry point `triage.channels`)."""

from collections.abc import Callable, Sequence
from typing import Any

import typer
from fastapi import APIRouter

from integrations.portal import CHANNEL
from integrations.portal.routes import build_router
from integrations.portal.settings import get_portal_settings
from service.intake.service import ParsedReport
from service.wiring import Runtime


class PortalPlugin:
    name = CHANNEL
    task_modules: Sequence[str] = ()
    status_task: str | None = None  # citizens look at /portal/track

    def routers(self, runtime: Runtime) -> Sequence[APIRouter]:
        return [build_router(runtime, get_portal_settings())]

    def cli(self) -> typer.Typer | None:
        return None

    def beat_schedule(self) -> dict[str, dict[str, Any]]:
        return {}

    def openapi_components(self) -> dict[str, Any]:
        return {}

    def parser(self, content_type: str) -> Callable[[bytes], ParsedReport] | None:
        return None  # a multipart form with its CSRF check: not replayable

    def wire(self, runtime: Runtime) -> None:
        pass


plugin = PortalPlugin()
