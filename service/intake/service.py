"""Store what a channel received, then turn it into a report or keep the reason it failed."""

import hashlib
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from service.contracts import PROCESS_REPORT_TASK
from service.errors import InvalidPhoto, NotFound
from service.inputs import without_nul
from service.intake.fetch import FetchPolicy, FetchRefused, check_url
from service.intake.models import RawInput, UsedToken
from service.outbox import service as outbox
from service.reports import service as report_service
from service.reports.blobs import BlobStore
from service.reports.photos import PhotoRejected, inspect_photo
from service.reports.service import Accepted, IncomingReport, PhotoLimits

logger = logging.getLogger(__name__)

FETCH_PHOTOS_TASK = "intake.fetch_photos"
INLINE_MAX = 64 * 1024
REFUSED_PREFIX = 4096  # what is kept of a refused body (with its size and sha256)


class Unparseable(Exception):
    """The input cannot be read as a report; the message is shown to admins. `errors`
    point at the bad fields (JSON pointers), when the input is structured."""

    def __init__(self, message: str, *, errors: Sequence[dict[str, str]] = ()) -> None:
        super().__init__(message)
        self.errors = tuple(errors)


class NotAReport(Exception):
    """The input is deliberately not a report (a bounce, an auto-reply, a read receipt)."""


@dataclass(frozen=True, slots=True)
class FollowUp:
    """A task the adapter wants run for a new report (never for a re-send), e.g. an
    acknowledgement; queued in the same transaction, with `report_id` added to kwargs."""

    task_name: str
    kwargs: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ParsedReport:
    incoming: IncomingReport
    photo_urls: tuple[str, ...] = field(default_factory=tuple)
    follow_ups: tuple[FollowUp, ...] = field(default_factory=tuple)
    # Channels with nobody to answer (e-mail) keep the report and drop a photo that fails
    # the checks, with a note; request/response channels refuse the whole input instead.
    drop_bad_photos: bool = False


@dataclass(frozen=True, slots=True)
class Outcome:
    raw_id: int
    status: str  # accepted | duplicate | ignored | failed
    accepted: Accepted | None = None
    reason: str | None = None
    external_id: str | None = None
    thread_id: str | None = None
    errors: tuple[dict[str, str], ...] = ()
    # A refused photo: its index in the input and PhotoRejected's kind (for a translation).
    photo_index: int | None = None
    photo_kind: str | None = None
    # Photo URLs that will not be fetched (not on the allow-list, not http(s)): the answer
    # says so at once, and the input keeps the reason (`triage intake failures`).
    refused_photo_urls: tuple["RefusedPhotoUrl", ...] = ()


@dataclass(frozen=True, slots=True)
class RefusedPhotoUrl:
    url: str
    reason: str


class RawInputNotFound(NotFound):
    slug = "raw-input-not-found"
    title = "Raw input not found"


class Intake:
    """The narrow door every channel adapter uses: `receive` stores the bytes verbatim
    (committed on their own), then parses them with the adapter's parser and accepts the
    report in a second transaction. A parser error never loses the input."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        blobs: BlobStore,
        limits: PhotoLimits,
        fetch_policy: FetchPolicy,
    ) -> None:
        self._factory = factory
        self._blobs = blobs
        self._limits = limits
        self._fetch_policy = fetch_policy

    def receive(
        self,
        *,
        channel: str,
        body: bytes,
        content_type: str,
        parse: Callable[[bytes], ParsedReport],
        meta: dict[str, Any] | None = None,
    ) -> Outcome:
        raw_id = self.record(channel=channel, body=body, content_type=content_type, meta=meta)
        return self.process(raw_id, body=body, parse=parse)

    @contextmanager
    def exclusive(self, name: str) -> Iterator[bool]:
        """A cluster-wide lock for the duration (PostgreSQL advisory lock): True if this
        process holds it, False if another does (then skip the work)."""
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        with self._factory() as session:
            got = bool(session.scalar(select(func.pg_try_advisory_lock(key))))
            try:
                yield got
            finally:
                if got:
                    session.scalar(select(func.pg_advisory_unlock(key)))
                session.commit()

    def count_recent(
        self,
        channel: str,
        meta_key: str,
        value: str,
        *,
        seconds: int,
        statuses: Sequence[str] | None = None,
    ) -> int:
        """How many inputs this channel received lately with meta[meta_key] == value, in
        the given statuses if any (per-client rate limits that hold across processes)."""
        since = datetime.now(UTC) - timedelta(seconds=seconds)
        stmt = (
            select(func.count())
            .select_from(RawInput)
            .where(
                RawInput.channel == channel,
                RawInput.received_at >= since,
                RawInput.meta[meta_key].astext == value,
            )
        )
        if statuses is not None:
            stmt = stmt.where(RawInput.status.in_(statuses))
        with self._factory() as session:
            return int(session.scalar(stmt) or 0)

    def record(
        self, *, channel: str, body: bytes, content_type: str, meta: dict[str, Any] | None = None
    ) -> int:
        inline = len(body) <= INLINE_MAX
        with self._factory.begin() as session:
            raw = RawInput(
                channel=channel,
                content_type=content_type[:200],
                body=body if inline else None,
                body_sha256=hashlib.sha256(body).hexdigest() if inline else self._blobs.put(body),
                body_size=len(body),
                meta=without_nul(meta or {}),
                status="received",
            )
            session.add(raw)
            session.flush()
            return raw.id

    def record_refused(
        self,
        *,
        channel: str,
        body: bytes,
        content_type: str,
        reason: str,
        meta: dict[str, Any] | None = None,
    ) -> int:
        """Keep what a channel refused before reading it (a forged or replayed form): its
        first REFUSED_PREFIX bytes, its size and its sha256, never the whole body; the
        input is `failed` with the reason (admins see it, rate limits count it)."""
        with self._factory.begin() as session:
            raw = RawInput(
                channel=channel,
                content_type=content_type[:200],
                body=body[:REFUSED_PREFIX],
                body_sha256=hashlib.sha256(body).hexdigest(),
                body_size=len(body),
                meta=without_nul({**(meta or {}), "kept_bytes": min(len(body), REFUSED_PREFIX)}),
                status="failed",
                reason=reason,
                processed_at=datetime.now(UTC),
            )
            session.add(raw)
            session.flush()
            return raw.id

    def claim_token(self, channel: str, token_id: str, *, expires_at: datetime) -> bool:
        """Spend a single-use token: True the first time, False ever after (in every API
        process) until it expires anyway. Expired ones are forgotten on the way."""
        with self._factory.begin() as session:
            session.execute(
                delete(UsedToken).where(
                    UsedToken.channel == channel, UsedToken.expires_at < datetime.now(UTC)
                )
            )
            spent = session.execute(
                insert(UsedToken)
                .values(channel=channel, token_id=token_id[:64], expires_at=expires_at)
                .on_conflict_do_nothing()
                .returning(UsedToken.token_id)
            ).first()
        return spent is not None

    def process(
        self, raw_id: int, *, body: bytes, parse: Callable[[bytes], ParsedReport]
    ) -> Outcome:
        try:
            parsed = parse(body)
        except NotAReport as exc:
            return self._close(raw_id, "ignored", str(exc))
        except Unparseable as exc:
            outcome = self._close(raw_id, "failed", str(exc))
            return replace(outcome, errors=exc.errors)
        except Exception as exc:  # a parser bug must not lose the input either
            logger.exception("parser crashed", extra={"raw_id": raw_id})
            return self._close(raw_id, "failed", f"parser error: {type(exc).__name__}: {exc}")
        parsed, refused = self._split_photo_urls(parsed)
        try:
            accepted = self._accept(raw_id, parsed, notes=[_refusal_note(r) for r in refused])
        except InvalidPhoto as exc:
            outcome = self._close(raw_id, "failed", exc.detail)
            return replace(outcome, photo_index=exc.index, photo_kind=exc.kind)
        except (OperationalError, InterfaceError):
            raise  # the database is away: the input stays `received` (intake retry --stuck)
        except Exception as exc:  # a value the database refused, or a bug: keep it visible
            logger.exception("accepting a parsed input failed", extra={"raw_id": raw_id})
            return self._close(raw_id, "failed", f"not stored: {type(exc).__name__}: {exc}"[:2000])
        status = "duplicate" if accepted.is_duplicate else "accepted"
        return Outcome(
            raw_id,
            status,
            accepted,
            external_id=parsed.incoming.external_id,
            thread_id=parsed.incoming.thread_id,
            refused_photo_urls=() if accepted.is_duplicate else refused,
        )

    def _split_photo_urls(
        self, parsed: ParsedReport
    ) -> tuple[ParsedReport, tuple[RefusedPhotoUrl, ...]]:
        """Photo URLs the worker would refuse to fetch are refused now, not dropped later."""
        kept: list[str] = []
        refused: list[RefusedPhotoUrl] = []
        for url in parsed.photo_urls:
            try:
                check_url(url, self._fetch_policy)
            except FetchRefused as exc:
                refused.append(RefusedPhotoUrl(url=url, reason=str(exc)))
                continue
            kept.append(url)
        return replace(parsed, photo_urls=tuple(kept)), tuple(refused)

    def retry(self, raw_id: int, *, parse: Callable[[bytes], ParsedReport]) -> Outcome:
        """Parse a stored input again (after a parser fix, or one left `received` by a crash).
        An input that already became a report only finds it again (no second report)."""
        with self._factory() as session:
            raw = get_raw(session, raw_id=raw_id)
            body = raw_bytes(raw, self._blobs)
            if raw.report_id is not None:
                return Outcome(raw_id, "duplicate", reason=f"already report {raw.report_id}")
        return self.process(raw_id, body=body, parse=parse)

    def _accept(self, raw_id: int, parsed: ParsedReport, *, notes: list[str]) -> Accepted:
        if parsed.drop_bad_photos:
            parsed, dropped = self._without_bad_photos(parsed)
            notes = [*notes, *dropped]
        with self._factory.begin() as session:
            if parsed.photo_urls:
                # Photos come later: fetch them first, then process (EXIF may locate it).
                accepted = report_service.accept_report(
                    session, incoming=parsed.incoming, blobs=self._blobs, limits=self._limits
                )
                if not accepted.is_duplicate:
                    outbox.add_message(
                        session,
                        task_name=FETCH_PHOTOS_TASK,
                        kwargs={"report_id": accepted.report_id, "urls": list(parsed.photo_urls)},
                    )
            else:
                accepted = report_service.accept_report(
                    session,
                    incoming=parsed.incoming,
                    blobs=self._blobs,
                    limits=self._limits,
                    then_queue=PROCESS_REPORT_TASK,
                )
            if not accepted.is_duplicate:
                for follow_up in parsed.follow_ups:
                    outbox.add_message(
                        session,
                        task_name=follow_up.task_name,
                        kwargs={**follow_up.kwargs, "report_id": accepted.report_id},
                    )
            _set_status(
                session,
                raw_id,
                "duplicate" if accepted.is_duplicate else "accepted",
                report_id=accepted.report_id,
                reason="\n".join(notes) or None,
            )
        return accepted

    def _without_bad_photos(self, parsed: ParsedReport) -> tuple[ParsedReport, list[str]]:
        kept, notes = [], []
        for i, photo in enumerate(parsed.incoming.photos):
            try:
                inspect_photo(
                    photo.data, max_bytes=self._limits.max_bytes, max_pixels=self._limits.max_pixels
                )
            except PhotoRejected as exc:
                notes.append(f"photo {i + 1} ({photo.filename or 'unnamed'}) dropped: {exc}")
                continue
            kept.append(photo)
        incoming = replace(parsed.incoming, photos=tuple(kept))
        return replace(parsed, incoming=incoming), notes

    def _close(self, raw_id: int, status: str, reason: str) -> Outcome:
        with self._factory.begin() as session:
            _set_status(session, raw_id, status, reason=reason)
        log = logger.warning if status == "failed" else logger.info
        log("raw input not turned into a report", extra={"raw_id": raw_id, "why": reason})
        return Outcome(raw_id, status, reason=reason)


def _refusal_note(refused: RefusedPhotoUrl) -> str:
    return f"photo {refused.url} not fetched: {refused.reason}"


def _set_status(
    session: Session,
    raw_id: int,
    status: str,
    *,
    reason: str | None = None,
    report_id: int | None = None,
) -> None:
    session.execute(
        update(RawInput)
        .where(RawInput.id == raw_id)
        .values(
            status=status,
            reason=without_nul(reason),
            report_id=report_id,
            processed_at=datetime.now(UTC),
        )
    )


def add_note(session: Session, *, report_id: int, note: str) -> None:
    """Append a note (e.g. a photo that could not be fetched) to the report's raw input."""
    raw = session.scalar(select(RawInput).where(RawInput.report_id == report_id).limit(1))
    if raw is not None:
        raw.reason = f"{raw.reason}\n{note}" if raw.reason else note


def list_raw(
    session: Session,
    *,
    statuses: Sequence[str],
    channel: str | None = None,
    limit: int = 50,
    with_notes: bool = False,
) -> list[RawInput]:
    """Inputs in these statuses; `with_notes` adds those accepted with a part left out (a
    photo not fetched or dropped), newest first."""
    wanted: ColumnElement[bool] = RawInput.status.in_(statuses)
    if with_notes:
        wanted = or_(wanted, and_(RawInput.status == "accepted", RawInput.reason.is_not(None)))
    stmt = select(RawInput).where(wanted)
    if channel:
        stmt = stmt.where(RawInput.channel == channel)
    return list(session.scalars(stmt.order_by(RawInput.id.desc()).limit(limit)))


def get_raw(session: Session, *, raw_id: int) -> RawInput:
    raw = session.get(RawInput, raw_id)
    if raw is None:
        raise RawInputNotFound(f"Raw input {raw_id} does not exist.")
    return raw


def raw_bytes(raw: RawInput, blobs: BlobStore) -> bytes:
    return raw.body if raw.body is not None else blobs.read(raw.body_sha256)
