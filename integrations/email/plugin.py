"""The e-mail channel as a plugin of the core (entry point `triage.channels`)."""

from collections.abc import Callable
from typing import Any

import typer

from integrations.email import CHANNEL
from integrations.email.parse import parse_message
from integrations.email.settings import get_mail_settings
from integrations.email.status import SEND_STATUS_TASK
from service.intake.service import ParsedReport
from service.plugins import ChannelPluginBase
from service.wiring import Runtime


class EmailPlugin(ChannelPluginBase):
    name = CHANNEL
    task_modules = (
        "integrations.email.ack",
        "integrations.email.status",
        "integrations.email.tasks",
    )
    status_task = SEND_STATUS_TASK

    def cli(self) -> typer.Typer | None:
        from integrations.email.cli import app

        return app

    def beat_schedule(self) -> dict[str, dict[str, Any]]:
        settings = get_mail_settings()
        if not settings.imap_host:
            return {}
        return {"email-poll": {"task": "email.poll", "schedule": settings.poll_every_s}}

    def parser(self, content_type: str) -> Callable[[bytes], ParsedReport] | None:
        own = frozenset({get_mail_settings().address.lower()})
        return lambda raw: parse_message(raw, own_addresses=own)

    def wire(self, runtime: Runtime) -> None:
        from integrations.email import tasks

        tasks.runtime.intake = runtime.intake


plugin = EmailPlugin()
