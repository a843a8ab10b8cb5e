"""Every package's models, so Alembic sees one metadata."""

from service.areas.models import Ward
from service.cases.models import Case, CaseEvent
from service.clients.models import ApiClient, ApiClientUsage
from service.db import Base
from service.intake.models import RawInput, UsedToken
from service.outbox.models import OutboxMessage
from service.reports.models import Photo, Report, ReportPhone
from service.routing.models import RoutingDecision, RoutingTable, Ticket, TicketEvent
from service.staff.models import ApiKey
from service.units.models import Unit

__all__ = [
    "ApiClient",
    "ApiClientUsage",
    "ApiKey",
    "Base",
    "Case",
    "CaseEvent",
    "OutboxMessage",
    "Photo",
    "RawInput",
    "Report",
    "ReportPhone",
    "RoutingDecision",
    "RoutingTable",
    "Ticket",
    "TicketEvent",
    "Unit",
    "UsedToken",
    "Ward",
]
