"""Real messages from real mail programs, and the cases this channel must get right."""

import contextlib
import hashlib
import unicodedata
from email.message import EmailMessage
from pathlib import Path

import pytest

from integrations.email.parse import parse_message
from service.intake.service import NotAReport, Unparseable

MAIL = Path(__file__).resolve().parents[2] / "data" / "mail"
SAMPLES = sorted(MAIL.glob("*/*.eml"))
REFERENCE = MAIL / "attachments_reference"


def test_the_corpus_is_complete() -> None:
    assert len(SAMPLES) == 31


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_every_real_message_is_a_report_or_a_clear_refusal(path: Path) -> None:
    raw = path.read_bytes()
    try:
        parsed = parse_message(raw)
    except (NotAReport, Unparseable) as exc:
        refusal = str(exc)
        assert refusal, "a refusal always says why"
        return
    report = parsed.incoming
    assert report.text.strip()
    assert report.raw_body == raw
    assert report.external_id
    assert "\ufffd" not in report.text.split("\n")[0]  # the subject decoded, not mangled
    assert parsed.drop_bad_photos  # a broken image is dropped with a note, not the report


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("hunnysoft_mime_samples/m3007.eml", {"greenball.png", "blueball.png"}),  # uuencode
        ("hunnysoft_mime_samples/m1014.eml", {"redball.png", "greenball.png", "blueball.png"}),
        ("hunnysoft_mime_samples/m0015.eml", {"greenball.png", "redball.png"}),  # base64
        ("hunnysoft_mime_samples/m4006.eml", {"winmail.dat"}),  # a "TNEF" that is a PNG
    ],
)
def test_attached_images_are_decoded_byte_for_byte(sample: str, expected: set[str]) -> None:
    photos = parse_message((MAIL / sample).read_bytes()).incoming.photos
    got = {_sha(p.data) for p in photos}
    assert got == {_sha((REFERENCE / name).read_bytes()) for name in expected}


def test_a_broken_charset_falls_back_without_crashing() -> None:
    parsed = parse_message((MAIL / "hunnysoft_mime_samples/invalid-charset.eml").read_bytes())
    assert "Hare and the Tortoise" in parsed.incoming.text
    raw8 = parse_message((MAIL / "hunnysoft_mime_samples/m0001.eml").read_bytes())
    assert raw8.incoming.text.startswith("Die Hasen und die Frösche")


def test_asian_charsets_are_decoded() -> None:
    ks = parse_message((MAIL / "mikel_mail/multi_charset__ks_c_5601-1987.eml").read_bytes())
    assert "스티해" in ks.incoming.text
    sjis = parse_message((MAIL / "mikel_mail/multi_charset__japanese_shift_jis.eml").read_bytes())
    assert "あいうえお" in sjis.incoming.text


def test_a_bounce_is_not_a_report() -> None:
    with pytest.raises(NotAReport, match="bounce"):
        parse_message((MAIL / "mikel_mail/multipart_report_emails__report_422.eml").read_bytes())


def test_a_reply_joins_the_thread_of_the_first_message() -> None:
    parsed = parse_message((MAIL / "mikel_mail/plain_emails__raw_email_reply.eml").read_bytes())
    assert parsed.incoming.thread_id == "<473FF3B8.9020707@xxx.org>"
    assert parsed.incoming.external_id == "<473FFE27.20003@xxx.org>"


def test_a_forward_is_read_as_the_inner_message() -> None:
    raw = MAIL / "mikel_mail/attachment_emails__attachment_message_rfc822_inline_image.eml"
    parsed = parse_message(raw.read_bytes())
    assert "Another PDF" in parsed.incoming.text
    assert len(parsed.incoming.photos) == 1


_TONES = "\u0300\u0301\u0303\u0309\u0323"  # the combining marks windows-1258 encodes


def to_windows_1258(text: str) -> bytes:
    """As Windows writes Vietnamese: base letters (â, ơ, ư…) precomposed, tones combining."""
    out = []
    for ch in text:
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
        out.append(base + "".join(c for c in parts if c in _TONES))
    return "".join(out).encode("windows-1258")


def vn_message(body: str, *, charset: str | None = "utf-8", **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = headers.pop("From", "Nguyễn Văn A <nva@example.vn>")
    msg["To"] = "dttm@thuathienhue.gov.vn"
    msg["Subject"] = headers.pop("Subject", "Phản ánh cáp treo")
    msg["Message-ID"] = headers.pop("Message_ID", "<m1@example.vn>")
    for k, v in headers.items():
        msg[k.replace("_", "-")] = v
    if charset is None:  # a mailer that declares nothing and sends Windows Vietnamese
        raw = bytes(msg) + b"\r\n" + to_windows_1258(body)
        return raw.replace(b"\n\r\n", b"\nContent-Type: text/plain\r\n\r\n", 1)
    msg.set_content(body, charset=charset)
    return bytes(msg)


def test_vietnamese_in_windows_1258_without_a_declared_charset() -> None:
    raw = vn_message("Dây cáp võng thấp trước nhà số 5", charset=None)
    assert "Dây cáp võng thấp" in parse_message(raw).incoming.text


def test_html_only_mail_becomes_text_and_keeps_map_links() -> None:
    msg = EmailMessage()
    msg["From"] = "a@example.vn"
    msg["Subject"] = "Cáp rơi"
    msg.set_content(
        "<html><head><style>p{}</style></head><body><p>Cáp rơi xuống đường</p>"
        '<a href="https://www.google.com/maps/@16.4637,107.5909,17z">bản đồ</a></body></html>',
        subtype="html",
    )
    parsed = parse_message(bytes(msg))
    assert "Cáp rơi xuống đường" in parsed.incoming.text
    assert "p{}" not in parsed.incoming.text
    assert (parsed.incoming.lat, parsed.incoming.lon) == (16.4637, 107.5909)
    assert parsed.incoming.location_source == "text"


def test_coordinates_in_the_text_locate_the_report_and_others_are_left_alone() -> None:
    located = parse_message(vn_message("Ở tọa độ 16.45394, 107.58305 có cáp rủ"))
    assert (located.incoming.lat, located.incoming.lon) == (16.45394, 107.58305)
    unlocated = parse_message(vn_message("Giá 120.000, gọi 0905.123.456 lúc 16.30"))
    assert unlocated.incoming.lat is None


def test_a_tracking_code_in_the_subject_follows_up_that_report() -> None:
    raw = vn_message("Bổ sung ảnh", Subject="Re: [HUE-7K3M-Q9TX] Đã tiếp nhận phản ánh")
    assert parse_message(raw).incoming.follow_up_of == "HUE-7K3M-Q9TX"


@pytest.mark.parametrize(
    ("headers", "acknowledged"),
    [
        ({}, True),
        ({"Auto_Submitted": "auto-generated"}, False),
        ({"Precedence": "bulk"}, False),
        ({"List_Id": "<news.example.vn>"}, False),
        ({"From": "no-reply@bank.example"}, False),
        ({"From": "Sở <dttm@thuathienhue.gov.vn>"}, False),  # ourselves: a loop
    ],
)
def test_acknowledgements_never_go_to_machines_or_ourselves(
    headers: dict[str, str], acknowledged: bool
) -> None:
    parsed = parse_message(
        vn_message("Cáp treo", **headers), own_addresses=frozenset({"dttm@thuathienhue.gov.vn"})
    )
    assert bool(parsed.follow_ups) is acknowledged


def test_an_out_of_office_reply_is_not_a_report() -> None:
    with pytest.raises(NotAReport, match="automatic reply"):
        parse_message(vn_message("Tôi đang nghỉ phép", Auto_Submitted="auto-replied"))


def test_an_empty_message_is_refused_with_a_reason() -> None:
    with pytest.raises(Unparseable, match="no subject, no text and no photo"):
        parse_message(b"From: a@b.c\r\nMessage-ID: <x@y>\r\n\r\n")


def test_garbage_never_crashes() -> None:
    junk = (b"", b"\x00\xff" * 100, b"Subject: =?utf-8?B?////?=\r\n\r\n\xff\xfe", b":::\r\n")
    for raw in junk:
        with contextlib.suppress(NotAReport, Unparseable):
            parse_message(raw)
