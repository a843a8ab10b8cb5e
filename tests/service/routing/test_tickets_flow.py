"""Routing end to end through the API: an inspector's label routes a case, the units answer
their tickets, the case follows. (The model is left out: every case starts in manual triage,
so these tests say exactly what each label does.)"""

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.cases.models import CaseEvent
from service.demo import jpeg_with_gps
from service.reports.photos import inspect_photo
from service.routing.models import Ticket
from service.staff import service as staff_service
from service.triage import pipeline
from service.units.models import Unit
from service.wiring import Runtime
from tests.conftest import ADMIN, report_json

THUAN_HOA = {"lat": 16.45394, "lon": 107.58305}  # ward 19789


def submit(client: TestClient, runtime: Runtime, session: Session, **body: Any) -> int:
    r = client.post("/api/v1/reports", json=report_json(**body))
    assert r.status_code == 202, r.text
    outcome = pipeline.process_report(
        session, report_id=r.json()["report_id"], policy=runtime.policy
    )
    assert outcome.case_id is not None
    return outcome.case_id


def label(client: TestClient, case_id: int, category: str, subtype: str | None,
          priority: str = "normal") -> dict[str, Any]:  # fmt: skip
    r = client.post(
        f"/api/v1/cases/{case_id}/classification",
        json={"category": category, "subtype": subtype, "priority": priority, "note": "checked"},
        headers=ADMIN,
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


def operator_key(session: Session, slug: str) -> dict[str, str]:
    unit = session.scalars(select(Unit).where(Unit.slug == slug)).one()
    token = staff_service.create_api_key(session, name=f"{slug} desk", role="operator",
                                         unit_id=unit.id)  # fmt: skip
    return {"Authorization": f"Bearer {token}"}


def move(client: TestClient, key: dict[str, str], ticket_id: int, **body: Any) -> Any:
    return client.post(f"/api/v1/operator/tickets/{ticket_id}/transitions", json=body, headers=key)


def tickets(detail: dict[str, Any], **match: str) -> list[dict[str, Any]]:
    return [t for t in detail["tickets"] if all(t[k] == v for k, v in match.items())]


def case_detail(client: TestClient, case_id: int) -> dict[str, Any]:
    r = client.get(f"/api/v1/cases/{case_id}", headers=ADMIN)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_a_case_in_manual_triage_gets_no_ticket_until_a_person_labels_it(
    client: TestClient, runtime: Runtime, db_session: Session
) -> None:
    case_id = submit(client, runtime, db_session, text="Cáp Viettel treo thấp", location=THUAN_HOA)
    before = case_detail(client, case_id)
    assert before["manual_triage"]
    assert before["tickets"] == []
    assert before["routing"] is None
    after = label(client, case_id, "cable", "low_or_sagging")
    assert after["owning_unit"] == "bcvt"
    assert after["routing"]["rule"] == "cable-known-operator"
    assert after["routing"]["track"] == "timed"
    assert [(t["unit"], t["kind"], t["status"]) for t in after["tickets"]] == [
        ("viettel", "fix", "open")
    ]
    assert after["status"] == "assigned"


def test_an_ad_gets_a_trace_ticket_per_carrier_and_a_removal_ticket_for_the_ward(
    client: TestClient, runtime: Runtime, db_session: Session
) -> None:
    case_id = submit(
        client, runtime, db_session, location=THUAN_HOA,
        text="Quảng cáo khoan cắt bê tông 0905 123 456, gọi 0987.654.321 hoặc 0988111222",
    )  # fmt: skip
    detail = label(client, case_id, "ad", "drilling")
    assert detail["owning_unit"] == "thanh-tra"
    got = {(t["unit"], t["kind"], tuple(t["phones"])) for t in detail["tickets"]}
    assert got == {
        ("mobifone", "trace", ("+84905123456",)),
        ("viettel", "trace", ("+84987654321", "+84988111222")),
        ("ubnd-19789", "removal", ()),
    }


def test_a_relabel_cancels_what_no_longer_applies_and_opens_what_does(
    client: TestClient, runtime: Runtime, db_session: Session
) -> None:
    case_id = submit(client, runtime, db_session, text="Cáp VNPT rối", location=THUAN_HOA)
    label(client, case_id, "cable", "tangled")
    detail = label(client, case_id, "ad", "other")
    assert tickets(detail, unit="vnpt", kind="fix")[0]["status"] == "cancelled"
    assert tickets(detail, unit="ubnd-19789", kind="removal")[0]["status"] == "open"
    cancelled = db_session.scalars(
        select(Ticket).where(Ticket.case_id == case_id, Ticket.status == "cancelled")
    ).one()
    assert "re-routed" in (cancelled.events[-1].note or "")
    # The same label again opens nothing twice.
    again = label(client, case_id, "ad", "other")
    assert len(tickets(again, kind="removal")) == 1


def test_an_unlabelled_cable_is_claimed_by_the_first_operator_and_resolved_with_a_photo(
    client: TestClient, runtime: Runtime, db_session: Session
) -> None:
    case_id = submit(client, runtime, db_session, text="Dây cáp rối trên cột", location=THUAN_HOA)
    detail = label(client, case_id, "cable", "tangled")
    claims = tickets(detail, kind="claim")
    assert len(claims) >= 2
    assert all(t["status"] == "open" for t in claims)
    first, second = claims[0], claims[1]
    no = move(client, operator_key(db_session, first["unit"]), first["id"],
              to="rejected", reason="not_ours", note="Không phải cáp của chúng tôi")  # fmt: skip
    assert no.status_code == 200, no.text
    key = operator_key(db_session, second["unit"])
    yes = move(client, key, second["id"], to="resolved", note="Cáp của chúng tôi")
    assert yes.status_code == 200, yes.text
    detail = case_detail(client, case_id)
    assert detail["operator"] == second["unit"]
    assert all(t["status"] == "cancelled" for t in tickets(detail, kind="claim")
               if t["id"] not in (first["id"], second["id"]))  # fmt: skip
    fix = tickets(detail, kind="fix")[0]
    assert (fix["unit"], fix["status"]) == (second["unit"], "open")
    assert move(client, key, fix["id"], to="in_progress").status_code == 200
    assert case_detail(client, case_id)["status"] == "in_progress"
    no_photo = move(client, key, fix["id"], to="resolved")
    assert no_photo.status_code == 422
    assert no_photo.json()["errors"][0]["pointer"] == "#/photos"
    far = jpeg_with_gps(lat=THUAN_HOA["lat"] + 0.01, lon=THUAN_HOA["lon"])
    r = _resolve_with_photo(client, key, fix["id"], far)
    assert r.status_code == 422
    assert "m from the case" in r.json()["detail"]
    near = jpeg_with_gps(lat=THUAN_HOA["lat"] + 0.0001, lon=THUAN_HOA["lon"])
    r = _resolve_with_photo(client, key, fix["id"], near)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "resolved"
    detail = case_detail(client, case_id)
    assert detail["status"] == "resolved"
    # The owning unit sees the "after" photo to verify before closing; the operator cannot
    # use the inspectors' door.
    (after_url,) = tickets(detail, kind="fix")[0]["after_photos"]
    shown = client.get(after_url, headers=ADMIN)
    assert shown.status_code == 200
    assert shown.content == near
    assert client.get(after_url, headers=key).status_code == 403
    assert (
        client.get(after_url.rsplit("/", 1)[0] + "/" + "0" * 64, headers=ADMIN).status_code == 404
    )
    public = db_session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.to_status == "resolved")
    ).one()
    assert public.is_public
    assert public.note_is_public
    assert "đơn vị" in (public.note or "")


def _resolve_with_photo(client: TestClient, key: dict[str, str], ticket_id: int,
                        photo: bytes) -> Any:  # fmt: skip
    return client.post(
        f"/api/v1/operator/tickets/{ticket_id}/transitions",
        data={"transition": json.dumps({"to": "resolved", "note": "Đã bó gọn"})},
        files=[("photos", ("after.jpg", photo, "image/jpeg"))],
        headers=key,
    )


def test_a_fix_ticket_answered_not_ours_asks_the_other_cable_operators(
    client: TestClient, runtime: Runtime, db_session: Session
) -> None:
    case_id = submit(client, runtime, db_session, text="Cáp FPT võng thấp", location=THUAN_HOA)
    fix = tickets(label(client, case_id, "cable", "low_or_sagging"), kind="fix")[0]
    assert fix["unit"] == "fpt-telecom"
    r = move(client, operator_key(db_session, "fpt-telecom"), fix["id"],
             to="rejected", reason="not_ours")  # fmt: skip
    assert r.status_code == 200, r.text
    detail = case_detail(client, case_id)
    claims = tickets(detail, kind="claim")
    assert claims
    assert "fpt-telecom" not in {t["unit"] for t in claims}
    assert detail["operator"] is None


def test_a_trace_answered_not_ours_moves_to_the_carrier_named(
    client: TestClient, runtime: Runtime, db_session: Session
) -> None:
    case_id = submit(client, runtime, db_session, location=THUAN_HOA,
                     text="Hút hầm cầu gọi 0905123456")  # fmt: skip
    trace = tickets(label(client, case_id, "ad", "septic"), kind="trace")[0]
    key = operator_key(db_session, trace["unit"])
    bad = move(client, key, trace["id"], to="rejected", reason="not_ours", carrier="nobody")
    assert bad.status_code == 422
    r = move(client, key, trace["id"], to="rejected", reason="not_ours", carrier="viettel")
    assert r.status_code == 200, r.text
    detail = case_detail(client, case_id)
    moved = tickets(detail, kind="trace", unit="viettel")
    assert moved
    assert moved[0]["phones"] == ["+84905123456"]
    assert moved[0]["status"] == "open"


def test_a_rejection_needs_a_reason_and_illegal_moves_answer_409(
    client: TestClient, runtime: Runtime, db_session: Session
) -> None:
    case_id = submit(client, runtime, db_session, text="Cáp Viettel rối", location=THUAN_HOA)
    fix = tickets(label(client, case_id, "cable", "tangled"), kind="fix")[0]
    key = operator_key(db_session, "viettel")
    assert move(client, key, fix["id"], to="rejected").status_code == 422
    assert move(client, key, fix["id"], to="acknowledged", reason="not_ours").status_code == 422
    assert move(client, key, fix["id"], to="cancelled").status_code == 422  # not theirs to do
    assert move(client, key, fix["id"], to="acknowledged").status_code == 200
    assert move(client, key, fix["id"], to="acknowledged").status_code == 409


def test_what_an_operator_sees_names_no_reporter(
    client: TestClient, runtime: Runtime, db_session: Session
) -> None:
    photo = jpeg_with_gps(lat=THUAN_HOA["lat"], lon=THUAN_HOA["lon"])
    r = client.post(
        "/api/v1/reports",
        data={"report": json.dumps(report_json(
            text="Cáp Viettel sà xuống, tôi là Nguyễn Văn A 0912345678", location=THUAN_HOA,
            reporter={"name": "Nguyễn Văn A", "phone": "0912345678", "email": "a@example.vn"},
        ))},
        files=[("photos", ("p.jpg", photo, "image/jpeg"))],
    )  # fmt: skip
    assert r.status_code == 202, r.text
    outcome = pipeline.process_report(db_session, report_id=r.json()["report_id"],
                                      policy=runtime.policy)  # fmt: skip
    assert outcome.case_id is not None
    fix = tickets(label(client, outcome.case_id, "cable", "low_or_sagging"), kind="fix")[0]
    key = operator_key(db_session, "viettel")
    seen = client.get(f"/api/v1/operator/tickets/{fix['id']}", headers=key)
    assert seen.status_code == 200, seen.text
    body = seen.text
    for personal in ("Nguyễn Văn A", "0912345678", "a@example.vn", "84912345678"):
        assert personal not in body
    case = seen.json()["case"]
    assert case["texts"] == []
    assert case["texts_withheld"] == 1
    assert case["place"]["ward_code"] == "19789"
    assert case["place"]["lat"] == round(THUAN_HOA["lat"], 4)
    image = client.get(case["photos"][0]["url"], headers=key)
    assert image.status_code == 200
    limits = {"max_bytes": 10**7, "max_pixels": 10**8}
    assert inspect_photo(photo, **limits).gps_lat is not None
    assert inspect_photo(image.content, **limits).gps_lat is None


def test_a_number_moved_to_a_carrier_already_tracing_joins_its_ticket(
    client: TestClient, runtime: Runtime, db_session: Session
) -> None:
    case_id = submit(client, runtime, db_session, location=THUAN_HOA,
                     text="Cho vay tiền nhanh 0905123456 hoặc 0987654321")  # fmt: skip
    detail = label(client, case_id, "ad", "loans")
    mobifone = tickets(detail, kind="trace", unit="mobifone")[0]
    r = move(client, operator_key(db_session, "mobifone"), mobifone["id"],
             to="rejected", reason="not_ours", carrier="viettel")  # fmt: skip
    assert r.status_code == 200, r.text
    viettel = tickets(case_detail(client, case_id), kind="trace", unit="viettel")
    assert len(viettel) == 1
    assert viettel[0]["phones"] == ["+84987654321", "+84905123456"]
    seen = client.get(f"/api/v1/operator/tickets/{viettel[0]['id']}",
                      headers=operator_key(db_session, "viettel")).json()  # fmt: skip
    assert "Viettel" in (seen["events"][-1]["note"] or "")
