"""The Hue-S channel as a plugin of the core (entry point `triage.channels`)."""

from collections.abc import Callable, Sequence
from typing import Any

from fastapi import APIRouter

from integrations.hue_s import CHANNEL
from integrations.hue_s.parse import parse_event
from integrations.hue_s.routes import build_router, schema_components
from integrations.hue_s.settings import get_hue_s_settings
from integrations.hue_s.status import SEND_STATUS_TASK
from service.intake.service import ParsedReport
from service.plugins import ChannelPluginBase
from service.wiring import Runtime


class HueSPlugin(ChannelPluginBase):
    name = CHANNEL
    task_modules = ("integrations.hue_s.status",)
    status_task = SEND_STATUS_TASK

    def routers(self, runtime: Runtime) -> Sequence[APIRouter]:
        return [build_router(runtime, get_hue_s_settings())]

    def openapi_components(self) -> dict[str, Any]:
        return schema_components()

    def parser(self, content_type: str) -> Callable[[bytes], ParsedReport] | None:
        return lambda raw: parse_event(raw, content_type=content_type)


plugin = HueSPlugin()
