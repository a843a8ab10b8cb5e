"""The Hue-S webhook: signatures, replay window, idempotency, verbatim storage, failures."""

import base64
import json
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from integrations.hue_s.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, signed_headers
from service.clients import service as client_service
from service.config import Settings
from service.demo import jpeg_with_gps
from service.intake import service as intake_service
from service.intake.models import RawInput
from service.outbox.models import OutboxMessage
from service.reports.models import Photo, Report

SECRET = b"dev-hue-s-secret"
URL = "/integrations/hue-s/events"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"photo_url_hosts": ["media.hue-s.vn"]})


def event(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "event_id": "evt-1",
        "event_type": "report.created",
        "report_id": "PA-2026-0001",
        "description": "Cáp viễn thông rủ thấp ngang đường Lê Lợi",
        "location": {"lat": 16.45394, "lon": 107.58305, "accuracy_m": 12},
        "address": "12 Lê Lợi, Huế",
        "photos": [],
        "reporter": {"id": "u-77", "name": "Trần Thị B", "phone": "0905111222"},
        "created_at": "2026-11-22T14:05:00+07:00",
    }
    doc.update(overrides)
    return doc


def post(client: TestClient, doc: Any, *, secret: bytes = SECRET, now: float | None = None) -> Any:
    body = doc if isinstance(doc, bytes) else json.dumps(doc, ensure_ascii=False).encode()
    headers = {"content-type": "application/json", **signed_headers(secret, body, now=now)}
    return client.post(URL, content=body, headers=headers)


def test_a_signed_event_becomes_a_report_stored_verbatim(
    client: TestClient, db_session: Session
) -> None:
    photo = base64.b64encode(jpeg_with_gps(lat=16.47, lon=107.6)).decode()
    doc = event(photos=[{"content_base64": photo, "filename": "p.jpg"}])
    r = post(client, doc)
    assert r.status_code == 202, r.text
    ack = r.json()
    assert ack["status"] == "accepted"
    assert ack["event_id"] == "evt-1"
    assert ack["report_id"] == "PA-2026-0001"
    report = db_session.get(Report, ack["triage_report_id"])
    assert report is not None
    assert (report.channel, report.external_id, report.thread_id) == (
        "hue-s",
        "evt-1",
        "PA-2026-0001",
    )
    assert report.reporter_phone == "0905111222"
    assert report.tracking_code == ack["tracking_code"]
    assert db_session.scalars(select(Photo.mime_type)).all() == ["image/jpeg"]
    raw = db_session.scalars(select(RawInput)).one()
    assert (raw.status, raw.report_id, raw.channel) == ("accepted", report.id, "hue-s")
    assert raw.body == json.dumps(doc, ensure_ascii=False).encode()
    queued = db_session.scalars(select(OutboxMessage.task_name)).all()
    assert queued == ["triage.process_report"]


def test_a_redelivered_event_is_acknowledged_without_a_second_report(
    client: TestClient, db_session: Session
) -> None:
    first = post(client, event())
    again = post(client, event(description="same event delivered twice"))
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["status"] == "duplicate"
    assert again.json()["triage_report_id"] == first.json()["triage_report_id"]
    assert len(db_session.scalars(select(Report)).all()) == 1
    assert sorted(db_session.scalars(select(RawInput.status)).all()) == ["accepted", "duplicate"]


@pytest.mark.parametrize(
    ("secret", "skew", "why"),
    [
        (b"wrong-secret", 0, "does not match"),
        (SECRET, -301, "timestamp"),
        (SECRET, +400, "timestamp"),
    ],
)
def test_bad_signatures_and_replays_are_refused_and_nothing_is_stored(
    client: TestClient, db_session: Session, secret: bytes, skew: int, why: str
) -> None:
    r = post(client, event(), secret=secret, now=time.time() + skew)
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert why in r.json()["detail"]
    assert db_session.scalars(select(RawInput)).all() == []
    assert db_session.scalars(select(Report)).all() == []


def test_missing_or_tampered_headers_are_refused(client: TestClient) -> None:
    body = json.dumps(event()).encode()
    assert client.post(URL, content=body).status_code == 401
    headers = signed_headers(SECRET, body)
    tampered = body.replace(b"evt-1", b"evt-2")
    assert client.post(URL, content=tampered, headers=headers).status_code == 401
    headers[TIMESTAMP_HEADER] = str(int(headers[TIMESTAMP_HEADER]) + 1)
    assert client.post(URL, content=body, headers=headers).status_code == 401
    assert SIGNATURE_HEADER in headers


def test_an_event_off_the_contract_is_kept_with_its_reason(
    client: TestClient, db_session: Session
) -> None:
    doc = event(location={"lat": 200, "lon": 107.5}, colour="red")
    r = post(client, doc)
    assert r.status_code == 422
    problem = r.json()
    pointers = {e["pointer"] for e in problem["errors"]}
    assert {"#/location/lat", "#/colour"} <= pointers
    raw = db_session.get(RawInput, problem["raw_input_id"])
    assert raw is not None
    assert raw.status == "failed"
    assert "#/location/lat" in (raw.reason or "")
    assert raw.body == json.dumps(doc, ensure_ascii=False).encode()
    assert db_session.scalars(select(Report)).all() == []


def test_signed_garbage_is_kept_and_refused(client: TestClient, db_session: Session) -> None:
    r = post(client, b"\xff\xfe not json")
    assert r.status_code == 422
    raw = db_session.scalars(select(RawInput)).one()
    assert raw.status == "failed"
    assert raw.body == b"\xff\xfe not json"


def test_photo_urls_are_fetched_later_before_processing(
    client: TestClient, db_session: Session
) -> None:
    doc = event(photos=[{"url": "https://media.hue-s.vn/p/1.jpg"}])
    r = post(client, doc)
    assert r.status_code == 202, r.text
    queued = db_session.execute(select(OutboxMessage.task_name, OutboxMessage.kwargs)).all()
    assert [(t, k) for t, k in queued] == [
        (
            "intake.fetch_photos",
            {
                "report_id": r.json()["triage_report_id"],
                "urls": ["https://media.hue-s.vn/p/1.jpg"],
            },
        )
    ]


def test_photo_urls_we_will_not_fetch_are_named_in_the_answer_and_kept_for_admins(
    client: TestClient, db_session: Session
) -> None:
    allowed, foreign = "https://media.hue-s.vn/p/2.jpg", "https://cdn.example.com/x.jpg"
    r = post(
        client,
        event(photos=[{"url": foreign}, {"url": allowed}, {"url": "ftp://media.hue-s.vn/3"}]),
    )
    assert r.status_code == 202, r.text
    refused = r.json()["photos_not_fetched"]
    assert [p["url"] for p in refused] == [foreign, "ftp://media.hue-s.vn/3"]
    assert "allow-list" in refused[0]["reason"]
    queued = db_session.scalars(select(OutboxMessage.kwargs)).one()
    assert queued["urls"] == [allowed]  # only what can be fetched is queued
    raw = db_session.scalars(select(RawInput)).one()
    assert raw.status == "accepted"
    assert foreign in (raw.reason or "")
    listed = intake_service.list_raw(db_session, statuses=["failed"], with_notes=True)
    assert [row.id for row in listed] == [raw.id]


def test_an_event_whose_photos_all_come_from_elsewhere_is_processed_at_once(
    client: TestClient, db_session: Session
) -> None:
    r = post(client, event(photos=[{"url": "https://cdn.example.com/x.jpg"}]))
    assert r.status_code == 202, r.text
    assert len(r.json()["photos_not_fetched"]) == 1
    assert db_session.scalars(select(OutboxMessage.task_name)).all() == ["triage.process_report"]


def test_the_generic_api_cannot_claim_the_hue_s_channel(
    client: TestClient, db_session: Session
) -> None:
    # A key is never made for a reserved channel (`triage clients add` refuses); one made
    # before the adapter existed still cannot post for it.
    _, key = client_service.create_client(db_session, name="old", channel="hue-s", reserved=())
    r = client.post(
        "/api/v1/reports",
        json={"text": "x", "external_id": "evt-9"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"pointer": "#/channel", "detail": "reserved for a channel adapter"}
    ]


def test_the_contract_is_in_the_openapi_schema(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    op = schema["paths"]["/integrations/hue-s/events"]["post"]
    assert op["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("HueSEvent")
    names = {p["name"] for p in op["parameters"]}
    assert {TIMESTAMP_HEADER, SIGNATURE_HEADER} <= names
    assert "event_id" in schema["components"]["schemas"]["HueSEvent"]["properties"]


def test_a_superscript_timestamp_is_a_401_problem_not_a_500(
    client: TestClient, db_session: Session
) -> None:
    body = json.dumps(event()).encode()
    # As a server reads it: header bytes are Latin-1, so b"\xb2\xb3" is "²³".
    headers = {
        "content-type": "application/json",
        TIMESTAMP_HEADER: "²³".encode("latin-1"),
        SIGNATURE_HEADER: "sha256=" + "0" * 64,
    }
    r = client.post(URL, content=body, headers=headers)
    assert r.status_code == 401, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert "Unix seconds" in r.json()["detail"]
    assert db_session.scalars(select(Report)).all() == []
