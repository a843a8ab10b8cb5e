"""Bodies of the routing and ticket endpoints (operators, admins) and the case's routing."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from service.inputs import StrictInput

TicketKind = Literal["fix", "claim", "trace", "removal", "forward"]
TicketStatus = Literal["open", "acknowledged", "in_progress", "resolved", "rejected", "cancelled"]


class RoutingRead(BaseModel):
    rule: str = Field(description="the rule that fired")
    reason: str = Field(description="why the rule routes so")
    track: Literal["immediate", "timed", "forward"]
    table_version: int
    decided_at: datetime
    skipped: list[str] = Field(description="tickets the rule asked for that could not open")


class TicketRef(BaseModel):
    id: int
    unit: str = Field(description="the unit's slug")
    kind: TicketKind
    status: TicketStatus
    due_at: datetime
    phones: list[str] = Field(description="E.164 numbers to trace (trace tickets)")
    reason: str | None = Field(description="why it was rejected")


class CaseTicketRead(TicketRef):
    after_photos: list[str] = Field(
        description="URLs of the photos the unit sent with its answer (a fix's 'after' photo)"
    )


class TicketEventRead(BaseModel):
    occurred_at: datetime
    actor: str
    from_status: str | None
    to_status: str
    reason: str | None
    note: str | None


class PlaceRead(BaseModel):
    ward_code: str | None
    ward_name: str | None
    lat: float | None = Field(description="rounded to about 10 m")
    lon: float | None


class OperatorPhotoRead(BaseModel):
    id: int
    url: str = Field(description="the photo with its metadata (EXIF: GPS, device) removed")


class OperatorCaseRead(BaseModel):
    """What a unit sees of the case: never who reported it."""

    id: int
    category: str
    subtype: str | None
    priority: str
    operator: str | None
    place: PlaceRead
    texts: list[str] = Field(
        description="the reports' words an inspector has checked for personal data"
    )
    texts_withheld: int = Field(description="reports whose words are not released yet")
    photos: list[OperatorPhotoRead]


class OperatorTicketRead(TicketRef):
    case_id: int
    created_at: datetime
    updated_at: datetime


class OperatorTicketDetail(OperatorTicketRead):
    case: OperatorCaseRead
    events: list[TicketEventRead]
    allowed_transitions: list[str]


class OperatorTicketPage(BaseModel):
    items: list[OperatorTicketRead]
    next_cursor: str | None


class TicketTransitionRequest(StrictInput):
    to: Literal["acknowledged", "in_progress", "resolved", "rejected"] = Field(
        description="resolve a claim ticket to claim the cable; resolving a fix ticket needs "
        "an 'after' photo (multipart)"
    )
    note: str | None = Field(None, max_length=2000, description="seen by the department")
    reason: Literal["not_ours", "cannot_locate", "duplicate", "not_a_problem"] | None = Field(
        None, description="with to=rejected"
    )
    carrier: str | None = Field(
        None,
        max_length=64,
        pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$",
        description="with not_ours on a trace ticket: the carrier whose subscriber it is",
    )


class RoutingTableRead(BaseModel):
    version: int
    actor: str
    note: str | None
    created_at: datetime
    rules: list[dict[str, Any]]


class RoutingTableVersionRead(BaseModel):
    version: int
    actor: str
    note: str | None
    created_at: datetime
    rule_names: list[str]


class RoutingTableUpdate(StrictInput):
    expected_version: int = Field(ge=1, description="the version you edited (else 409)")
    rules: list[dict[str, Any]] = Field(min_length=1, max_length=500)
    note: str = Field(min_length=3, max_length=2000, description="why (kept in the audit)")
