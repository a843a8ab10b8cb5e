"""Reading a report's photos before it is processed: OCR lines (with boxes and scores) and the
photo model's features, stored once per photo content.

Reading takes about a third of a second per photo, so it runs outside the processing
transaction, each photo in its own short one; a retried task finds what was already read.
"""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, sessionmaker

from classifiers.ocr import OcrLine, PhotoReader, PhotoReading, open_image
from service.operators.directory import OperatorDirectory, load_directory
from service.reports.blobs import BlobStore
from service.reports.models import Photo, PhotoAnalysis

logger = logging.getLogger(__name__)

ReaderFactory = Callable[[], PhotoReader]


@dataclass(frozen=True, slots=True)
class StoredAnalysis:
    position: int  # the photo's place in its report, from 1
    sha256: str
    reading: PhotoReading
    features: dict[str, float]


def analyse_report_photos(
    factory: sessionmaker[Session],
    *,
    report_id: int,
    blobs: BlobStore,
    reader: ReaderFactory,
    operators: OperatorDirectory | None = None,
) -> int:
    """Read every photo of the report not read before; how many were read now. The phone
    numbers and operator labels among the features follow `operators` (by default the
    directory of data/operators.yaml)."""
    directory = operators if operators is not None else load_directory()
    with factory() as session:
        shas = list(
            session.scalars(
                select(Photo.sha256).where(Photo.report_id == report_id).order_by(Photo.position)
            )
        )
        done = set(
            session.scalars(select(PhotoAnalysis.sha256).where(PhotoAnalysis.sha256.in_(shas)))
        )
    read = 0
    todo = list(dict.fromkeys(s for s in shas if s not in done))
    if todo:
        from classifiers.photo import measure  # OpenCV: loaded by workers that read photos
    for sha in todo:
        try:
            image = open_image(blobs.path_for(sha).read_bytes())
        except OSError as exc:  # the file is gone or unreadable: evidence lost, not fatal
            logger.warning("photo not readable", extra={"sha256": sha, "error": str(exc)})
            continue
        try:
            reading = reader().read(image)
            features = measure(
                image, reading, plan=directory.number_plan, patterns=directory.label_patterns
            )
        except Exception:  # a photo that cannot be read must not hold its report up
            logger.exception(
                "photo reading failed; the report goes on without it", extra={"sha256": sha}
            )
            continue
        with factory.begin() as session:
            session.execute(
                insert(PhotoAnalysis)
                .values(
                    sha256=sha,
                    engine=reading.engine,
                    lines=[line.as_dict() for line in reading.lines],
                    features=features,
                    seconds=round(reading.seconds, 4),
                )
                .on_conflict_do_nothing()
            )
        read += 1
    return read


def analyses_of(session: Session, photos: Sequence[Photo]) -> list[StoredAnalysis]:
    """The stored analyses of these photos, in their order (photos not read are left out)."""
    by_sha = {
        a.sha256: a
        for a in session.scalars(
            select(PhotoAnalysis).where(PhotoAnalysis.sha256.in_([p.sha256 for p in photos]))
        )
    }
    out = []
    for photo in photos:
        stored = by_sha.get(photo.sha256)
        if stored is None:
            continue
        reading = PhotoReading(
            tuple(OcrLine.from_dict(d) for d in stored.lines),
            photo.width,
            photo.height,
            stored.seconds,
            stored.engine,
        )
        out.append(StoredAnalysis(photo.position + 1, photo.sha256, reading, dict(stored.features)))
    return out
