"""A photo with what was read off it drawn on: every OCR box numbered, the boxes a phone
number came from in red, and beside the photo the list of lines read with their scores and
the numbers found. For inspectors who would rather look than read."""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from classifiers.ocr import PhotoReading
from classifiers.phones import PhoneNumber

_FONT = Path(__file__).parent / "corpus" / "fonts" / "DejaVuSans-Bold.ttf"
_RED, _GREEN = (210, 20, 20), (20, 150, 60)


def annotate(image: Image.Image, reading: PhotoReading, numbers: list[PhoneNumber]) -> Image.Image:
    photo = image.convert("RGB")
    size = max(14, photo.height // 45)
    font = ImageFont.truetype(str(_FONT), size)
    marked: dict[int, list[str]] = {}
    for number in numbers:
        boxes = number.source.split("box:", 1)[1] if "box:" in number.source else ""
        for index in boxes.split("+"):
            if index.isdigit():
                marked.setdefault(int(index) - 1, []).append(number.e164)
    panel_width = max(photo.width * 3 // 4, size * 24)
    out = Image.new("RGB", (photo.width + panel_width, photo.height), (255, 255, 255))
    out.paste(photo, (0, 0))
    draw = ImageDraw.Draw(out)
    width = max(2, photo.height // 400)
    for i, line in enumerate(reading.lines):
        colour = _RED if i in marked else _GREEN
        draw.polygon([(x, y) for x, y in line.box], outline=colour, width=width)
        # The line's number just left of its box, level with its middle.
        x = min(p[0] for p in line.box) - width
        y = sum(p[1] for p in line.box) / len(line.box)
        tag = str(i + 1)
        box = draw.textbbox((x, y), tag, font=font, anchor="rm")
        draw.rectangle(box, fill=colour)
        draw.text((x, y), tag, font=font, fill=(255, 255, 255), anchor="rm")
    y = size
    left = photo.width + size
    for i, line in enumerate(reading.lines):
        colour = _RED if i in marked else _GREEN
        draw.text((left, y), f"{i + 1}. {line.text}  ({line.score:.2f})", font=font, fill=colour)
        y += int(size * 1.4)
        for e164 in marked.get(i, []):
            draw.text((left + size * 2, y), f"→ {e164}", font=font, fill=_RED)
            y += int(size * 1.4)
    if not reading.lines:
        draw.text((left, y), "no text read", font=font, fill=(90, 90, 90))
    return out
