import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.api.proxies import client_address, parse_networks
from service.app import create_app
from service.config import Settings
from service.intake.models import RawInput
from service.wiring import Runtime

PROXY = parse_networks(["10.0.0.0/8", "::1"])


@pytest.mark.parametrize(
    ("peer", "xff", "trusted", "expected"),
    [
        ("127.0.0.1", "1.2.3.4", (), "127.0.0.1"),  # no proxies configured: the peer
        ("203.0.113.9", "1.2.3.4", PROXY, "203.0.113.9"),  # not from a proxy: the peer
        ("10.0.0.5", "1.2.3.4", PROXY, "1.2.3.4"),
        ("10.0.0.5", "6.6.6.6, 1.2.3.4, 10.0.0.7", PROXY, "1.2.3.4"),  # nearest untrusted
        ("10.0.0.5", "garbage, 10.0.0.7", PROXY, "10.0.0.5"),
        ("10.0.0.5", "10.1.1.1", PROXY, "10.1.1.1"),
        ("::1", "2001:db8::1", PROXY, "2001:db8::1"),
    ],
)
def test_client_address_believes_only_configured_proxies(
    peer: str, xff: str, trusted: tuple[object, ...], expected: str
) -> None:
    assert client_address(peer, xff, trusted) == expected  # type: ignore[arg-type]


def test_a_bad_trusted_proxy_setting_is_named() -> None:
    with pytest.raises(ValueError, match="TRIAGE_TRUSTED_PROXIES: 'nope'"):
        parse_networks(["10.0.0.0/8", "nope"])


@given(peer=st.ip_addresses().map(str), xff=st.text(max_size=60))
def test_client_address_never_fails(peer: str, xff: str) -> None:
    assert isinstance(client_address(peer, xff, PROXY), str)


@pytest.mark.parametrize(
    ("proxies", "peer", "expected"),
    [([], "127.0.0.1", "127.0.0.1"), (["127.0.0.1"], "127.0.0.1", "198.51.100.7")],
)
def test_the_portal_sees_the_forwarded_address_only_from_a_trusted_proxy(
    settings: Settings,
    bound_runtime: Runtime,
    db_session: Session,
    proxies: list[str],
    peer: str,
    expected: str,
) -> None:
    configured = settings.model_copy(update={"trusted_proxies": proxies})
    app = create_app(configured, runtime=bound_runtime)
    with TestClient(app, client=(peer, 5000)) as c:
        r = c.post(
            "/portal/report", data={"csrf": "x"}, headers={"x-forwarded-for": "198.51.100.7"}
        )
    assert r.status_code == 403
    assert db_session.scalars(select(RawInput.meta)).one()["client_ip"] == expected
