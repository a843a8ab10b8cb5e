"""The e-mail channel as a plugin of the core (entry point `triage.channels`)."""

from collections.abc import Callable, Sequence
from typing import Any

import typer
from fastapi import APIRouter

from integrations.email import CHANNEL
from integrations.email.parse import parse_message
from integrations.email.settings import get_mail_settings
from integrations.email.settings import get_mail_settings as _mail
from service.intake.service import ParsedReport
from service.wiring import Runtime


class EmailPlugin:
    name = CHANNEL
    task_modules: Sequence[str] = ("integrations.email.ack", "integrations.email.tasks")
    status_task: str | None = None

    def routers(self, runtime: Runtime) -> Sequence[APIRouter]:
        return []

    def cli(self) -> typer.Typer | None:
        from integrations.email.cli import app

        return app

    def beat_schedule(self) -> dict[str, dict[str, Any]]:
        settings = get_mail_settings()
        if not settings.imap_host:
            return {}
        return {"email-poll": {"task": "email.poll", "schedule": settings.poll_every_s}}

    def openapi_components(self) -> dict[str, Any]:
        return {}

    def parser(self, content_type: str) -> Callable[[bytes], ParsedReport] | None:
        own = frozenset({_mail().address.lower()})
        return lambda raw: parse_message(raw, own_addresses=own)

    def wire(self, runtime: Runtime) -> None:
        from integrations.email import tasks

        tasks.runtime.intake = runtime.intake


plugin = EmailPlugin()
