"""Open311 GeoReport v2: every answer validates against the spec's document shapes (the
same XSD the real servers' answers in tests/data/open311 validate against), XML and JSON."""

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jsonschema
import pytest
from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from integrations.open311.settings import get_open311_settings
from service.app import create_app
from service.cases import service as case_service
from service.config import Settings
from service.intake.models import RawInput
from service.outbox.models import OutboxMessage
from service.reports.models import Report
from service.triage import pipeline
from service.wiring import Runtime
from tests.public_data import (
    ADDRESS,
    DESCRIPTION,
    PUBLIC_NOTE,
    assert_nothing_private,
    sensitive_case,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "open311"
XSD = etree.XMLSchema(etree.parse(str(DATA / "georeport-v2.xsd")))
KEY = "dev-open311-key"

_REQUEST = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        k: {"type": ["string", "null"]}
        for k in (
            "service_request_id",
            "token",
            "status_notes",
            "service_name",
            "service_code",
            "description",
            "agency_responsible",
            "service_notice",
            "account_id",
            "address",
            "address_id",
            "zipcode",
            "media_url",
        )
    }
    | {
        "status": {"enum": ["open", "closed"]},
        "requested_datetime": {"type": ["string", "null"], "pattern": r"\+07:00$"},
        "updated_datetime": {"type": ["string", "null"], "pattern": r"\+07:00$"},
        "expected_datetime": {"type": ["string", "null"], "pattern": r"\+07:00$"},
        "lat": {"type": ["number", "null"]},
        "long": {"type": ["number", "null"]},
    },
}
JSON_SCHEMAS: dict[str, Any] = {
    "service_requests": {"type": "array", "items": _REQUEST},
    "services": {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["service_code", "service_name", "metadata", "type"],
            "properties": {
                "metadata": {"type": "boolean"},
                "type": {"enum": ["realtime", "batch", "blackbox"]},
                "keywords": {"type": "string"},
            },
        },
    },
    "errors": {
        "type": "array",
        "minItems": 1,
        "items": {
            "type": "object",
            "required": ["code", "description"],
            "additionalProperties": False,
            "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
        },
    },
}


def xml_ok(response: Any, root: str) -> etree._Element:
    assert response.headers["content-type"].startswith("text/xml"), response.text
    doc = etree.fromstring(response.content)
    assert doc.tag == root
    assert XSD.validate(doc), XSD.error_log
    return doc


def json_ok(response: Any, kind: str) -> Any:
    assert response.headers["content-type"].startswith("application/json"), response.text
    body = response.json()
    jsonschema.validate(body, JSON_SCHEMAS[kind])
    return body


def post(client: TestClient, fmt: str = "json", **fields: str) -> Any:
    form = {
        "api_key": KEY,
        "service_code": "cable",
        "lat": "16.45394",
        "long": "107.58305",
        "description": "Cáp viễn thông võng thấp ngang đường",
        "email": "citizen@example.vn",
        **fields,
    }
    return client.post(
        f"/open311/v2/requests.{fmt}",
        content=urlencode(form).encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )


def test_the_real_servers_answers_fit_the_schema_we_validate_against() -> None:
    for name in ("services.xml", "service_requests.xml", "post_service_request.xml",
                 "get_service_request_not_found.xml", "service_definition.xml"):  # fmt: skip
        assert XSD.validate(etree.parse(str(DATA / name))), (name, XSD.error_log)


def test_discovery_names_the_endpoint_under_the_public_base_url(
    settings: Settings, bound_runtime: Runtime
) -> None:
    """Issue #9 item 11: the service on another port than 8000 names that port."""
    moved = settings.model_copy(update={"public_base_url": "http://127.0.0.1:8642/"})
    app = create_app(moved, runtime=replace(bound_runtime, settings=moved))
    with TestClient(app) as c:
        doc = c.get("/open311/v2/discovery.json").json()
        xml = xml_ok(c.get("/open311/v2/discovery.xml"), "discovery")
    assert doc["endpoints"][0]["url"] == "http://127.0.0.1:8642/open311/v2"
    assert xml.xpath("//endpoint/url/text()") == ["http://127.0.0.1:8642/open311/v2"]


def test_discovery_and_services_in_both_formats(client: TestClient) -> None:
    xml_ok(client.get("/open311/v2/discovery.xml"), "discovery")
    assert client.get("/open311/v2/discovery.json").json()["endpoints"][0]["formats"] == [
        "text/xml",
        "application/json",
    ]
    doc = xml_ok(client.get("/open311/v2/services.xml"), "services")
    assert doc.xpath("/services/service/service_code/text()") == [
        "cable",
        "ad",
        "other",
        "unclassified",
    ]
    assert {s["service_code"] for s in json_ok(client.get("/open311/v2/services.json"), "services")}
    xml_ok(client.get("/open311/v2/services/cable.xml"), "service_definition")
    xml_ok(client.get("/open311/v2/services/nope.xml"), "errors")
    assert client.get("/open311/v2/services.html").status_code == 404


def test_post_request_then_follow_it(
    client: TestClient, db_session: Session, bound_runtime: Runtime
) -> None:
    created = post(client, "xml")
    doc = xml_ok(created, "service_requests")
    request_id = doc.xpath("/service_requests/request/service_request_id/text()")[0]
    report = db_session.scalars(select(Report)).one()
    assert (report.channel, report.tracking_code) == ("open311", request_id)
    assert report.reporter_email == "citizen@example.vn"
    raw = db_session.scalars(select(RawInput)).one()
    assert raw.status == "accepted"
    assert b"api_key=" in (raw.body or b"")
    pipeline.process_report(db_session, report_id=report.id, policy=bound_runtime.policy)
    db_session.flush()

    one = json_ok(client.get(f"/open311/v2/requests/{request_id}.json"), "service_requests")
    assert one[0]["service_request_id"] == request_id
    assert one[0]["status"] == "open"
    assert one[0]["expected_datetime"].endswith("+07:00")
    assert one[0]["description"] is None  # report texts are not published by default
    assert "citizen@example.vn" not in str(one)
    xml_ok(client.get(f"/open311/v2/requests/{request_id}.xml"), "service_requests")
    assert one[0]["service_code"] == "cable"  # the citizen's pick, until classified
    by_code = json_ok(
        client.get("/open311/v2/requests.json?service_code=cable"), "service_requests"
    )
    assert [r["service_request_id"] for r in by_code] == [request_id]
    assert (
        json_ok(client.get("/open311/v2/requests.json?service_code=ad"), "service_requests") == []
    )
    listed = json_ok(client.get("/open311/v2/requests.json?status=open"), "service_requests")
    assert request_id in {r["service_request_id"] for r in listed}
    token = json_ok(client.get(f"/open311/v2/tokens/{request_id}.json"), "service_requests")
    assert token == [{"service_request_id": request_id, "token": request_id}]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"photo_url_hosts": [".example.vn"]})


def test_a_media_url_is_fetched_by_the_worker(client: TestClient, db_session: Session) -> None:
    assert post(client, media_url="https://media.example.vn/1.jpg").status_code == 200
    tasks = db_session.scalars(select(OutboxMessage.task_name)).all()
    assert tasks == ["intake.fetch_photos"]


def test_a_media_url_off_the_allow_list_is_not_fetched_and_kept_for_admins(
    client: TestClient, db_session: Session
) -> None:
    assert post(client, media_url="https://elsewhere.example.com/1.jpg").status_code == 200
    tasks = db_session.scalars(select(OutboxMessage.task_name)).all()
    assert tasks == ["triage.process_report"]  # processed without it, at once
    raw = db_session.scalars(select(RawInput)).one()
    assert "elsewhere.example.com" in (raw.reason or "")


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_errors_are_the_specs_error_lists(
    client: TestClient, db_session: Session, fmt: str
) -> None:
    bad_key = post(client, fmt, api_key="stolen")
    assert bad_key.status_code == 403
    bad = post(client, fmt, service_code="potholes", lat="200", description="")
    assert bad.status_code == 400
    missing = client.get(f"/open311/v2/requests/HUE-2222-2222.{fmt}")
    assert missing.status_code == 404
    too_long = client.get(
        f"/open311/v2/requests.{fmt}?start_date=2026-01-01T00:00:00%2B07:00"
        "&end_date=2026-06-01T00:00:00%2B07:00"
    )
    assert too_long.status_code == 400
    for r in (bad_key, bad, missing, too_long):
        if fmt == "xml":
            xml_ok(r, "errors")
        else:
            json_ok(r, "errors")
    descriptions = " ".join(e["description"] for e in post(client, service_code="x").json())
    assert "service_code must be one of" in descriptions
    assert db_session.scalars(select(Report)).all() == []
    failed = db_session.scalars(select(RawInput.status)).all()
    assert failed
    assert set(failed) == {"failed"}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_requests_publish_no_words_no_reporter_no_exact_point_and_no_internal_note(
    client: TestClient, db_session: Session, bound_runtime: Runtime, fmt: str
) -> None:
    case = sensitive_case(db_session, bound_runtime)
    listed = client.get(f"/open311/v2/requests.{fmt}")  # no key: anyone can read this
    one = client.get(f"/open311/v2/requests/{case.tracking_code}.{fmt}")
    for answer in (listed, one):
        assert answer.status_code == 200
        assert_nothing_private(answer.text)
        if fmt == "json":
            rows = json_ok(answer, "service_requests")
            row = next(r for r in rows if r["service_request_id"] == case.tracking_code)
        else:
            doc = xml_ok(answer, "service_requests")
            (element,) = doc.xpath(
                f"/service_requests/request[service_request_id='{case.tracking_code}']"
            )
            row = {child.tag: child.text for child in element}
        assert row["description"] is None
        assert row["address"] is None
        assert float(row["lat"]) == case.public_lat  # snapped to the ~100 m grid
        assert float(row["long"]) == case.public_lon
        assert row["status_notes"] == PUBLIC_NOTE  # the note written for the citizen
        assert row["service_code"] == "cable"


def test_words_appear_only_for_a_report_marked_publishable(
    client: TestClient, db_session: Session, bound_runtime: Runtime
) -> None:
    case = sensitive_case(db_session, bound_runtime)
    case_service.set_report_publication(
        db_session,
        case_id=case.case_id,
        report_id=case.report_id,
        publishable=True,
        actor="Lê Minh Khoa",
        note=None,
    )
    db_session.flush()
    row = json_ok(client.get(f"/open311/v2/requests/{case.tracking_code}.json"), "service_requests")
    assert (row[0]["description"], row[0]["address"]) == (DESCRIPTION, ADDRESS)
    xml = xml_ok(client.get(f"/open311/v2/requests/{case.tracking_code}.xml"), "service_requests")
    assert xml.xpath("/service_requests/request/description/text()") == [DESCRIPTION]
    assert "0914222333" not in str(row)  # the reporter's own contact: never


@pytest.fixture
def words_off(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TRIAGE_OPEN311_PUBLISH_DESCRIPTIONS", "false")
    get_open311_settings.cache_clear()
    yield
    get_open311_settings.cache_clear()


@pytest.mark.usefixtures("words_off")
def test_publish_descriptions_off_keeps_even_publishable_words_off_open311(
    client: TestClient, db_session: Session, bound_runtime: Runtime
) -> None:
    case = sensitive_case(db_session, bound_runtime)
    case_service.set_report_publication(
        db_session, case_id=case.case_id, report_id=case.report_id, publishable=True,
        actor="Lê Minh Khoa", note=None,
    )  # fmt: skip
    db_session.flush()
    row = json_ok(client.get(f"/open311/v2/requests/{case.tracking_code}.json"), "service_requests")
    assert (row[0]["description"], row[0]["address"]) == (None, None)
    assert row[0]["status_notes"] == PUBLIC_NOTE


@pytest.mark.parametrize("fmt", ["xml", "json"])
@pytest.mark.parametrize(
    "query",
    [
        "end_date=0001-01-01T00:00:00%2B00:00",
        "start_date=9999-12-31T00:00:00%2B00:00",
        "start_date=0001-01-01T00:00:00-23:59&end_date=0001-01-02T00:00:00%2B23:59",
    ],
)
def test_dates_at_the_ends_of_the_calendar_are_a_400_error_list(
    client: TestClient, fmt: str, query: str
) -> None:
    r = client.get(f"/open311/v2/requests.{fmt}?{query}")
    assert r.status_code == 400, r.text
    if fmt == "xml":
        xml_ok(r, "errors")
    else:
        json_ok(r, "errors")
        assert "between the years 2000 and 9000" in r.json()[0]["description"]
