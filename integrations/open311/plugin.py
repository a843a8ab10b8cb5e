"""Open311 GeoReport v2 as a plugin of the core (entry point `triage.channels`).
No status task: Open311 clients poll `GET requests`."""

from collections.abc import Callable, Sequence

from fastapi import APIRouter

from integrations.open311 import CHANNEL
from integrations.open311.parse import parse_request
from integrations.open311.routes import build_router
from integrations.open311.settings import get_open311_settings
from service.intake.service import ParsedReport
from service.plugins import ChannelPluginBase
from service.wiring import Runtime


class Open311Plugin(ChannelPluginBase):
    name = CHANNEL

    def routers(self, runtime: Runtime) -> Sequence[APIRouter]:
        return [build_router(runtime, get_open311_settings())]

    def parser(self, content_type: str) -> Callable[[bytes], ParsedReport] | None:
        return lambda raw: parse_request(raw, content_type=content_type)


plugin = Open311Plugin()
