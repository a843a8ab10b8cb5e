"""The notice a unit is sent for a ticket event: its facts, its signature, no personal data."""

import hashlib
import hmac
import json

from sqlalchemy.orm import Session

from service.routing import delivery
from service.routing.mail import SmtpServer, ticket_email
from service.routing.service import move_ticket
from service.wiring import Runtime
from tests.public_data import INSPECTOR, INTERNAL_NOTE, REPORTER, assert_nothing_private
from tests.service.routing.delivery_data import AD_NUMBER, last_event_id, ticket_on_private_report

BASE = "https://triage.hue.example"
TZ = "Asia/Ho_Chi_Minh"
SERVER = SmtpServer("127.0.0.1", 25, "none", "", "", 5.0, "dttm@hue.example", "Sở KH&CN Huế")


def _delivery(session: Session, event_id: int) -> delivery.Delivery:
    found = delivery.load_delivery(session, event_id=event_id, base_url=BASE + "/")
    assert found is not None
    return found


def test_a_notice_names_the_ticket_its_case_and_the_place_to_four_decimals(
    db_session: Session, runtime: Runtime
) -> None:
    opened = ticket_on_private_report(db_session, runtime)
    doc = json.loads(
        delivery.notice_body(_delivery(db_session, opened.event_id).notice, timezone=TZ)
    )
    ticket, case, event = doc["ticket"], doc["case"], doc["event"]
    assert doc["delivery_id"] == f"ticket-event-{opened.event_id}"
    assert ticket == {
        "id": opened.ticket.id,
        "kind": "trace",
        "status": "open",
        "due_at": ticket["due_at"],
        "phones": [AD_NUMBER],
        "unit": "viettel",
        "url": f"{BASE}/api/v1/operator/tickets/{opened.ticket.id}",
    }
    assert ticket["due_at"].endswith("+07:00")
    assert case == {
        "id": opened.case.id,
        "category": "ad",
        "subtype": "drilling",
        "priority": "normal",
        "place": {"ward_code": "19789", "ward_name": "Thuận Hóa", "lat": 16.4539, "lon": 107.5831},
    }
    assert event["from_status"] is None
    assert event["to_status"] == "open"
    assert event["by"] == "system"
    assert event["note"] == "Ticket opened by the routing rules."
    assert event["occurred_at"].endswith("+07:00")


def test_a_notice_carries_no_reporter_no_staff_name_and_no_internal_note(
    db_session: Session, runtime: Runtime
) -> None:
    opened = ticket_on_private_report(db_session, runtime)
    move_ticket(db_session, opened.ticket, to="cancelled", actor=INSPECTOR, reason=None,
                note=INTERNAL_NOTE)  # fmt: skip
    cancelled = last_event_id(db_session, opened.ticket.id)
    for event_id in (opened.event_id, cancelled):
        found = _delivery(db_session, event_id)
        body = delivery.notice_body(found.notice, timezone=TZ).decode()
        mail = ticket_email(found.notice, to="noc@viettel.example", server=SERVER, timezone=TZ)
        for sent in (body, mail.as_string(), str(mail.get_content())):
            assert_nothing_private(sent)
            assert not any(value in sent for value in REPORTER.values())
    event = json.loads(body)["event"]
    assert (event["to_status"], event["by"], event["note"]) == ("cancelled", "department", None)


def test_a_move_by_the_unit_itself_is_marked_as_the_units() -> None:
    assert delivery.actor_kind("Nguyễn An" + delivery.UNIT_ACTOR_SUFFIX) == "unit"
    assert delivery.actor_kind("system") == "system"
    assert delivery.actor_kind("Lê Minh Khoa") == "department"


def test_the_signature_verifies_over_timestamp_and_body_and_nothing_else() -> None:
    body = b'{"delivery_id":"ticket-event-7"}'
    headers = delivery.signed_headers("s3cret", body, delivery="ticket-event-7", now=1_800_000_000)
    assert headers[delivery.DELIVERY_HEADER] == "ticket-event-7"
    assert headers[delivery.TIMESTAMP_HEADER] == "1800000000"
    signature = headers[delivery.SIGNATURE_HEADER]
    assert signature.startswith("sha256=")
    # What a receiver computes, with nothing of ours: HMAC-SHA256 of "<ts>." + body.
    expected = hmac.new(b"s3cret", b"1800000000." + body, hashlib.sha256).hexdigest()
    assert signature == f"sha256={expected}"

    def check(secret: str, raw: bytes, *, ts: str = "1800000000", now: int = 1_800_000_010) -> bool:
        return delivery.verify(secret, raw, timestamp=ts, signature=signature, now=now)

    assert check("s3cret", body)
    assert not check("other", body)
    assert not check("s3cret", body + b" ")
    assert not check("s3cret", body, ts="1800000001")
    assert not check("s3cret", body, now=1_800_000_000 + 301)  # too old: a replayed capture


def test_the_email_says_new_ticket_in_both_languages_with_its_link(
    db_session: Session, runtime: Runtime
) -> None:
    opened = ticket_on_private_report(db_session, runtime)
    notice = _delivery(db_session, opened.event_id).notice
    mail = ticket_email(notice, to="noc@viettel.example", server=SERVER, timezone=TZ)
    n = opened.ticket.id
    assert mail["Subject"] == f"Phiếu mới / New ticket #{n}: xác minh thuê bao / trace"
    assert mail["Message-ID"] == f"<ticket-event-{opened.event_id}@hue.example>"
    assert mail["Auto-Submitted"] == "auto-generated"
    text = str(mail.get_content())
    assert f"{BASE}/api/v1/operator/tickets/{n}" in text
    assert AD_NUMBER in text
    assert "Hạn xử lý / Due:" in text
    assert "(+0700)" in text
