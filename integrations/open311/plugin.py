"""Open311 GeoReport v2 as a plugin of the core (entry point `triage.channels`)."""

from collections.abc import Sequence
from typing import Any

import typer
from fastapi import APIRouter

from integrations.open311 import CHANNEL
from integrations.open311.routes import build_router
from integrations.open311.settings import get_open311_settings
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

    def wire(self, runtime: Runtime) -> None:
        pass


plugin = Open311Plugin()
