from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from service.cases.models import Case
from service.staff import service as staff_service
from service.triage import pipeline
from service.wiring import Runtime
from tests.conftest import ADMIN, report_json

THUAN_HOA = {"lat": 16.45394, "lon": 107.58305}
PHU_XUAN = {"lat": 16.4821, "lon": 107.57612}


def submit(client: TestClient, runtime: Runtime, session: Session, **body: Any) -> int:
    r = client.post("/api/v1/reports", json=report_json(**body))
    assert r.status_code == 202, r.text
    outcome = pipeline.process_report(
        session, report_id=r.json()["report_id"], policy=runtime.policy
    )
    assert outcome.case_id is not None
    return outcome.case_id


def ids(page: dict[str, Any]) -> list[int]:
    return [c["id"] for c in page["items"]]


def test_case_queue_needs_a_staff_key(client: TestClient) -> None:
    r = client.get("/api/v1/cases")
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    assert client.get("/api/v1/cases", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_an_inspector_key_opens_the_queue(client: TestClient, db_session: Session) -> None:
    token = staff_service.create_api_key(db_session, name="Hoa", role="inspector")
    r = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200


def test_filters_by_status_ward_text_and_location(
    client: TestClient, runtime: Runtime, db_session: Session
) -> None:
    a = submit(client, runtime, db_session, text="Cáp rối trước chợ Đông Ba", location=THUAN_HOA)
    b = submit(client, runtime, db_session, text="Quảng cáo khoan cắt bê tông", location=PHU_XUAN)
    c = submit(client, runtime, db_session, text="Không có vị trí", location=None)

    def q(**params: Any) -> list[int]:
        r = client.get("/api/v1/cases", params=params, headers=ADMIN)
        assert r.status_code == 200, r.text
        return ids(r.json())

    assert set(q()) == {a, b, c}
    assert q(ward="19789") == [a]
    assert q(location_match="missing") == [c]
    assert q(q="khoan cat be tong") == [b]  # typed without diacritics
    assert q(q="CHỢ ĐÔNG BA") == [a]
    assert q(near="16.4540,107.5831", radius_m=200) == [a]
    assert set(q(bbox="107.5,16.4,107.6,16.5")) == {a, b}
    assert q(status="triaged") == []
    assert set(q(status=["new", "triaged"])) == {a, b, c}
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert q(created_from=future) == []


def test_text_search_matches_every_word_in_any_order_with_or_without_diacritics(
    client: TestClient, runtime: Runtime, db_session: Session
) -> None:
    sagging = submit(
        client, runtime, db_session, text="Dây cáp viễn thông võng thấp ngang đường Lê Lợi"
    )
    submit(client, runtime, db_session, text="Cáp quang đứt ở Vỹ Dạ")

    def q(text: str) -> list[int]:
        r = client.get("/api/v1/cases", params={"q": text}, headers=ADMIN)
        assert r.status_code == 200, r.text
        return ids(r.json())

    assert q("cáp võng") == [sagging]  # not a phrase: words apart in the text
    assert q("vong cap") == [sagging]  # any order, no diacritics
    assert q("VÕNG  thấp   LÊ") == [sagging]  # a word's start is enough
    assert q("cáp võng đứt") == []  # every word must be there
    assert q("ong") == []  # inside a word is not a match


def test_keyset_pagination_is_stable_and_complete(
    client: TestClient, runtime: Runtime, db_session: Session
) -> None:
    made = [submit(client, runtime, db_session, text=f"báo cáo {i}") for i in range(7)]
    same_time = datetime(2026, 11, 20, tzinfo=UTC)
    db_session.execute(update(Case).where(Case.id.in_(made[:4])).values(created_at=same_time))
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3, "sort": "-created_at"}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/api/v1/cases", params=params, headers=ADMIN).json()
        seen += ids(page)
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(made)
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"near": "abc"}, "near"),
        ({"near": "95,107"}, "near"),
        ({"bbox": "1,2,3"}, "bbox"),
        ({"limit": 0}, "limit"),
        ({"sort": "priority"}, "sort"),
        ({"created_from": "yesterday"}, "created_from"),
    ],
)
def test_bad_query_parameters_are_named(
    client: TestClient, params: dict[str, Any], name: str
) -> None:
    r = client.get("/api/v1/cases", params=params, headers=ADMIN)
    assert r.status_code == 422
    assert name in [e.get("parameter") for e in r.json()["errors"]]


def test_bad_cursor_is_a_400(client: TestClient) -> None:
    r = client.get("/api/v1/cases", params={"cursor": "garbage!"}, headers=ADMIN)
    assert r.status_code == 400
    assert r.json()["type"].endswith("invalid-cursor")


def test_case_detail_has_reports_photos_events_and_no_reporter_identity(
    client: TestClient, runtime: Runtime, db_session: Session
) -> None:
    case_id = submit(
        client,
        runtime,
        db_session,
        reporter={"name": "Nguyễn Văn A", "phone": "0905111222", "email": "a@example.vn"},
    )
    r = client.get(f"/api/v1/cases/{case_id}", headers=ADMIN)
    assert r.status_code == 200
    detail = r.json()
    assert detail["ward"] == {"code": "19789", "name": "Thuận Hóa"}
    assert [e["action"] for e in detail["events"]] == ["opened"]
    assert len(detail["reports"]) == 1
    text = r.text
    for secret in ("Nguyễn Văn A", "0905111222", "a@example.vn"):
        assert secret not in text


def test_transitions_follow_the_state_machine(
    client: TestClient, runtime: Runtime, db_session: Session
) -> None:
    case_id = submit(client, runtime, db_session)
    url = f"/api/v1/cases/{case_id}/transitions"
    bad = client.post(url, json={"to": "closed"}, headers=ADMIN)
    assert bad.status_code == 409
    assert bad.json()["type"].endswith("transition-not-allowed")
    for target in ("triaged", "assigned", "in_progress", "resolved", "closed", "reopened"):
        r = client.post(url, json={"to": target, "note": f"→ {target}"}, headers=ADMIN)
        assert r.status_code == 200, r.text
    detail = client.get(f"/api/v1/cases/{case_id}", headers=ADMIN).json()
    assert detail["status"] == "reopened"
    moves = [(e["from_status"], e["to_status"], e["actor"]) for e in detail["events"][1:]]
    assert moves[0] == ("new", "triaged", "admin")
    assert moves[-1] == ("closed", "reopened", "admin")


def test_transition_of_a_missing_case_is_404(client: TestClient) -> None:
    r = client.post("/api/v1/cases/999999/transitions", json={"to": "triaged"}, headers=ADMIN)
    assert r.status_code == 404


def test_tracking_shows_status_without_personal_data(
    client: TestClient, runtime: Runtime, db_session: Session
) -> None:
    r = client.post(
        "/api/v1/reports", json=report_json(reporter={"name": "Trần Thị B", "phone": "0914000111"})
    )
    code = r.json()["tracking_code"]
    before = client.get(f"/api/v1/track/{code}").json()
    assert before["status"] == "received"
    pipeline.process_report(db_session, report_id=r.json()["report_id"], policy=runtime.policy)
    after = client.get(f"/api/v1/track/{code.lower()}")
    assert after.status_code == 200
    body = after.json()
    assert body["status"] == "new"
    assert body["ward_name"] == "Thuận Hóa"
    assert "Trần Thị B" not in after.text
    assert "0914000111" not in after.text
    assert client.get("/api/v1/track/HUE-NONE-XXXX").status_code == 404


def test_photo_download_needs_a_key(client: TestClient, db_session: Session) -> None:
    assert client.get("/api/v1/photos/1").status_code == 401
    assert client.get("/api/v1/photos/999999", headers=ADMIN).status_code == 404


def test_transition_to_an_unknown_status_is_a_422(
    client: TestClient, runtime: Runtime, db_session: Session
) -> None:
    case_id = submit(client, runtime, db_session)
    r = client.post(f"/api/v1/cases/{case_id}/transitions", json={"to": "flying"}, headers=ADMIN)
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "#/to"


@pytest.mark.parametrize(
    "query",
    [
        "created_to=1260-12-28T16%3A42%3A58.22%2B19%3A40",
        "created_from=6020-11-13T16%3A52%3A49.8201-12%3A04&created_to=0001-01-01T00%3A00%3A00%2B00%3A01",
        "created_from=2026-01-01T00%3A00%3A00",
    ],
)
def test_odd_date_filters_are_refused_or_answered_never_500(client: TestClient, query: str) -> None:
    r = client.get(f"/api/v1/cases?{query}", headers=ADMIN)
    assert r.status_code in (200, 422), r.text


def test_an_inspector_relabels_a_case_and_the_label_is_kept_for_training(
    client: TestClient, runtime: Runtime, db_session: Session
) -> None:
    case_id = submit(client, runtime, db_session, text="Dây điện nhà mạng rủ thấp")
    assert client.get(f"/api/v1/cases/{case_id}", headers=ADMIN).json()["manual_triage"]
    url = f"/api/v1/cases/{case_id}/classification"
    body = {"category": "cable", "subtype": "low_or_sagging", "priority": "urgent", "note": "VNPT"}
    r = client.post(url, json=body, headers=ADMIN)
    assert r.status_code == 200, r.text
    detail = r.json()
    assert (detail["category"], detail["subtype"], detail["priority"]) == (
        "cable",
        "low_or_sagging",
        "urgent",
    )
    assert detail["manual_triage"] is False
    event = next(e for e in detail["events"] if e["action"] == "relabelled")
    assert event["before"]["category"] == "unclassified"
    assert detail["routing"]["rule"] == "cable-unknown-operator"  # and it was routed
    from service.cases import service as case_service

    fixes = case_service.corrections(db_session)
    assert [(f.text, f.category, f.subtype) for f in fixes] == [
        ("Dây điện nhà mạng rủ thấp", "cable", "low_or_sagging")
    ]
    bad = client.post(url, json={**body, "subtype": "septic"}, headers=ADMIN)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["pointer"] == "#/subtype"
    assert client.post(url, json=body).status_code == 401


def test_a_transition_note_is_internal_unless_marked_public_and_the_detail_says_which(
    client: TestClient, runtime: Runtime, db_session: Session
) -> None:
    case_id = submit(client, runtime, db_session)
    url = f"/api/v1/cases/{case_id}/transitions"
    internal = client.post(url, json={"to": "triaged", "note": "chủ nhà khó tính"}, headers=ADMIN)
    assert internal.status_code == 200, internal.text
    public = client.post(
        url, json={"to": "assigned", "note": "Đã chuyển VNPT", "public": True}, headers=ADMIN
    )
    assert public.status_code == 200, public.text
    events = {e["to_status"]: e for e in public.json()["events"]}
    assert (events["triaged"]["note"], events["triaged"]["note_is_public"]) == (
        "chủ nhà khó tính",
        False,
    )
    assert (events["assigned"]["note"], events["assigned"]["note_is_public"]) == (
        "Đã chuyển VNPT",
        True,
    )
    assert events["triaged"]["is_public"] is True  # the move itself is on the timeline
    bad = client.post(url, json={"to": "in_progress", "public": "yes"}, headers=ADMIN)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["pointer"] == "#/public"


def test_marking_a_report_publishable_is_an_audited_event_on_the_case(
    client: TestClient, runtime: Runtime, db_session: Session
) -> None:
    case_id = submit(client, runtime, db_session, address="12 Lê Lợi")
    token = staff_service.create_api_key(db_session, name="Nguyễn Hoa", role="inspector")
    inspector = {"Authorization": f"Bearer {token}"}
    report_id = client.get(f"/api/v1/cases/{case_id}", headers=ADMIN).json()["reports"][0]["id"]
    url = f"/api/v1/cases/{case_id}/reports/{report_id}/publication"
    assert client.post(url, json={"publishable": True}).status_code == 401
    r = client.post(
        url, json={"publishable": True, "note": "không có dữ liệu cá nhân"}, headers=inspector
    )
    assert r.status_code == 200, r.text
    detail = r.json()
    assert detail["reports"][0]["is_publishable"] is True
    event = detail["events"][-1]
    assert (event["action"], event["actor"], event["is_public"], event["note_is_public"]) == (
        "publication",
        "Nguyễn Hoa",
        False,
        False,
    )
    assert (event["before"], event["after"]) == (
        {"report_id": report_id, "publishable": False},
        {"report_id": report_id, "publishable": True},
    )
    assert event["occurred_at"]
    withdrawn = client.post(url, json={"publishable": False}, headers=inspector).json()
    assert withdrawn["reports"][0]["is_publishable"] is False
    assert [e["action"] for e in withdrawn["events"]].count("publication") == 2


def test_publication_of_a_report_outside_the_case_is_refused(
    client: TestClient, runtime: Runtime, db_session: Session
) -> None:
    a = submit(client, runtime, db_session)
    b = submit(client, runtime, db_session, location=PHU_XUAN)
    report_of_b = client.get(f"/api/v1/cases/{b}", headers=ADMIN).json()["reports"][0]["id"]
    wrong = client.post(
        f"/api/v1/cases/{a}/reports/{report_of_b}/publication",
        json={"publishable": True},
        headers=ADMIN,
    )
    assert wrong.status_code == 404
    assert wrong.headers["content-type"].startswith("application/problem+json")
    assert wrong.json()["type"].endswith("report-not-found")
    missing = client.post(
        f"/api/v1/cases/999999/reports/{report_of_b}/publication",
        json={"publishable": True},
        headers=ADMIN,
    )
    assert missing.status_code == 404
    bad = client.post(
        f"/api/v1/cases/{b}/reports/{report_of_b}/publication", json={}, headers=ADMIN
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["pointer"] == "#/publishable"
    detail = client.get(f"/api/v1/cases/{b}", headers=ADMIN).json()
    assert detail["reports"][0]["is_publishable"] is False  # nothing half-written
    assert "publication" not in [e["action"] for e in detail["events"]]
