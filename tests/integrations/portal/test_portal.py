"""The web portal, driven as a browser without JavaScript would: GET forms, image-button
map taps, multipart posts with the anti-CSRF cookie."""

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from integrations.portal import settings as portal_settings
from service.demo import jpeg_with_gps
from service.intake.models import RawInput
from service.intake.service import REFUSED_PREFIX
from service.reports.models import Photo, Report
from service.triage import pipeline
from service.wiring import Runtime
from tests.public_data import PUBLIC_NOTE, assert_nothing_private, sensitive_case


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrf" value="([0-9]+\.[A-Za-z0-9_-]+\.[0-9a-f]{64})"', page)
    assert match, "the form carries an anti-CSRF token"
    return match.group(1)


def send(client: TestClient, token: str, **fields: str) -> object:
    data = {"csrf": token, "lang": "vi", "description": "Cáp treo võng thấp", **fields}
    photo = ("cap.jpg", jpeg_with_gps(lat=16.47461, lon=107.60998), "image/jpeg")
    return client.post(
        "/portal/report", data=data, files=[("photos", photo)], follow_redirects=False
    )


@pytest.fixture(autouse=False)
def limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TRIAGE_PORTAL_PER_MINUTE", "50")
    portal_settings.get_portal_settings.cache_clear()
    yield
    portal_settings.get_portal_settings.cache_clear()


def test_the_form_is_vietnamese_by_default_with_an_english_switch(client: TestClient) -> None:
    vi = client.get("/portal/")
    assert vi.status_code == 200
    assert 'lang="vi"' in vi.text
    assert "Gửi phản ánh" in vi.text
    assert 'type="image" name="map"' in vi.text  # the map works without JavaScript
    assert "portal_csrf" in vi.headers["set-cookie"]
    en = client.get("/portal/?lang=en")
    assert "Send report" in en.text
    assert client.get("/portal/").text.count("Send report") == 1  # the choice is remembered


def test_tapping_the_map_chooses_a_place_and_zooms_in(client: TestClient) -> None:
    page = client.get("/portal/?z=0&map.x=170&map.y=120")
    lat = float(re.search(r'name="lat" id="lat" value="([-0-9.]+)"', page.text).group(1))  # type: ignore[union-attr]
    lon = float(re.search(r'name="lon" id="lon" value="([-0-9.]+)"', page.text).group(1))  # type: ignore[union-attr]
    assert 15.5 < lat < 17.0
    assert 106.8 < lon < 108.5
    assert 'name="z" value="2"' in page.text
    accuracy = float(
        re.search(r'name="accuracy_m" id="accuracy_m" value="([0-9.]+)"', page.text).group(1)
    )  # type: ignore[union-attr]
    assert 100 < accuracy < 1000  # one pixel of the whole-province map
    assert 'name="source" value="map"' in page.text
    svg = client.get(
        re.search(r'src="(/portal/map\.svg[^"]+)"', page.text).group(1).replace("&amp;", "&")
    )  # type: ignore[union-attr]
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert "<circle" in svg.text  # the marker


@pytest.mark.usefixtures("limits")
def test_a_report_ends_on_a_page_with_its_tracking_code(
    client: TestClient, db_session: Session, bound_runtime: Runtime
) -> None:
    token = csrf_token(client.get("/portal/").text)
    sent = send(
        client,
        token,
        lat="16.47461",
        lon="107.60998",
        phone="0905000111",
        source="map",
        accuracy_m="24",
    )
    assert sent.status_code == 303  # type: ignore[attr-defined]
    thanks = client.get(sent.headers["location"])  # type: ignore[attr-defined]
    code = re.search(r'id="tracking-code">(HUE-[A-Z0-9-]+)<', thanks.text).group(1)  # type: ignore[union-attr]
    report = db_session.scalars(select(Report)).one()
    assert (report.channel, report.tracking_code, report.reporter_phone) == (
        "portal",
        code,
        "0905000111",
    )
    assert (report.location_source, report.location_accuracy_m) == ("map", 24)
    assert db_session.scalars(select(Photo.original_filename)).all() == ["cap.jpg"]
    assert db_session.scalars(select(RawInput.status)).all() == ["accepted"]
    pipeline.process_report(db_session, report_id=report.id, policy=bound_runtime.policy)
    db_session.flush()
    track = client.get(f"/portal/track?code={code.lower()}")
    assert track.status_code == 200
    assert "Vỹ Dạ" in track.text
    assert "Đã nhận phản ánh" in track.text  # the report arrived…
    assert "Đã mở hồ sơ" in track.text  # …and a case was opened for it
    assert "0905000111" not in track.text  # no personal data on the public page
    assert client.get("/portal/track?code=HUE-2222-2222").status_code == 404
    english = client.get(sent.headers["location"].replace("lang=vi", "lang=en"))  # type: ignore[attr-defined]
    switch = re.search(r'<a href="([^"]+)" hreflang="vi">', english.text).group(1)  # type: ignore[union-attr]
    assert code in switch.replace("&amp;", "&")  # the language switch keeps the page


@pytest.mark.usefixtures("limits")
def test_a_form_without_a_valid_token_is_refused_but_kept(
    client: TestClient, db_session: Session
) -> None:
    refused = send(client, "0" * 64, lat="16.47", lon="107.6")
    assert refused.status_code == 403  # type: ignore[attr-defined]
    assert "hết hạn" in refused.text  # type: ignore[attr-defined]
    raw = db_session.scalars(select(RawInput)).one()
    assert raw.status == "failed"
    assert "token" in (raw.reason or "")
    assert db_session.scalars(select(Report)).all() == []


@pytest.mark.usefixtures("limits")
def test_a_refused_post_keeps_a_bounded_prefix_and_the_hash_not_the_body(
    client: TestClient, db_session: Session
) -> None:
    big = b"\xff\xd8\xff" + bytes(3 * 1024 * 1024)  # 3 MiB "photo"
    r = client.post(
        "/portal/report",
        data={"csrf": "forged", "lang": "vi", "description": "x", "address": "a"},
        files=[("photos", ("big.jpg", big, "image/jpeg"))],
    )
    assert r.status_code == 403
    raw = db_session.scalars(select(RawInput)).one()
    assert raw.body is not None
    assert len(raw.body) == REFUSED_PREFIX
    assert raw.body_size > len(big)
    assert raw.meta["kept_bytes"] == REFUSED_PREFIX
    media = client.app.state.runtime.blobs  # type: ignore[attr-defined]
    assert not media.path_for(raw.body_sha256).exists()
    assert db_session.scalars(select(Report)).all() == []


@pytest.mark.usefixtures("limits")
def test_a_replayed_form_is_the_form_expired_page_and_not_stored_twice(
    client: TestClient, db_session: Session
) -> None:
    token = csrf_token(client.get("/portal/").text)
    first = send(client, token, address="12 Lê Lợi")
    assert first.status_code == 303  # type: ignore[attr-defined]
    replay = send(client, token, address="12 Lê Lợi")
    assert replay.status_code == 403  # type: ignore[attr-defined]
    assert "Biểu mẫu đã hết hạn" in replay.text  # type: ignore[attr-defined]
    assert len(db_session.scalars(select(Report)).all()) == 1
    statuses = db_session.execute(select(RawInput.status, RawInput.reason)).all()
    assert sorted(s for s, _ in statuses) == ["accepted", "failed"]
    assert any("replay" in (why or "") for _, why in statuses)
    # The page after the refusal carries a fresh token that works.
    assert send(client, csrf_token(replay.text), address="12 Lê Lợi").status_code == 303  # type: ignore[attr-defined]


def test_a_token_is_bound_to_its_cookie_and_expires() -> None:
    from integrations.portal import csrf

    secret = b"k" * 32
    token = csrf.form_token(secret, "cookie-a", now=1_000_000)
    assert csrf.token_id(secret, "cookie-a", token, now=1_000_000 + 60) is not None
    assert csrf.token_id(secret, "cookie-b", token, now=1_000_000 + 60) is None
    assert csrf.token_id(secret, "cookie-a", token, now=1_000_000 + csrf.MAX_AGE_S + 1) is None
    assert csrf.token_id(b"other" * 8, "cookie-a", token, now=1_000_000) is None


@pytest.mark.usefixtures("limits")
@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "https://evil.example"},
        {"origin": "null"},
        {"referer": "https://evil.example/page"},
    ],
)
def test_a_cross_site_post_is_refused(
    client: TestClient, db_session: Session, headers: dict[str, str]
) -> None:
    token = csrf_token(client.get("/portal/").text)
    data = {"csrf": token, "lang": "vi", "description": "Cáp treo", "address": "12 Lê Lợi"}
    r = client.post("/portal/report", data=data, headers=headers, follow_redirects=False)
    assert r.status_code == 403
    assert "Biểu mẫu đã hết hạn" in r.text
    assert db_session.scalars(select(Report)).all() == []
    assert db_session.scalars(select(RawInput.reason)).one() == (
        "portal form refused: cross-site origin"
    )


@pytest.mark.usefixtures("limits")
def test_a_same_origin_post_is_taken(client: TestClient) -> None:
    token = csrf_token(client.get("/portal/").text)
    data = {"csrf": token, "lang": "vi", "description": "Cáp treo", "address": "12 Lê Lợi"}
    r = client.post(
        "/portal/report",
        data=data,
        headers={"origin": "http://testserver"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


@pytest.mark.usefixtures("limits")
@pytest.mark.parametrize(
    ("lang", "expected", "foreign"),
    [
        ("vi", "Ảnh không hợp lệ: Ảnh 1 (evil.jpg): không phải ảnh JPEG, PNG hoặc WebP.", "not a"),
        ("en", "A photo was refused: Photo 1 (evil.jpg): not a JPEG, PNG or WebP image.", "Ảnh"),
    ],
)
def test_a_refused_photo_is_explained_in_the_pages_language(
    client: TestClient, lang: str, expected: str, foreign: str
) -> None:
    token = csrf_token(client.get(f"/portal/?lang={lang}").text)
    data = {"csrf": token, "lang": lang, "description": "Cáp treo", "address": "12 Lê Lợi"}
    files = [("photos", ("evil.jpg", b"MZ\x90\x00 an executable", "image/jpeg"))]
    r = client.post("/portal/report", data=data, files=files)
    assert r.status_code == 422
    errors = re.search(r'<div class="error" role="alert">(.*?)</div>', r.text, re.S)
    assert errors is not None
    assert expected in errors.group(1)
    assert foreign not in errors.group(1)


@pytest.mark.usefixtures("limits")
def test_an_oversized_post_is_explained_in_vietnamese(client: TestClient) -> None:
    client.app.state.runtime.settings.max_body_bytes = 2000  # type: ignore[attr-defined]
    token = csrf_token(client.get("/portal/").text)
    data = {"csrf": token, "lang": "vi", "description": "x" * 3000, "address": "12 Lê Lợi"}
    r = client.post("/portal/report", data=data)
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("text/html")
    assert "Nội dung gửi quá lớn" in r.text


@pytest.mark.usefixtures("limits")
def test_missing_fields_are_explained_and_what_was_typed_is_kept(
    client: TestClient, db_session: Session
) -> None:
    token = csrf_token(client.get("/portal/").text)
    r = send(client, token, description=" ", name="Hoa")
    assert r.status_code == 422  # type: ignore[attr-defined]
    assert "Vui lòng mô tả sự việc." in r.text  # type: ignore[attr-defined]
    assert "Vui lòng chọn vị trí" in r.text  # type: ignore[attr-defined]
    assert 'value="Hoa"' in r.text  # type: ignore[attr-defined]
    assert db_session.scalars(select(Report)).all() == []


@pytest.fixture
def two_per_minute(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TRIAGE_PORTAL_PER_MINUTE", "2")
    portal_settings.get_portal_settings.cache_clear()
    yield
    portal_settings.get_portal_settings.cache_clear()


def test_submissions_are_rate_limited_per_client(two_per_minute: None, client: TestClient) -> None:
    codes = [
        send(client, csrf_token(client.get("/portal/").text), address="12 Lê Lợi").status_code  # type: ignore[attr-defined]
        for _ in range(3)
    ]
    assert codes == [303, 303, 429]


@pytest.fixture
def with_tiles(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TRIAGE_PORTAL_TILE_URL", "https://tile.example.vn/{z}/{x}/{y}.png")
    portal_settings.get_portal_settings.cache_clear()
    yield
    portal_settings.get_portal_settings.cache_clear()


def test_a_configured_tile_layer_lies_under_the_ward_outlines(
    with_tiles: None, client: TestClient
) -> None:
    page = client.get("/portal/?z=4&map.x=170&map.y=120")
    assert '<img src="https://tile.example.vn/' in page.text
    assert "https://tile.example.vn" in page.headers["content-security-policy"]
    svg_url = re.search(r'src="(/portal/map\.svg[^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    svg = client.get(svg_url.replace("&amp;", "&")).text
    assert "background" not in svg  # transparent over the tiles


def test_no_tiles_by_default(client: TestClient) -> None:
    page = client.get("/portal/")
    assert "<img src=" not in page.text


def test_refused_posts_do_not_lock_a_citizen_out(two_per_minute: None, client: TestClient) -> None:
    for _ in range(3):
        assert send(client, "0" * 64, address="12 Lê Lợi").status_code == 403  # type: ignore[attr-defined]
    token = csrf_token(client.get("/portal/").text)
    assert send(client, token, address="12 Lê Lợi").status_code == 303  # type: ignore[attr-defined]


def test_the_tracking_page_shows_no_words_reporter_or_internal_note(
    client: TestClient, db_session: Session, bound_runtime: Runtime
) -> None:
    case = sensitive_case(db_session, bound_runtime, classify="ad")
    page = client.get(f"/portal/track?code={case.tracking_code}")
    assert page.status_code == 200
    assert_nothing_private(page.text)
    assert PUBLIC_NOTE in page.text
    assert "Loại phản ánh:</strong> Quảng cáo rao vặt" in page.text
    assert "Phường/xã:</strong> Thuận Hóa" in page.text
    english = client.get(f"/portal/track?code={case.tracking_code}&lang=en")
    assert "Category:</strong> Classified ad" in english.text
    assert_nothing_private(english.text)


def test_the_tracking_page_shows_no_category_until_it_is_known(
    client: TestClient, db_session: Session, bound_runtime: Runtime
) -> None:
    case = sensitive_case(db_session, bound_runtime, classify=None)  # waits in manual triage
    page = client.get(f"/portal/track?code={case.tracking_code}")
    assert page.status_code == 200
    assert "Loại phản ánh" not in page.text
