import base64
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.api.schemas import ReportAccepted
from service.app import create_app
from service.clients import service as client_service
from service.config import Settings
from service.demo import jpeg_with_gps
from service.outbox.models import OutboxMessage
from service.reports import service as report_service
from service.reports.models import Photo, Report
from service.wiring import Runtime, build_runtime
from tests.conftest import ADMIN, report_json
from tests.fakes import RecordingDispatcher
from tests.public_data import (
    ADDRESS,
    DESCRIPTION,
    PUBLIC_NOTE,
    REPORTER,
    assert_nothing_private,
    sensitive_case,
)


def _counts(session: Session) -> tuple[int, int, int]:
    return tuple(  # type: ignore[return-value]
        session.scalar(select(func.count()).select_from(m)) for m in (Report, Photo, OutboxMessage)
    )


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_submit_report_json_is_stored_verbatim_and_queued(
    client: TestClient, db_session: Session
) -> None:
    body = json.dumps(
        report_json(reporter={"name": "Lan", "phone": "0905123456"}), ensure_ascii=False
    ).encode()
    r = client.post("/api/v1/reports", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 202, r.text
    out = ReportAccepted.model_validate(r.json(), strict=True).model_dump()
    assert out["tracking_code"].startswith("HUE-")
    report = db_session.get(Report, out["report_id"])
    assert report is not None
    assert report.reporter_phone == "0905123456"
    assert report.raw_body_size == len(body)
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    assert report_service.raw_body(report, runtime.blobs) == body
    queued = db_session.scalars(select(OutboxMessage)).all()
    assert [(m.task_name, m.kwargs) for m in queued] == [
        ("triage.process_report", {"report_id": report.id})
    ]


def test_submit_report_with_base64_photo_keeps_exif_location(
    client: TestClient, db_session: Session
) -> None:
    photo = jpeg_with_gps(lat=16.47461, lon=107.60998)
    body = report_json(location=None, photos=[{"filename": "a.jpg", "content_base64": _b64(photo)}])
    r = client.post("/api/v1/reports", json=body)
    assert r.status_code == 202, r.text
    stored = db_session.scalars(select(Photo)).one()
    assert stored.mime_type == "image/jpeg"
    assert stored.exif_location is not None
    assert client.app.state.runtime.blobs.read(stored.sha256) == photo  # type: ignore[attr-defined]


def test_submit_report_multipart_with_photo_files(client: TestClient, db_session: Session) -> None:
    files = [
        ("photos", ("p1.jpg", jpeg_with_gps(lat=16.45, lon=107.58), "image/jpeg")),
        ("photos", ("p2.jpg", jpeg_with_gps(lat=None, lon=None), "image/jpeg")),
    ]
    r = client.post("/api/v1/reports", data={"report": json.dumps(report_json())}, files=files)
    assert r.status_code == 202, r.text
    report = db_session.get(Report, r.json()["report_id"])
    assert report is not None
    assert [p.original_filename for p in report.photos] == ["p1.jpg", "p2.jpg"]


def test_resending_the_same_external_id_returns_the_first_report(
    client: TestClient, db_session: Session
) -> None:
    body = report_json(channel="zalo", external_id="evt-42")
    first = client.post("/api/v1/reports", json=body)
    again = client.post("/api/v1/reports", json={**body, "text": "edited re-send"})
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["report_id"] == first.json()["report_id"]
    assert again.json()["duplicate"] is True
    assert _counts(db_session) == (1, 0, 1)


def test_same_external_id_on_another_channel_is_a_new_report(
    client: TestClient, db_session: Session
) -> None:
    _, facebook = client_service.create_client(
        db_session, name="Facebook bridge", channel="facebook", reserved=()
    )
    a = client.post("/api/v1/reports", json=report_json(external_id="1"))
    b = client.post("/api/v1/reports", json=report_json(external_id="1"), headers=_bearer(facebook))
    assert (a.status_code, b.status_code) == (202, 202)
    assert a.json()["report_id"] != b.json()["report_id"]
    channels = [db_session.get(Report, r.json()["report_id"]).channel for r in (a, b)]  # type: ignore[union-attr]
    assert channels == ["zalo", "facebook"]


PNG_NOT_IMAGE = _b64(b"%PDF-1.4 this is a document")


@pytest.mark.parametrize(
    ("body", "status", "pointer"),
    [
        (report_json(location={"lat": 95, "lon": 107.5}), 422, "#/location/lat"),
        (report_json(location={"lat": 16.4, "lon": -181}), 422, "#/location/lon"),
        (report_json(location={"lat": 16.4}), 422, "#/location/lon"),
        (report_json(unknown_field=1), 422, "#/unknown_field"),
        (report_json(text=""), 422, "#/text"),
        (report_json(text="x" * 5001), 422, "#/text"),
        (report_json(channel="Bad Channel"), 422, "#/channel"),
        (report_json(channel="facebook"), 422, "#/channel"),
        (report_json(reporter={"email": "not-an-email"}), 422, "#/reporter/email"),
        (report_json(photos=[{"content_base64": PNG_NOT_IMAGE}]), 422, "#/photos/0"),
        (
            report_json(photos=[{"content_base64": "@@not base64@@"}]),
            422,
            "#/photos/0/content_base64",
        ),
        (report_json(photos=[{"content_base64": PNG_NOT_IMAGE}] * 9), 422, "#/photos"),
    ],
)
def test_submit_report_rejects_bad_input_with_a_pointer_and_writes_nothing(
    client: TestClient, db_session: Session, body: dict[str, Any], status: int, pointer: str
) -> None:
    r = client.post("/api/v1/reports", json=body)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert {"type", "title", "status", "detail", "instance", "request_id"} <= problem.keys()
    assert pointer in [e.get("pointer") for e in problem["errors"]]
    assert _counts(db_session) == (0, 0, 0)


@pytest.mark.parametrize(
    ("content", "content_type", "status", "slug"),
    [
        (b'{"text": ', "application/json", 400, "malformed-body"),
        (b"\xff\xfe garbage", "application/json", 400, "malformed-body"),
        (b"text=hello", "application/x-www-form-urlencoded", 415, "unsupported-media-type"),
        (b"--x\r\nbroken", "multipart/form-data; boundary=x", 422, "invalid-request"),
    ],
)
def test_submit_report_rejects_unreadable_bodies(
    client: TestClient,
    db_session: Session,
    content: bytes,
    content_type: str,
    status: int,
    slug: str,
) -> None:
    r = client.post("/api/v1/reports", content=content, headers={"content-type": content_type})
    assert r.status_code == status, r.text
    assert r.json()["type"].endswith(slug)
    assert _counts(db_session) == (0, 0, 0)


def test_submit_report_rejects_an_oversized_body(client: TestClient, db_session: Session) -> None:
    client.app.state.runtime.settings.max_body_bytes = 1000  # type: ignore[attr-defined]
    r = client.post("/api/v1/reports", json=report_json(text="x" * 2000))
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/problem+json"
    assert _counts(db_session) == (0, 0, 0)


def test_multipart_upload_of_a_non_image_is_refused(
    client: TestClient, db_session: Session
) -> None:
    files = [("photos", ("evil.jpg", b"MZ\x90\x00 an executable", "image/jpeg"))]
    r = client.post("/api/v1/reports", data={"report": json.dumps(report_json())}, files=files)
    assert r.status_code == 422
    assert "not a JPEG, PNG or WebP" in r.json()["detail"]
    assert _counts(db_session) == (0, 0, 0)


def test_unknown_route_is_a_problem_document(client: TestClient) -> None:
    r = client.get("/api/v1/nothing-here")
    assert r.status_code == 404
    assert r.json()["type"] == "about:blank"
    assert r.json()["title"] == "Not Found"


def test_openapi_documents_the_intake_body(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    content = spec["paths"]["/api/v1/reports"]["post"]["requestBody"]["content"]
    assert set(content) == {"application/json", "multipart/form-data"}
    assert "ReportCreate" in spec["components"]["schemas"]
    assert "LocationIn" in spec["components"]["schemas"]


def test_a_large_raw_body_is_kept_verbatim_in_the_media_store(
    client: TestClient, db_session: Session
) -> None:
    photo = jpeg_with_gps(lat=16.47, lon=107.6)
    files = [("photos", (f"p{i}.jpg", photo, "image/jpeg")) for i in range(3)]
    r = client.post("/api/v1/reports", data={"report": json.dumps(report_json())}, files=files)
    report = db_session.get(Report, r.json()["report_id"])
    assert report is not None
    assert report.raw_body is None
    blobs = client.app.state.runtime.blobs  # type: ignore[attr-defined]
    raw = report_service.raw_body(report, blobs)
    assert len(raw) == report.raw_body_size > report_service.INLINE_RAW_BODY_MAX
    assert raw.count(photo) == 3


def test_database_down_is_a_503_problem_not_a_500(settings: Settings) -> None:
    dead = settings.model_copy(
        update={"database_url": "postgresql+psycopg2://postgres@127.0.0.1:1/none"}
    )
    runtime = build_runtime(dead, dispatcher=RecordingDispatcher())
    with TestClient(create_app(dead, runtime=runtime), raise_server_exceptions=False) as c:
        r = c.post("/api/v1/reports", json=report_json(), headers=_bearer("tri_c_any"))
    assert r.status_code == 503
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["retry-after"] == "5"
    assert "nothing was stored" in r.json()["detail"]


def test_nul_characters_and_impossible_offsets_are_refused_not_500(
    client: TestClient, db_session: Session
) -> None:
    r = client.post("/api/v1/reports", json=report_json(text="cáp\u0000treo"))
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "#/text"
    r = client.post("/api/v1/reports", json=report_json(submitted_at="2026-01-01T00:00:00+16:00"))
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "#/submitted_at"
    q = client.get("/api/v1/cases?q=a%00b", headers={"Authorization": "Bearer dev-admin-token"})
    assert q.status_code == 400
    assert q.headers["content-type"] == "application/problem+json"
    assert _counts(db_session) == (0, 0, 0)


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+00:01", "2999-01-01T00:00:00+07:00"])
def test_impossible_dates_are_refused(client: TestClient, when: str) -> None:
    r = client.post("/api/v1/reports", json=report_json(submitted_at=when))
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "#/submitted_at"


def test_track_shows_no_words_reporter_exact_point_or_internal_note(
    client: TestClient, db_session: Session, bound_runtime: Runtime
) -> None:
    case = sensitive_case(db_session, bound_runtime)
    r = client.get(f"/api/v1/track/{case.tracking_code}")
    assert r.status_code == 200
    assert_nothing_private(r.text)
    body = r.json()
    assert (body["description"], body["address"]) == (None, None)
    assert body["location"] == {"lat": case.public_lat, "lon": case.public_lon, "precision_m": 100}
    assert (body["ward_name"], body["category"]) == ("Thuận Hóa", "cable")
    notes = [(e["status"], e["note"]) for e in body["timeline"]]
    assert notes == [
        ("received", None),
        ("new", None),
        ("triaged", None),  # its note was internal
        ("assigned", PUBLIC_NOTE),
        ("in_progress", None),
    ]


def test_track_shows_a_reports_words_once_an_inspector_allows_them(
    client: TestClient, db_session: Session, bound_runtime: Runtime
) -> None:
    case = sensitive_case(db_session, bound_runtime)
    url = f"/api/v1/cases/{case.case_id}/reports/{case.report_id}/publication"
    assert client.post(url, json={"publishable": True}, headers=ADMIN).status_code == 200
    body = client.get(f"/api/v1/track/{case.tracking_code}").json()
    assert (body["description"], body["address"]) == (DESCRIPTION, ADDRESS)
    assert REPORTER["phone"] not in str(body)


def test_track_of_an_unknown_code_is_a_404_problem(client: TestClient) -> None:
    r = client.get("/api/v1/track/HUE-NONE-XXXX")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"].endswith("tracking-code-not-found")


# ---------------------------------------------------------------- client keys and limits
def _no_auth(client: TestClient) -> TestClient:
    del client.headers["Authorization"]
    return client


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer tri_c_unknown", "Basic dXNlcg=="])
def test_the_intake_refuses_a_missing_or_unknown_key_with_401_and_stores_nothing(
    client: TestClient, db_session: Session, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    r = _no_auth(client).post("/api/v1/reports", json=report_json(), headers=headers)
    assert r.status_code == 401, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["www-authenticate"] == "Bearer"
    assert r.json()["type"].endswith("client-key-invalid")
    assert _counts(db_session) == (0, 0, 0)


def test_the_admin_token_is_not_a_client_key(client: TestClient, db_session: Session) -> None:
    r = client.post(
        "/api/v1/reports", json=report_json(), headers={"Authorization": "Bearer dev-admin-token"}
    )
    assert r.status_code == 401
    assert _counts(db_session) == (0, 0, 0)


def test_a_revoked_key_is_refused(client: TestClient, db_session: Session) -> None:
    created, key = client_service.create_client(
        db_session, name="Old bridge", channel="old-bridge", reserved=()
    )
    assert client.post("/api/v1/reports", json=report_json(), headers=_bearer(key)).is_success
    client_service.revoke_client(db_session, client_id=created.id)
    r = client.post("/api/v1/reports", json=report_json(), headers=_bearer(key))
    assert r.status_code == 401
    assert "revoked" in r.json()["detail"]
    assert _counts(db_session) == (1, 0, 1)


def test_the_key_fixes_the_channel(client: TestClient, db_session: Session) -> None:
    r = client.post("/api/v1/reports", json=report_json())
    assert r.status_code == 202
    report = db_session.get(Report, r.json()["report_id"])
    assert report is not None
    assert report.channel == "zalo"
    same = client.post("/api/v1/reports", json=report_json(channel="zalo"))
    assert same.status_code == 202
    other = client.post("/api/v1/reports", json=report_json(channel="facebook"))
    assert other.status_code == 422
    assert other.json()["errors"] == [
        {"pointer": "#/channel", "detail": "the key's channel is 'zalo'"}
    ]
    assert _counts(db_session) == (2, 0, 2)


def test_over_the_per_minute_rate_is_a_429_with_retry_after_and_nothing_stored(
    client: TestClient, db_session: Session
) -> None:
    _, key = client_service.create_client(
        db_session, name="Slow bridge", channel="slow", reserved=(), per_minute=2
    )
    answers = [
        client.post("/api/v1/reports", json=report_json(), headers=_bearer(key)).status_code
        for _ in range(2)
    ]
    assert answers == [202, 202]
    r = client.post("/api/v1/reports", json=report_json(), headers=_bearer(key))
    assert r.status_code == 429, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert 1 <= int(r.headers["retry-after"]) <= 60
    assert r.json()["retry_after_s"] == int(r.headers["retry-after"])
    assert "2 requests per minute" in r.json()["detail"]
    assert _counts(db_session) == (2, 0, 2)
    # Another key is not held back by this one.
    assert client.post("/api/v1/reports", json=report_json()).status_code == 202


def test_over_the_daily_photo_bytes_is_a_429_and_nothing_stored(
    client: TestClient, db_session: Session
) -> None:
    photo = jpeg_with_gps(lat=16.47, lon=107.6)
    _, key = client_service.create_client(
        db_session,
        name="Photo bridge",
        channel="photos",
        reserved=(),
        photo_bytes_per_day=2 * len(photo) + 10,
    )
    one = report_json(photos=[{"content_base64": _b64(photo)}])
    two = report_json(photos=[{"content_base64": _b64(photo)}] * 2)
    assert client.post("/api/v1/reports", json=one, headers=_bearer(key)).status_code == 202
    r = client.post("/api/v1/reports", json=two, headers=_bearer(key))
    assert r.status_code == 429, r.text
    assert 1 <= int(r.headers["retry-after"]) <= 86400
    assert "photo bytes per day" in r.json()["detail"]
    assert _counts(db_session) == (1, 1, 1)
    # What was refused was not counted: one more photo still fits today.
    assert client.post("/api/v1/reports", json=one, headers=_bearer(key)).status_code == 202
    # A report without photos is not held back by the photo quota.
    assert client.post("/api/v1/reports", json=report_json(), headers=_bearer(key)).is_success
