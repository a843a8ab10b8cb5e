"""The JSON contract of a Hue-S report event (documented in the OpenAPI schema)."""

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from service.inputs import OffsetDatetime, StrictInput


class _Strict(StrictInput):
    pass


class HueSLocation(_Strict):
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False, description="WGS 84 latitude")
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False, description="WGS 84 longitude")
    accuracy_m: float | None = Field(
        None, ge=0, le=100_000, allow_inf_nan=False, description="GPS accuracy, metres"
    )


class HueSPhoto(_Strict):
    url: str | None = Field(
        None, max_length=2000, description="HTTPS URL on a Hue-S media host (fetched by us)"
    )
    content_base64: str | None = Field(None, min_length=4, description="the image, base64")
    filename: str | None = Field(None, max_length=255)

    @model_validator(mode="after")
    def _one_source(self) -> "HueSPhoto":
        if (self.url is None) == (self.content_base64 is None):
            raise ValueError("give exactly one of url or content_base64")
        return self


class HueSReporter(_Strict):
    id: str = Field(min_length=1, max_length=100, description="Hue-S user id")
    name: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=320)


class HueSEvent(_Strict):
    """One report event. `event_id` is unique per delivery attempt series (a re-delivery
    repeats it); `report_id` is Hue-S's own report number, shared by follow-up events."""

    event_id: str = Field(min_length=1, max_length=100, examples=["evt-2026-000123"])
    event_type: Literal["report.created", "report.updated"] = "report.created"
    report_id: str = Field(min_length=1, max_length=100, examples=["PA-2026-004512"])
    description: str = Field(min_length=1, max_length=5000)
    location: HueSLocation | None = None
    address: str | None = Field(None, max_length=500)
    photos: list[HueSPhoto] = Field(default_factory=list, max_length=8)
    reporter: HueSReporter | None = None
    created_at: OffsetDatetime = Field(description="when the citizen submitted it, with offset")


class HueSPhotoNotFetched(BaseModel):
    url: str
    reason: str = Field(examples=["host 'cdn.example.com' is not on the photo-host allow-list"])


class HueSAck(BaseModel):
    status: Literal["accepted", "duplicate"]
    event_id: str
    report_id: str = Field(description="Hue-S's report id, as sent")
    triage_report_id: int = Field(description="our report id")
    tracking_code: str
    photos_not_fetched: list[HueSPhotoNotFetched] = Field(
        default_factory=list,
        description="photo URLs we will not fetch, and why; the report is accepted without them",
    )
