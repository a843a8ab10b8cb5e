"""Rendered street scenes for the photo model (fixed seed): telecom cables, power lines, and
other things citizens photograph (potholes, rubbish, trees, lamps). Ads come from
`adphotos`. These are drawings, not photographs: they teach the model what the features
mean (many sagging, crossing lines vs a few straight parallel ones vs text), no more.
"""

import io
import random
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from classifiers.corpus.adphotos import FONT_FILES, FONTS, _camera

OPERATOR_LABELS = ("VNPT", "VIETTEL", "FPT TELECOM", "VTVcab", "SCTV", "MOBIFONE")


@dataclass(frozen=True, slots=True)
class Scene:
    name: str
    jpeg: bytes
    scene: str  # telecom_cable | power_line | other_scene
    operator: str | None


def _backdrop(rng: random.Random, w: int, h: int) -> np.ndarray:
    """Sky, a row of houses, a road."""
    img = np.zeros((h, w, 3), np.float32)
    top = np.array([rng.randint(150, 220), rng.randint(170, 230), rng.randint(200, 255)])
    bottom = np.array([rng.randint(200, 240)] * 3)
    for y in range(h):
        img[y] = top + (bottom - top) * (y / h)
    horizon = int(h * rng.uniform(0.45, 0.7))
    x = 0
    while x < w:  # houses
        bw, bh = rng.randint(w // 10, w // 4), rng.randint(h // 8, h // 3)
        colour = [rng.randint(90, 230) for _ in range(3)]
        cv2.rectangle(img, (x, horizon - bh), (x + bw, horizon), colour, -1)
        for _ in range(rng.randint(0, 4)):
            wx, wy = rng.randint(x, x + bw), rng.randint(horizon - bh, horizon - 10)
            cv2.rectangle(img, (wx, wy), (wx + 18, wy + 22), (60, 60, 70), -1)
        x += bw
    road = rng.randint(70, 120)
    cv2.rectangle(img, (0, horizon), (w, h), (road, road, road), -1)
    return img


def _pole(rng: random.Random, img: np.ndarray, x: int, top: int) -> None:
    h = img.shape[0]
    grey = rng.randint(110, 170)
    cv2.rectangle(img, (x - 9, top), (x + 9, h), (grey, grey, grey), -1)


def _catenary(x0: int, y0: int, x1: int, y1: int, sag: float, n: int = 40) -> np.ndarray:
    t = np.linspace(0, 1, n)
    xs = x0 + (x1 - x0) * t
    ys = y0 + (y1 - y0) * t + sag * 4 * t * (1 - t)
    return np.stack([xs, ys], axis=1).astype(np.int32)


def telecom(rng: random.Random, w: int, h: int) -> tuple[np.ndarray, str | None]:
    img = _backdrop(rng, w, h)
    pole_x = rng.randint(w // 4, 3 * w // 4)
    _pole(rng, img, pole_x, int(h * rng.uniform(0.05, 0.25)))
    anchor = int(h * rng.uniform(0.25, 0.45))
    for _ in range(rng.randint(10, 40)):  # bundles of sagging cables through the pole
        y_pole = anchor + rng.randint(-30, 30)
        for x_end in (0, w):
            y_end = int(h * rng.uniform(0.05, 0.6))
            sag = rng.uniform(5, h * 0.35)
            pts = _catenary(pole_x, y_pole, x_end, y_end, sag)
            pts += np.random.default_rng(rng.randrange(2**32)).integers(-2, 3, pts.shape)
            shade = rng.randint(10, 60)
            cv2.polylines(img, [pts], False, (shade, shade, shade), rng.randint(1, 3))
    for _ in range(rng.randint(0, 4)):  # coils and a joint box on the pole
        cy = anchor + rng.randint(-20, 80)
        axes = (rng.randint(20, 60), rng.randint(12, 40))
        cv2.ellipse(img, (pole_x + rng.randint(-30, 30), cy), axes, rng.randint(0, 180),
                    0, 360, (20, 20, 20), rng.randint(2, 4))  # fmt: skip
    if rng.random() < 0.5:
        cv2.rectangle(
            img, (pole_x - 25, anchor + 40), (pole_x + 25, anchor + 110), (40, 40, 45), -1
        )
    if rng.random() < 0.3:  # a line hanging low over the road
        pts = _catenary(0, int(h * 0.3), w, int(h * 0.35), h * 0.45)
        cv2.polylines(img, [pts], False, (15, 15, 15), 3)
    operator = None
    if rng.random() < 0.35:  # an identification label hung on the bundle
        operator = rng.choice(OPERATOR_LABELS)
        _label(rng, img, operator, pole_x + rng.randint(-200, 200), anchor + rng.randint(-10, 40))
    return img, operator


def _label(rng: random.Random, img: np.ndarray, text: str, x: int, y: int) -> None:
    pil = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(pil)
    font = ImageFont.truetype(str(FONTS / rng.choice(FONT_FILES[:2])), rng.randint(26, 40))
    box = draw.textbbox((x, y), text, font=font)
    draw.rectangle((box[0] - 8, box[1] - 6, box[2] + 8, box[3] + 6), fill=(250, 250, 240))
    draw.text((x, y), text, font=font, fill=(200, 0, 0))
    img[:] = np.asarray(pil).astype(np.float32)


def power(rng: random.Random, w: int, h: int) -> np.ndarray:
    img = _backdrop(rng, w, h)
    poles = [rng.randint(w // 6, w // 3), rng.randint(2 * w // 3, 5 * w // 6)]
    top = int(h * rng.uniform(0.05, 0.2))
    for x in poles[: rng.choice([1, 2])]:
        _pole(rng, img, x, top)
        cv2.rectangle(img, (x - 80, top + 20), (x + 80, top + 30), (90, 90, 90), -1)  # crossarm
        for dx in (-70, -25, 25, 70):
            cv2.circle(img, (x + dx, top + 14), 6, (230, 230, 230), -1)  # insulators
    for k in range(rng.randint(3, 6)):  # few, taut, parallel conductors high up
        y = top + 14 + k * rng.randint(8, 20)
        tilt = rng.randint(-30, 30)
        pts = _catenary(0, y, w, y + tilt, rng.uniform(2, 25))
        cv2.polylines(img, [pts], False, (35, 35, 35), rng.randint(2, 3))
    if rng.random() < 0.4:  # a transformer
        x = poles[0]
        cv2.rectangle(img, (x - 40, top + 80), (x + 40, top + 170), (120, 125, 120), -1)
    if rng.random() < 0.25:
        _label(rng, img, "NGUY HIỂM CHẾT NGƯỜI", poles[0] - 100, top + 200)
    return img


def other(rng: random.Random, w: int, h: int) -> np.ndarray:
    img = _backdrop(rng, w, h)
    kind = rng.choice(["pothole", "rubbish", "tree", "lamp", "flood"])
    horizon_y = int(h * 0.65)
    if kind == "pothole":
        for _ in range(rng.randint(1, 4)):
            centre = (rng.randrange(w), rng.randint(horizon_y, h))
            axes = (rng.randint(40, 160), rng.randint(15, 60))
            cv2.ellipse(img, centre, axes, 0, 0, 360, (40, 35, 30), -1)
    elif kind == "rubbish":
        for _ in range(rng.randint(20, 60)):
            colour = [rng.randint(0, 255) for _ in range(3)]
            cv2.circle(img, (rng.randrange(w), rng.randint(horizon_y - 40, h)),
                       rng.randint(8, 40), colour, -1)  # fmt: skip
    elif kind == "tree":
        x = rng.randint(w // 4, 3 * w // 4)
        cv2.rectangle(img, (x - 15, h // 3), (x + 15, h), (50, 70, 90), -1)
        for _ in range(30):
            cv2.circle(img, (x + rng.randint(-200, 200), h // 3 + rng.randint(-150, 60)),
                       rng.randint(30, 80), (40, rng.randint(110, 170), 50), -1)  # fmt: skip
    elif kind == "lamp":
        x = rng.randint(w // 4, 3 * w // 4)
        cv2.rectangle(img, (x - 6, h // 5), (x + 6, h), (90, 90, 90), -1)
        cv2.line(img, (x, h // 5), (x + 90, h // 5 - 20), (90, 90, 90), 8)
        cv2.ellipse(img, (x + 95, h // 5 - 15), (30, 12), 0, 0, 360, (240, 240, 200), -1)
    else:
        cv2.rectangle(img, (0, horizon_y), (w, h), (90, 110, 130), -1)
        for _ in range(40):
            y = rng.randint(horizon_y, h)
            cv2.line(img, (rng.randrange(w), y), (rng.randrange(w), y), (140, 160, 170), 1)
    return img


def render(rng: random.Random, scene: str, name: str) -> Scene:
    w = rng.choice([1024, 1280, 1600])
    h = int(w * rng.uniform(0.6, 1.33))
    operator = None
    if scene == "telecom_cable":
        img, operator = telecom(rng, w, h)
    elif scene == "power_line":
        img = power(rng, w, h)
    else:
        img = other(rng, w, h)
    photo = _camera(rng, np.clip(img, 0, 255).astype(np.uint8))
    buf = io.BytesIO()
    Image.fromarray(photo).save(buf, "JPEG", quality=rng.randint(45, 90))
    return Scene(name, buf.getvalue(), scene, operator)
