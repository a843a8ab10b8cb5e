import re

import pytest

from service.intake.fetch import FetchFailed, FetchPolicy, FetchRefused, fetch, host_allowed
from tests.httpserver import LocalHTTPServer, Reply

POLICY = FetchPolicy(allowed_hosts=("127.0.0.1",), max_bytes=1000, read_timeout_s=0.5)


@pytest.fixture
def server() -> LocalHTTPServer:
    with LocalHTTPServer() as s:
        yield s  # type: ignore[misc]


def test_an_allowed_url_is_fetched(server: LocalHTTPServer) -> None:
    server.routes["/a.jpg"] = [Reply(200, b"\xff\xd8 image bytes")]
    assert fetch(server.url("/a.jpg"), POLICY) == b"\xff\xd8 image bytes"


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://169.254.169.254/latest/meta-data/", "allow-list"),
        ("http://localhost:5432/", "allow-list"),
        ("file:///etc/passwd", "http(s)"),
        ("gopher://127.0.0.1/", "http(s)"),
        ("http://user:pw@127.0.0.1/x", "credentials"),
        ("http://127.0.0.1.evil.example/x", "allow-list"),
    ],
)
def test_urls_off_the_allow_list_are_refused_before_any_request(url: str, why: str) -> None:
    with pytest.raises(FetchRefused, match=re.escape(why)):
        fetch(url, POLICY)


def test_redirects_are_not_followed(server: LocalHTTPServer) -> None:
    server.routes["/r"] = [Reply(302, headers={"Location": "http://169.254.169.254/"})]
    with pytest.raises(FetchRefused, match="redirect"):
        fetch(server.url("/r"), POLICY)


def test_the_size_cap_holds_even_without_a_content_length(server: LocalHTTPServer) -> None:
    server.routes["/big"] = [Reply(200, b"x" * 5000)]
    with pytest.raises(FetchRefused, match="larger than 1000"):
        fetch(server.url("/big"), POLICY)


def test_a_slow_server_times_out_and_a_5xx_is_worth_retrying(server: LocalHTTPServer) -> None:
    server.routes["/slow"] = [Reply(200, b"late", delay_s=2)]
    server.routes["/down"] = [Reply(503, b"busy")]
    with pytest.raises(FetchFailed):
        fetch(server.url("/slow"), POLICY)
    with pytest.raises(FetchFailed, match="503"):
        fetch(server.url("/down"), POLICY)
    server.routes["/gone"] = [Reply(404)]
    with pytest.raises(FetchRefused, match="404"):
        fetch(server.url("/gone"), POLICY)


def test_subdomain_entries() -> None:
    assert host_allowed("media.hue-s.vn", (".hue-s.vn",))
    assert host_allowed("hue-s.vn", (".hue-s.vn",))
    assert not host_allowed("evilhue-s.vn", (".hue-s.vn",))
    assert not host_allowed("hue-s.vn.evil.com", (".hue-s.vn",))
