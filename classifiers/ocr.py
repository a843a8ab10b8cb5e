"""Text on photos: RapidOCR on ONNX Runtime with only the models inside the `rapidocr` wheel
(PP-OCRv6 small detection and recognition). Every model path is given explicitly, so the
library never looks for, or downloads, anything else. The angle classifier is off, detection
works on at most 960 px, photos are first reduced to 1280 px on their longer side.

The engine is built once per process (`shared_reader`), on first use.
"""

import io
import threading
import time
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps

PHOTO_MAX_SIDE = 1280
DETECTION_MAX_SIDE = 960
_DET_MODEL = "PP-OCRv6_det_small.onnx"
_REC_MODEL = "PP-OCRv6_rec_small.onnx"


class OcrUnavailable(RuntimeError):
    """The OCR engine or its bundled models are missing from this installation."""


@dataclass(frozen=True, slots=True)
class OcrLine:
    text: str
    score: float
    # Four corners (x, y) in the coordinates of the photo as stored (before downscaling).
    box: tuple[tuple[float, float], ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "score": round(self.score, 4),
            "box": [list(p) for p in self.box],
        }

    @staticmethod
    def from_dict(d: dict[str, Any]) -> "OcrLine":
        return OcrLine(
            str(d["text"]), float(d["score"]), tuple((float(x), float(y)) for x, y in d["box"])
        )


@dataclass(frozen=True, slots=True)
class PhotoReading:
    lines: tuple[OcrLine, ...]
    width: int
    height: int
    seconds: float
    engine: str

    @property
    def text(self) -> str:
        """The lines in reading order, one per line."""
        return "\n".join(line.text for line in self.lines)


def open_image(data: bytes) -> Image.Image:
    """The photo upright (EXIF orientation applied), in RGB."""
    opened = Image.open(io.BytesIO(data))
    upright = ImageOps.exif_transpose(opened) or opened
    return upright.convert("RGB")


def reduce(image: Image.Image, max_side: int = PHOTO_MAX_SIDE) -> tuple[Image.Image, float]:
    """The image with its longer side at most `max_side`, and the scale applied."""
    longer = max(image.size)
    if longer <= max_side:
        return image, 1.0
    scale = max_side / longer
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS), scale


def bundled_models() -> dict[str, Path]:
    """The detection and recognition models shipped inside the rapidocr wheel."""
    try:
        import rapidocr
    except ImportError as exc:  # pragma: no cover - a broken installation
        raise OcrUnavailable("rapidocr is not installed (pip install -e .)") from exc
    folder = Path(rapidocr.__file__).parent / "models"
    models = {"det": folder / _DET_MODEL, "rec": folder / _REC_MODEL}
    missing = [str(p) for p in models.values() if not p.is_file()]
    if missing:
        raise OcrUnavailable(f"rapidocr's bundled models are missing: {', '.join(missing)}")
    return models


class PhotoReader:
    """One OCR engine; `read` is safe to call from several threads (one at a time)."""

    def __init__(self, *, threads: int = 0) -> None:
        from rapidocr import RapidOCR

        models = bundled_models()
        params: dict[str, Any] = {
            "Global.use_cls": False,
            "Global.log_level": "error",  # "no text found" is an answer, not a warning
            "Global.max_side_len": PHOTO_MAX_SIDE,
            "Det.model_path": str(models["det"]),
            "Det.limit_side_len": DETECTION_MAX_SIDE,
            "Det.limit_type": "max",
            "Rec.model_path": str(models["rec"]),
        }
        if threads > 0:
            params["EngineConfig.onnxruntime.intra_op_num_threads"] = threads
        self._engine = RapidOCR(params=params)
        self._lock = threading.Lock()
        self.engine = f"rapidocr-{metadata.version('rapidocr')}/PP-OCRv6-small"

    def read_bytes(self, data: bytes) -> PhotoReading:
        return self.read(open_image(data))

    def read(self, image: Image.Image) -> PhotoReading:
        start = time.perf_counter()
        small, scale = reduce(image.convert("RGB"))
        bgr = np.ascontiguousarray(np.asarray(small)[:, :, ::-1])
        with self._lock:
            result: Any = self._engine(bgr)  # RapidOCROutput: boxes, txts, scores
        lines = []
        if result.boxes is not None and result.txts is not None:
            for box, text, score in zip(result.boxes, result.txts, result.scores, strict=True):
                corners = tuple((float(x) / scale, float(y) / scale) for x, y in box)
                lines.append(OcrLine(str(text), float(score), corners))
        return PhotoReading(
            reading_order(lines),
            image.width,
            image.height,
            time.perf_counter() - start,
            self.engine,
        )


def reading_order(lines: list[OcrLine]) -> tuple[OcrLine, ...]:
    """Top to bottom; boxes side by side (their middles within 0.4 of a line of each other)
    read left to right."""
    rows: list[list[OcrLine]] = []
    for line in sorted(lines, key=_middle):
        if rows and abs(_middle(line) - _middle(rows[-1][-1])) < 0.4 * min(
            _height(line), _height(rows[-1][-1])
        ):
            rows[-1].append(line)
        else:
            rows.append([line])
    return tuple(line for row in rows for line in sorted(row, key=lambda ln: ln.box[0][0]))


def _middle(line: OcrLine) -> float:
    top, bottom = _span(line)
    return (top + bottom) / 2


def _height(line: OcrLine) -> float:
    top, bottom = _span(line)
    return max(bottom - top, 1.0)


def _span(line: OcrLine) -> tuple[float, float]:
    ys = [y for _, y in line.box]
    return min(ys), max(ys)


@cache
def shared_reader(threads: int = 0) -> PhotoReader:
    """The process's engine: built on first use, then kept (once per Celery worker)."""
    return PhotoReader(threads=threads)
