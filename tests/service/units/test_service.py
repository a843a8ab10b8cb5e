import pytest
from sqlalchemy.orm import Session

from service.units import service as unit_service
from service.units.service import ContactChange, InvalidContact


@pytest.mark.parametrize(
    "url",
    ["https://noc.viettel.example/triage", "http://127.0.0.1:8080/hook", "http://localhost/h"],
)
def test_check_webhook_url_accepts_https_and_loopback_http(url: str) -> None:
    assert unit_service.check_webhook_url(url) == url


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://noc.viettel.example/triage", "must be https"),
        ("ftp://noc.viettel.example/", "must be https"),
        ("https://user:pw@noc.viettel.example/", "no credentials"),
        ("https:///nohost", "with a host"),
        ("https://noc.viettel.example/a b", "one line"),
        ("https://x.example/" + "a" * 500, "at most 500"),
    ],
)
def test_check_webhook_url_refuses_others(url: str, why: str) -> None:
    with pytest.raises(InvalidContact, match=why):
        unit_service.check_webhook_url(url)


@pytest.mark.parametrize("address", ["noc", "noc@", "@viettel.vn", "a b@viettel.vn", "noc@vn"])
def test_check_email_refuses_what_is_not_an_address(address: str) -> None:
    with pytest.raises(InvalidContact, match="not an e-mail address"):
        unit_service.check_email(address)


def test_set_contact_needs_a_secret_for_a_webhook_and_clears_both(db_session: Session) -> None:
    unit = unit_service.get_unit(db_session, slug="vnpt")
    assert unit is not None
    hook = "https://noc.vnpt.example/triage"
    with pytest.raises(InvalidContact, match="needs a secret"):
        unit_service.set_contact(db_session, unit=unit, change=ContactChange(webhook_url=hook))
    with pytest.raises(InvalidContact, match="no webhook"):
        unit_service.set_contact(db_session, unit=unit, change=ContactChange(new_secret="s"))
    unit_service.set_contact(
        db_session, unit=unit, change=ContactChange(webhook_url=hook, new_secret="s")
    )
    unit_service.set_contact(db_session, unit=unit, change=ContactChange(email="noc@vnpt.vn"))
    assert (unit.webhook_url, unit.webhook_secret, unit.email) == (hook, "s", "noc@vnpt.vn")
    unit_service.set_contact(db_session, unit=unit, change=ContactChange(clear_webhook=True))
    assert (unit.webhook_url, unit.webhook_secret, unit.email) == (None, None, "noc@vnpt.vn")
