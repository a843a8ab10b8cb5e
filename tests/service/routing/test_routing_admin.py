"""Admins change the routing table through the API: validated, versioned, audited; a stale
edit is a conflict; `triage route explain` tells why a case went where it did."""

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from service.staff import service as staff_service
from service.wiring import Runtime
from tests.conftest import ADMIN
from tests.service.routing.test_tickets_flow import THUAN_HOA, label, submit

URL = "/api/v1/admin/routing/rules"


def test_only_admins_read_or_change_the_table(client: TestClient, db_session: Session) -> None:
    token = staff_service.create_api_key(db_session, name="Hoa", role="inspector")
    inspector = {"Authorization": f"Bearer {token}"}
    assert client.get(URL, headers=inspector).status_code == 403
    assert client.get(URL, headers={"Authorization": ""}).status_code == 401
    assert client.get(URL, headers=ADMIN).status_code == 200


def test_a_change_is_a_new_audited_version_and_routes_the_next_case(
    client: TestClient, runtime: Runtime, db_session: Session
) -> None:
    current = client.get(URL, headers=ADMIN).json()
    rules: list[dict[str, Any]] = current["rules"]
    urgent_first = {
        "name": "cable-viettel-to-bcvt-only",
        "when": {"category": ["cable"], "operator": ["viettel"]},
        "owner": "bcvt",
        "tickets": [],
        "working_days": 3,
        "reason": "Viettel's cables are handled by BCVT itself this month (trial).",
    }
    r = client.put(URL, headers=ADMIN, json={
        "expected_version": current["version"], "rules": [urgent_first, *rules],
        "note": "Trial agreed with Viettel Huế",
    })  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["version"] == current["version"] + 1
    stale = client.put(URL, headers=ADMIN, json={
        "expected_version": current["version"], "rules": rules, "note": "old copy",
    })  # fmt: skip
    assert stale.status_code == 409
    versions = client.get("/api/v1/admin/routing/versions", headers=ADMIN).json()
    assert versions[0]["note"] == "Trial agreed with Viettel Huế"
    assert versions[0]["actor"] == "admin"
    assert versions[0]["rule_names"][0] == "cable-viettel-to-bcvt-only"
    case_id = submit(client, runtime, db_session, text="Cáp Viettel rối", location=THUAN_HOA)
    detail = label(client, case_id, "cable", "tangled")
    assert detail["routing"]["rule"] == "cable-viettel-to-bcvt-only"
    assert detail["routing"]["table_version"] == current["version"] + 1
    assert detail["tickets"] == []


def test_a_bad_table_is_refused_and_nothing_changes(client: TestClient) -> None:
    current = client.get(URL, headers=ADMIN).json()
    bad = [{"name": "a", "owner": "nobody", "reason": "x"}]
    r = client.put(URL, headers=ADMIN, json={
        "expected_version": current["version"], "rules": bad, "note": "typo"})  # fmt: skip
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "no unit 'nobody'" in r.json()["detail"]
    assert client.get(URL, headers=ADMIN).json()["version"] == current["version"]


def test_route_explain_prints_the_rule_the_reason_and_the_tickets(
    client: TestClient, runtime: Runtime, db_session: Session, monkeypatch: Any
) -> None:
    from service import cli_routing

    case_id = submit(client, runtime, db_session, text="Cáp VNPT võng", location=THUAN_HOA)
    label(client, case_id, "cable", "low_or_sagging")
    monkeypatch.setattr(cli_routing, "_session", lambda: _NoClose(db_session))
    result = CliRunner().invoke(cli_routing.app, ["explain", str(case_id)])
    assert result.exit_code == 0, result.output
    assert "rule 'cable-known-operator'" in result.output
    assert "owner bcvt, track timed" in result.output
    assert "fix → vnpt, open" in result.output
    missing = CliRunner().invoke(cli_routing.app, ["explain", "999999999"])
    assert missing.exit_code == 2
    assert "no routing decision" in missing.output


class _NoClose:
    """The test's session, left open when the command's `with` ends (it rolls back later)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def __enter__(self) -> Session:
        return self.session

    def __exit__(self, *exc: object) -> None:
        return None
