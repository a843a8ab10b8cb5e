"""Open311 GeoReport v2: every answer validates against the spec's document shapes (the
same XSD the real servers' answers in tests/data/open311 validate against), XML and JSON."""

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

from service.app import create_app
from service.config import Settings
from service.intake.models import RawInput
from service.outbox.models import OutboxMessage
from service.reports.models import Report
from service.triage import pipeline
from service.wiring import Runtime

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


def test_a_media_url_is_fetched_by_the_worker(client: TestClient, db_session: Session) -> None:
    assert post(client, media_url="https://media.example.vn/1.jpg").status_code == 200
    tasks = db_session.scalars(select(OutboxMessage.task_name)).all()
    assert tasks == ["intake.fetch_photos"]


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
