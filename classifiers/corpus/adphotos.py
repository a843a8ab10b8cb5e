"""Rendered photos of illegal ads, for measuring the phone reader (fixed seed).

Each photo is a paper notice glued on a wall, pole or tree, or a number stencilled straight
on the surface: ad words of one trade, one or two phone numbers in the ways people write them
(0905 123 456, 0905.123.456, 09.05.12.34.56, 0905-123-456, +84 905 123 456, Huế landlines
0234…, 1800/1900, split over two lines), and distractors that are not phone numbers (dates,
prices, areas, house numbers). Then what a phone camera does: perspective, rotation, blur,
uneven light, noise, JPEG at various qualities and sizes.

    python -m classifiers.corpus.adphotos OUT_DIR --count 200 --seed 7
writes OUT_DIR/ad-0000.jpg… and OUT_DIR/truth.jsonl ({"file", "numbers": [E.164…]}).
"""

import argparse
import io
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONTS = Path(__file__).parent / "fonts"
FONT_FILES = (
    "DejaVuSans-Bold.ttf",
    "DejaVuSansCondensed-Bold.ttf",
    "DejaVuSerif-Bold.ttf",
    "DejaVuSansMono-Bold.ttf",
    "DejaVuSans.ttf",
)
DEFAULT_SEED = 20261201

TRADES = {
    "drilling": ["KHOAN CẮT BÊ TÔNG", "KHOAN GIẾNG", "KHOAN RÚT LÕI BÊ TÔNG", "CẮT ĐỤC PHÁ DỠ"],
    "septic": ["HÚT HẦM CẦU", "THÔNG CỐNG NGHẸT", "HÚT BỂ PHỐT GIÁ RẺ", "THÔNG TẮC CỐNG"],
    "loans": ["CHO VAY TIỀN NHANH", "VAY TIỀN TRONG NGÀY", "HỖ TRỢ VAY VỐN", "CẦM ĐỒ GIÁ CAO"],
    "moving": ["CHUYỂN NHÀ TRỌN GÓI", "TAXI TẢI GIÁ RẺ", "DỌN NHÀ - DỌN VĂN PHÒNG"],
    "tutoring": ["GIA SƯ TẠI NHÀ", "NHẬN DẠY KÈM TOÁN LÝ HÓA", "LUYỆN THI VÀO 10"],
    "jobs": ["TUYỂN NHÂN VIÊN", "VIỆC LÀM THÊM TẠI NHÀ", "TUYỂN LAO ĐỘNG PHỔ THÔNG"],
    "real_estate": ["BÁN ĐẤT CHÍNH CHỦ", "CHO THUÊ PHÒNG TRỌ", "BÁN NHÀ KIỆT Ô TÔ"],
    "other": ["SỬA ĐIỆN NƯỚC", "SỬA MÁY GIẶT TẠI NHÀ", "LẮP CAMERA GIÁ RẺ"],
}
EXTRA_WORDS = [
    "UY TÍN - GIÁ RẺ", "LIÊN HỆ", "LH", "ĐT", "Phục vụ 24/24", "Có mặt sau 15 phút",
    "Không thế chấp", "Giải ngân trong ngày", "Bảo hành dài hạn", "Gọi ngay", "Zalo",
]  # fmt: skip
# Not phone numbers: a reader that turns any of these into one has invented it.
DISTRACTORS = [
    "Ngày 12/03/2025", "1.500.000đ", "DT 62-03", "Lãi suất 1,5%", "Số 27 Lê Lợi", "100m2",
    "Giá từ 350.000đ/m", "Kiệt 84/12", "Năm 2024", "Từ 7h - 21h", "5x20m",
]  # fmt: skip
MOBILE_PREFIXES = [
    "032", "033", "034", "035", "036", "037", "038", "039", "086", "096", "097", "098",
    "081", "082", "083", "084", "085", "088", "091", "094", "070", "076", "077", "078",
    "079", "089", "090", "093", "052", "056", "058", "092", "059", "099", "087",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class AdPhoto:
    name: str
    jpeg: bytes
    numbers: tuple[str, ...]  # E.164
    trade: str


def _number(rng: random.Random) -> tuple[str, str]:
    """(as written on the ad, E.164)."""
    kind = rng.choices(["mobile", "landline", "service"], weights=[80, 14, 6])[0]
    if kind == "mobile":
        national = rng.choice(MOBILE_PREFIXES) + "".join(rng.choices("0123456789", k=7))
        d = national
        written = rng.choice(
            [
                f"{d[:4]} {d[4:7]} {d[7:]}",
                f"{d[:4]}.{d[4:7]}.{d[7:]}",
                f"{d[:2]}.{d[2:4]}.{d[4:6]}.{d[6:8]}.{d[8:]}",
                f"{d[:4]}-{d[4:7]}-{d[7:]}",
                d,
                f"+84 {d[1:4]} {d[4:7]} {d[7:]}",
                f"{d[:4]}.{d[4:6]}.{d[6:8]}.{d[8:]}",
                f"{d[:4]} {d[4:]}",
            ]
        )
        return written, "+84" + national[1:]
    if kind == "landline":
        local = rng.choice("3456789") + "".join(rng.choices("0123456789", k=6))
        written = rng.choice(
            [f"0234 {local[:3]} {local[3:]}", f"0234.{local}", f"(0234) {local[:3]}.{local[3:]}"]
        )
        return written, "+84234" + local
    prefix = rng.choice(["1800", "1900"])
    rest = "".join(rng.choices("0123456789", k=rng.choice([4, 6])))
    written = f"{prefix} {rest}" if len(rest) == 4 else f"{prefix} {rest[:3]} {rest[3:]}"
    return written, "+84" + prefix + rest


def _font(rng: random.Random, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / rng.choice(FONT_FILES)), size)


def _surface(rng: random.Random, w: int, h: int) -> np.ndarray:
    """A wall, a concrete pole or bark: a base colour, grain, stains, cracks."""
    kind = rng.choice(["wall", "pole", "bark"])
    base = {
        "wall": (rng.randint(150, 230), rng.randint(140, 220), rng.randint(110, 200)),
        "pole": (rng.randint(120, 180),) * 3,
        "bark": (rng.randint(70, 120), rng.randint(55, 95), rng.randint(35, 70)),
    }[kind]
    nprng = np.random.default_rng(rng.randrange(2**32))
    img = np.empty((h, w, 3), np.float32)
    img[:] = base
    grain = nprng.normal(0, 12 if kind != "bark" else 22, (h // 4 + 1, w // 4 + 1, 1))
    img += cv2.resize(grain, (w, h))[:, :, None]
    for _ in range(rng.randint(2, 8)):  # stains
        cx, cy, r = rng.randrange(w), rng.randrange(h), rng.randint(20, max(21, w // 4))
        cv2.circle(img, (cx, cy), r, [c * rng.uniform(0.7, 1.1) for c in base], -1)
    img = np.asarray(cv2.GaussianBlur(img, (0, 0), 6), np.float32)
    for _ in range(rng.randint(0, 4)):  # cracks and old lines
        start = np.array([rng.randrange(w), rng.randrange(h)])
        pts = np.cumsum(nprng.normal(0, 8, (12, 2)), axis=0) + start
        cv2.polylines(img, [pts.astype(np.int32)], False, (60, 60, 60), rng.randint(1, 2))
    return np.clip(img, 0, 255).astype(np.uint8)


def _notice(rng: random.Random) -> tuple[Image.Image, list[str], str]:
    """The ad itself: paper (or a stencil on the surface), words, numbers, distractors."""
    trade = rng.choice(list(TRADES))
    written_numbers = [_number(rng) for _ in range(rng.choices([1, 2], weights=[75, 25])[0])]
    w = rng.randint(700, 1100)
    paper = rng.choice([(250, 250, 245), (255, 245, 150), (255, 210, 220), (220, 240, 255)])
    ink = rng.choice([(200, 0, 0), (0, 0, 150), (10, 10, 10), (0, 110, 0)])
    lines: list[tuple[str, int]] = []
    lines.append((rng.choice(TRADES[trade]), rng.randint(56, 90)))
    if rng.random() < 0.6:
        lines.append((rng.choice(EXTRA_WORDS), rng.randint(34, 54)))
    if rng.random() < 0.5:
        lines.append((rng.choice(DISTRACTORS), rng.randint(34, 54)))
    for written, _ in written_numbers:
        size = rng.randint(64, 110)
        if rng.random() < 0.08 and " " in written:  # split over two lines
            head, tail = written.split(" ", 1)
            lines += [(head, size), (tail, size)]
        else:
            lead = rng.choice(["", "", "LH: ", "ĐT: ", "Hotline "])
            lines.append((lead + written, size))
    if rng.random() < 0.3:
        lines.append((rng.choice(DISTRACTORS), rng.randint(30, 46)))
    fonts = [_font(rng, size) for _, size in lines]
    gap = 18
    heights = [
        f.getbbox(t)[3] - f.getbbox(t)[1] + gap for (t, _), f in zip(lines, fonts, strict=True)
    ]
    widths = [f.getlength(t) for (t, _), f in zip(lines, fonts, strict=True)]
    w = max(w, int(max(widths)) + 60)
    h = int(sum(heights)) + 60
    stencil = rng.random() < 0.2
    img = Image.new("RGBA", (w, h), (0, 0, 0, 0) if stencil else (*paper, 255))
    draw = ImageDraw.Draw(img)
    y = 30
    for (text, _), font, height, width in zip(lines, fonts, heights, widths, strict=True):
        x = (w - width) / 2 if rng.random() < 0.7 else 30
        draw.text((x, y - font.getbbox(text)[1]), text, font=font, fill=(*ink, 255))
        y += int(height)
    return img, [e164 for _, e164 in written_numbers], trade


def _camera(rng: random.Random, img: np.ndarray) -> np.ndarray:
    """Perspective, blur, uneven light, sensor noise."""
    h, w = img.shape[:2]
    d = rng.uniform(0.0, 0.08)  # corners move at most 8 %: the notice keeps its margin
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    shift = [[rng.uniform(-d, d) * w, rng.uniform(-d, d) * h] for _ in range(4)]
    dst = src + np.array(shift, np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    img = cv2.warpPerspective(img, matrix, (w, h), borderMode=cv2.BORDER_REPLICATE)
    sigma = rng.choice([0, 0, 0.6, 1.0, 1.4, 1.8])
    if sigma:
        img = cv2.GaussianBlur(img, (0, 0), sigma)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(angle) * xx / w + np.sin(angle) * yy / h).astype(np.float32)
    light = rng.uniform(0.55, 1.0) + rng.uniform(0.1, 0.45) * (ramp - ramp.min()) / np.ptp(ramp)
    out = img.astype(np.float32) * light[:, :, None]
    out += np.random.default_rng(rng.randrange(2**32)).normal(0, rng.uniform(2, 9), out.shape)
    return np.asarray(np.clip(out, 0, 255), np.uint8)


def render(rng: random.Random, name: str) -> AdPhoto:
    notice, numbers, trade = _notice(rng)
    notice = notice.rotate(rng.uniform(-7, 7), expand=True, resample=Image.Resampling.BICUBIC)
    scale = rng.uniform(0.45, 1.0)
    notice = notice.resize((int(notice.width * scale), int(notice.height * scale)))
    w = int(notice.width * rng.uniform(1.3, 1.9))
    h = int(max(notice.height * rng.uniform(1.4, 1.9), w * rng.uniform(0.6, 1.34)))
    surface = Image.fromarray(_surface(rng, w, h))
    # Margins of at least 10 % each side, so perspective never pushes the notice out.
    mx, my = int(0.1 * w), int(0.1 * h)
    pos = (
        rng.randint(mx, max(mx, w - notice.width - mx)),
        rng.randint(my, max(my, h - notice.height - my)),
    )
    surface.paste(notice, pos, notice)
    if rng.random() < 0.15:
        surface = surface.filter(ImageFilter.SMOOTH)
    photo = _camera(rng, np.asarray(surface))
    camera_side = rng.choice([960, 1280, 1600, 2048, 3000])
    image = Image.fromarray(photo)
    factor = camera_side / max(image.size)
    image = image.resize((int(image.width * factor), int(image.height * factor)))
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=rng.randint(35, 88))
    return AdPhoto(name, buf.getvalue(), tuple(numbers), trade)


def generate(count: int, *, seed: int = DEFAULT_SEED) -> Iterator[AdPhoto]:
    rng = random.Random(seed)
    for i in range(count):
        yield render(rng, f"ad-{i:04d}.jpg")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "truth.jsonl").open("w", encoding="utf-8") as truth:
        for photo in generate(args.count, seed=args.seed):
            (args.out / photo.name).write_bytes(photo.jpeg)
            record = {"file": photo.name, "numbers": list(photo.numbers), "trade": photo.trade}
            truth.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
