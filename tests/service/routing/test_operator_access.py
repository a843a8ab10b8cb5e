"""Every operator endpoint, tried as another operator, as an inspector, as an admin token and
anonymously: a unit reaches its own tickets only, and nobody else reaches them as a unit."""

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.demo import jpeg_with_gps
from service.staff import service as staff_service
from service.units.models import Unit
from service.wiring import Runtime
from tests.conftest import ADMIN
from tests.service.routing.test_tickets_flow import THUAN_HOA, label, operator_key, submit


@pytest.fixture
def fix_ticket(client: TestClient, runtime: Runtime, db_session: Session) -> dict[str, Any]:
    case_id = submit(client, runtime, db_session, text="Cáp Viettel rối", location=THUAN_HOA)
    detail = label(client, case_id, "cable", "tangled")
    ticket = next(t for t in detail["tickets"] if t["kind"] == "fix")
    return {"id": ticket["id"], "case_id": case_id}


def _calls(ticket_id: int) -> list[tuple[str, str, dict[str, Any]]]:
    photo = jpeg_with_gps(lat=THUAN_HOA["lat"], lon=THUAN_HOA["lon"])
    return [
        ("GET", "/api/v1/operator/tickets", {}),
        ("GET", f"/api/v1/operator/tickets/{ticket_id}", {}),
        ("GET", f"/api/v1/operator/tickets/{ticket_id}/photos/1", {}),
        ("POST", f"/api/v1/operator/tickets/{ticket_id}/transitions",
         {"json": {"to": "acknowledged"}}),
        ("POST", f"/api/v1/operator/tickets/{ticket_id}/transitions",
         {"data": {"transition": json.dumps({"to": "resolved"})},
          "files": [("photos", ("a.jpg", photo, "image/jpeg"))]}),
    ]  # fmt: skip


def test_anonymous_callers_get_401_everywhere(
    client: TestClient, fix_ticket: dict[str, Any]
) -> None:
    for method, url, kw in _calls(fix_ticket["id"]):
        r = client.request(method, url, headers={"Authorization": ""}, **kw)
        assert r.status_code == 401, (method, url, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")


def test_department_staff_are_not_operators(
    client: TestClient, db_session: Session, fix_ticket: dict[str, Any]
) -> None:
    inspector = staff_service.create_api_key(db_session, name="Hoa", role="inspector")
    for headers in ({"Authorization": f"Bearer {inspector}"}, ADMIN):
        for method, url, kw in _calls(fix_ticket["id"]):
            r = client.request(method, url, headers=headers, **kw)
            assert r.status_code == 403, (method, url, r.text)


def test_another_operator_finds_no_ticket_and_lists_none_of_them(
    client: TestClient, db_session: Session, fix_ticket: dict[str, Any]
) -> None:
    other = operator_key(db_session, "vnpt")
    for method, url, kw in _calls(fix_ticket["id"])[1:]:
        r = client.request(method, url, headers=other, **kw)
        assert r.status_code == 404, (method, url, r.text)
    listed = client.get("/api/v1/operator/tickets", headers=other)
    assert listed.status_code == 200
    assert fix_ticket["id"] not in [t["id"] for t in listed.json()["items"]]
    owner = operator_key(db_session, "viettel")
    mine = client.get("/api/v1/operator/tickets", headers=owner).json()["items"]
    assert fix_ticket["id"] in [t["id"] for t in mine]
    # Nothing moved: the ticket is still open for its owner.
    assert client.get(f"/api/v1/operator/tickets/{fix_ticket['id']}",
                      headers=owner).json()["status"] == "open"  # fmt: skip


def test_an_operator_key_cannot_read_the_inspectors_queue(
    client: TestClient, db_session: Session, fix_ticket: dict[str, Any]
) -> None:
    key = operator_key(db_session, "viettel")
    for url in ("/api/v1/cases", f"/api/v1/cases/{fix_ticket['case_id']}",
                "/api/v1/admin/routing/rules"):  # fmt: skip
        assert client.get(url, headers=key).status_code == 403, url


def test_the_ticket_list_filters_and_pages_by_keyset(
    client: TestClient, runtime: Runtime, db_session: Session
) -> None:
    for i in range(5):
        case_id = submit(
            client,
            runtime,
            db_session,
            text=f"Cáp Viettel rối {i}",
            location={"lat": THUAN_HOA["lat"] + i * 0.003, "lon": THUAN_HOA["lon"]},
        )
        label(client, case_id, "cable", "tangled")  # fmt: skip
    key = operator_key(db_session, "viettel")
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, "kind": "fix", "status": "open"}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/api/v1/operator/tickets", params=params, headers=key).json()
        seen += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) >= 5
    assert seen == sorted(seen, reverse=True)
    assert client.get("/api/v1/operator/tickets", params={"kind": "trace"},
                      headers=key).json()["items"] == []  # fmt: skip
    bad = client.get("/api/v1/operator/tickets", params={"cursor": "nope"}, headers=key)
    assert bad.status_code == 400


def test_an_operator_key_needs_a_unit(db_session: Session) -> None:
    with pytest.raises(ValueError, match="--unit"):
        staff_service.create_api_key(db_session, name="x", role="operator")
    unit = db_session.scalars(select(Unit).where(Unit.slug == "bcvt")).one()
    with pytest.raises(ValueError, match="--unit"):
        staff_service.create_api_key(db_session, name="x", role="inspector", unit_id=unit.id)
