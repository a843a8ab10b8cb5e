"""Request and response bodies of the HTTP API."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, StrictBool

from service.api.routing_schemas import CaseTicketRead, RoutingRead
from service.inputs import OffsetDatetime, StrictInput


class _Strict(StrictInput):
    pass


class LocationIn(_Strict):
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False, description="WGS 84 latitude")
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False, description="WGS 84 longitude")
    accuracy_m: float | None = Field(None, ge=0, le=100_000, allow_inf_nan=False)
    source: Literal["device_gps", "address"] = "device_gps"


class ReporterIn(_Strict):
    name: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")


class PhotoIn(_Strict):
    filename: str | None = Field(None, max_length=255)
    content_base64: str = Field(min_length=4, description="the image file, base64-encoded")


class ReportCreate(_Strict):
    """A field report. Photos go inline as base64 here, or as multipart file parts."""

    channel: str | None = Field(
        None,
        pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$",
        max_length=40,
        description="optional: the client key fixes the channel; another one is refused",
    )
    external_id: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="the sender's id for this report; re-sending it returns the first report",
    )
    thread_id: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="a conversation id in the channel; later reports join the same case",
    )
    text: str = Field(min_length=1, max_length=5000)
    address: str | None = Field(None, max_length=500)
    location: LocationIn | None = None
    reporter: ReporterIn | None = None
    submitted_at: OffsetDatetime | None = None
    photos: list[PhotoIn] = Field(default_factory=list, max_length=8)


class ReportAccepted(BaseModel):
    report_id: int
    tracking_code: str
    duplicate: bool
    track_url: str


class LatLon(BaseModel):
    lat: float
    lon: float


class WardRef(BaseModel):
    code: str
    name: str


class CaseRead(BaseModel):
    id: int
    category: str
    subtype: str | None
    category_confidence: float | None = Field(description="the classifier's, 0–1")
    model_version: str | None = Field(description="the model that decided")
    manual_triage: bool = Field(description="waiting for a person to classify it")
    operator: str | None = Field(
        description="the cable's operator, named in the reports or on a label in a photo"
    )
    status: str
    priority: str
    ward: WardRef | None
    location: LatLon | None
    location_match: Literal["inside", "approximate", "outside", "named", "missing"]
    distance_to_ward_m: float | None
    owning_unit: str | None
    due_at: datetime
    created_at: datetime
    updated_at: datetime
    allowed_transitions: list[str]


class CasePage(BaseModel):
    items: list[CaseRead]
    next_cursor: str | None


class OcrLineRead(BaseModel):
    text: str
    score: float = Field(description="the recogniser's confidence, 0..1")
    box: list[list[float]] = Field(description="four corners [x, y] in the photo's pixels")


class PhotoReadingRead(BaseModel):
    engine: str
    seconds: float
    lines: list[OcrLineRead] = Field(description="text read off the photo, in reading order")


class PhotoRead(BaseModel):
    id: int
    url: str
    mime_type: str
    width: int
    height: int
    size_bytes: int
    sha256: str
    exif_location: LatLon | None
    exif_taken_at: datetime | None
    reading: PhotoReadingRead | None = Field(
        None, description="what OCR read off it (none until the photo is processed)"
    )


class ReportRead(BaseModel):
    """A report as inspectors see it: no reporter identity (confidential)."""

    id: int
    channel: str
    received_at: datetime
    text: str
    address: str | None
    location: LatLon | None
    location_source: str | None
    location_accuracy_m: float | None
    is_publishable: bool = Field(
        description="an inspector allowed its words (text, address) on public surfaces"
    )
    photos: list[PhotoRead]


class CaseEventRead(BaseModel):
    id: int
    occurred_at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    before: dict[str, object]
    after: dict[str, object]
    note: str | None
    is_public: bool = Field(description="the event appears on the public timeline")
    note_is_public: bool = Field(
        description="the note is shown to the citizen (tracking page, Open311, callbacks); "
        "otherwise it is internal"
    )


class PhoneRead(BaseModel):
    e164: str
    kind: str = Field(description="mobile, landline, toll_free or premium_rate")
    carrier_hint: str | None = Field(
        description="slug of the carrier whose prefix block holds the number (viettel, vnpt, "
        "mobifone…); a hint: numbers can be ported"
    )
    report_id: int
    source: str = Field(description="where it was read: text, address, photo:N/box:M")
    raw: str = Field(description="as written")
    span_start: int
    span_end: int


class CaseDetail(CaseRead):
    reports: list[ReportRead]
    events: list[CaseEventRead]
    phones: list[PhoneRead] = Field(description="numbers read from an ad's reports")
    routing: RoutingRead | None = Field(description="the latest routing decision")
    tickets: list[CaseTicketRead] = Field(description="every ticket of the case, oldest first")


class TransitionRequest(_Strict):
    to: Literal[
        "new", "triaged", "assigned", "in_progress", "resolved", "closed", "rejected", "reopened"
    ] = Field(description="target status", examples=["triaged"])
    note: str | None = Field(None, max_length=2000)
    public: StrictBool = Field(
        False,
        description="the note is written for the citizen and shown with the move on the "
        "tracking page, in Open311 status_notes and status callbacks; by default it is "
        "internal",
    )


class PublicationRequest(_Strict):
    publishable: StrictBool = Field(
        description="allow the report's own words (text, address) on public surfaces, "
        "having checked them for personal data; false withdraws them"
    )
    note: str | None = Field(None, max_length=2000, description="internal")


class ClassificationRequest(_Strict):
    category: Literal["cable", "ad", "other"]
    subtype: str | None = Field(
        None,
        max_length=30,
        description="cable: tangled, low_or_sagging, fallen_or_broken, "
        "pole_or_box, abandoned; ad: drilling, septic, loans, moving, tutoring, jobs, "
        "real_estate, other; none for other",
    )
    priority: Literal["normal", "urgent"] = "normal"
    note: str | None = Field(None, max_length=2000)


class TimelineEntry(BaseModel):
    at: datetime
    status: str
    note: str | None = Field(None, description="a note written for the citizen")


class PublicPoint(BaseModel):
    lat: float
    lon: float
    precision_m: float = Field(description="snapped to a grid of about this size")


class TrackRead(BaseModel):
    """What a citizen may see: status and dates, never personal data or internal notes."""

    tracking_code: str
    received_at: datetime
    status: str
    category: str | None = Field(
        description="cable, ad or other once classified (not while a person still has to "
        "check the classifier's guess)"
    )
    ward_name: str | None
    due_at: datetime | None
    location: PublicPoint | None
    description: str | None = Field(description="only once an inspector allowed it")
    address: str | None = Field(description="only once an inspector allowed it")
    timeline: list[TimelineEntry]
