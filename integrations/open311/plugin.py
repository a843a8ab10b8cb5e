"""Open311 GeoReport v2 as a plugin of the core (entry point `triage.channels`)."""

from collections.abc import Callable, Sequence
from typing import Any

import typer
from fastapi import APIRouter

from integrations.open311 import CHANNEL
from integrations.open311.parse import parse_request
from integrations.open311.routes import build_router
from integrations.open311.settings import get_open311_settings
from service.intake.service import ParsedReport
from service.wiring import Runtime


class Open311Plugin:
    name = CHANNEL
    task_modules: Sequence[str] = ()
    status_task: str | None = None  # clients poll GET requests

    def routers(self, runtime: Runtime) -> Sequence[APIRouter]:
        return [build_router(runtime, get_open311_settings())]

    def cli(self) -> typer.Typer | None:
        return None

    def beat_schedule(self) -> dict[str, dict[str, Any]]:
        return {}

    def openapi_components(self) -> dict[str, Any]:
        return {}

    def parser(self, content_type: str) -> Callable[[bytes], ParsedReport] | None:
        return lambda raw: parse_request(raw, content_type=content_type)

    def wire(self, runtime: Runtime) -> None:
        pass


plugin = Open311Plugin()
