"""The web portal as a plugin of the core (entry point `triage.channels`). No status task
(citizens look at /portal/track) and no replay parser (a form with its anti-CSRF check)."""

from collections.abc import Sequence

from fastapi import APIRouter

from integrations.portal import CHANNEL
from integrations.portal.routes import build_router
from integrations.portal.settings import get_portal_settings
from service.plugins import ChannelPluginBase
from service.wiring import Runtime


class PortalPlugin(ChannelPluginBase):
    name = CHANNEL

    def routers(self, runtime: Runtime) -> Sequence[APIRouter]:
        return [build_router(runtime, get_portal_settings())]


plugin = PortalPlugin()
