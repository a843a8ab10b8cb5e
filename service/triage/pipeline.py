"""The processing pipeline of one report:

    read_photos → locate → place_from_text → geotag → gather_photos → classify
    → open_or_attach_case → read_evidence → route

`read_photos` (OCR and photo features, a third of a second a photo) runs first, outside the
processing transaction, each photo in its own short one. Every other step is a plain
function (session, context, policy) that reads and writes the typed context; `process_report`
runs them in order inside the caller's transaction, once per report.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session, sessionmaker

from classifiers.handle import Classifier
from classifiers.phones import extract_phones
from classifiers.photo_text import operator_of, phones_on_photo
from service.areas import service as area_service
from service.areas.service import WardMatch
from service.cases import nearby
from service.cases import service as case_service
from service.cases.service import DuePolicy
from service.geo import point
from service.operators.directory import OperatorDirectory
from service.outbox import service as outbox_service
from service.reports import service as report_service
from service.reports import threads
from service.reports.blobs import BlobStore
from service.reports.models import Report
from service.reports.service import Accepted, IncomingReport, PhotoLimits
from service.routing import service as routing_service
from service.routing.service import NewCase, RoutingPolicy
from service.triage.photos import ReaderFactory, StoredAnalysis, analyse_report_photos, analyses_of
from service.units import service as unit_service

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ProcessingPolicy:
    tolerance_m: float
    due: DuePolicy
    operators: OperatorDirectory  # number plan and label patterns for the evidence
    classifier: Classifier | None = None  # loaded on first use, once per worker process
    min_confidence: float = 0.8
    # A report this close to an open case of the same category joins it (0: never).
    join_radius_m: float = 30.0


@dataclass(slots=True)
class ReportContext:
    report: Report
    lat: float | None = None
    lon: float | None = None
    location_source: str | None = None
    ward: WardMatch | None = None
    place_named: str | None = None  # the ward or commune name the text gave, when it located
    case_id: int | None = None
    opened: bool = False  # this report opened its case (so the case is classified now)
    joined_nearby: bool = False  # it joined an open case of its category close by
    verdict: "Verdict | None" = None  # what the model made of the report and its photos
    photos: list[StoredAnalysis] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)  # E.164, read off the report and photos


@dataclass(frozen=True, slots=True)
class ProcessOutcome:
    report_id: int
    case_id: int | None
    already_processed: bool


Step = Callable[[Session, ReportContext, ProcessingPolicy], None]


@dataclass(frozen=True, slots=True)
class Verdict:
    category: str
    subtype: str | None
    priority: str
    confidence: float
    model_version: str
    manual_reason: str | None  # low_confidence, photo_disputes, no_model; None: trusted
    evidence: dict[str, Any]


@dataclass(frozen=True, slots=True)
class PhotoReading:
    blobs: BlobStore
    reader: ReaderFactory  # builds the OCR engine once per worker process


def read_photos(
    factory: sessionmaker[Session],
    *,
    report_id: int,
    reading: PhotoReading | None,
    policy: ProcessingPolicy,
) -> int:
    """The first step, before the processing transaction: read every photo of the report not
    read before (see triage.photos). Without a reader (`reading` None) photos are not read."""
    if reading is None:
        return 0
    return analyse_report_photos(
        factory,
        report_id=report_id,
        blobs=reading.blobs,
        reader=reading.reader,
        operators=policy.operators,
    )


def locate(session: Session, ctx: ReportContext, policy: ProcessingPolicy) -> None:
    """Coordinates sent with the report win; else the first photo with EXIF GPS."""
    sent = report_service.lat_lon(ctx.report.location)
    if sent is not None:
        ctx.lat, ctx.lon = sent
        ctx.location_source = ctx.report.location_source
        return
    for photo in ctx.report.photos:
        found = report_service.lat_lon(photo.exif_location)
        if found is not None:
            ctx.lat, ctx.lon = found
            ctx.location_source = "photo_exif"
            ctx.report.location = photo.exif_location
            ctx.report.location_source = "photo_exif"
            return


def place_from_text(session: Session, ctx: ReportContext, policy: ProcessingPolicy) -> None:
    """No coordinates: a ward or commune named in the text or address (current or former
    name) locates the report at that ward, flagged `named`, as precise as the ward is big.
    The address itself stays on the report for the inspector."""
    if ctx.lat is not None:
        return
    text = " \n ".join(t for t in (ctx.report.address_text, ctx.report.text) if t)
    named = area_service.ward_named_in(session, text=text)
    if named is None:
        return
    ctx.lat, ctx.lon, ctx.ward = named.lat, named.lon, named.ward
    ctx.location_source = "address"
    ctx.place_named = named.said
    ctx.report.location = point(lat=named.lat, lon=named.lon)
    ctx.report.location_source = "address"
    ctx.report.location_accuracy_m = named.radius_m


def geotag(session: Session, ctx: ReportContext, policy: ProcessingPolicy) -> None:
    if ctx.lat is None or ctx.lon is None or ctx.ward is not None:
        return
    ctx.ward = area_service.locate_ward(
        session, lat=ctx.lat, lon=ctx.lon, tolerance_m=policy.tolerance_m
    )


def gather_photos(session: Session, ctx: ReportContext, policy: ProcessingPolicy) -> None:
    """What was read off the report's photos before processing (see triage.photos)."""
    ctx.photos = analyses_of(session, ctx.report.photos)


def classify(session: Session, ctx: ReportContext, policy: ProcessingPolicy) -> None:
    """The category, subtype and priority of the text and its photos together. Below the
    confidence threshold, when the photos clearly show another category (power lines on a
    "dây điện" report), or with no model, a person decides (the manual triage queue). The
    evidence (text, photo and joint probabilities) goes with it."""
    if policy.classifier is None:
        ctx.verdict = Verdict("unclassified", None, "normal", 0.0, "none", "no_model", {})
        return
    decision = policy.classifier.decide_with_photos(
        ctx.report.text, [a.features for a in ctx.photos], [a.reading.text for a in ctx.photos]
    )
    low = decision.confidence < policy.min_confidence
    reason = "low_confidence" if low else "photo_disputes" if decision.disputed else None
    ctx.verdict = Verdict(
        decision.category,
        decision.subtype,
        decision.priority,
        decision.confidence,
        str(policy.classifier.meta.get("version", "unknown")),
        reason,
        {**decision.evidence(), "manual_reason": reason},
    )


def open_or_attach_case(session: Session, ctx: ReportContext, policy: ProcessingPolicy) -> None:
    """A report that follows up a known tracking code, or in an existing channel thread,
    joins that case; a report the model is sure of, within `join_radius_m` of an open case
    of the same category, joins that one; else a new case, classified now. The thread (and
    the neighbourhood) is locked first, so reports processed at the same time still make
    one case."""
    report = ctx.report
    threads.lock_thread(session, report=report)
    existing = threads.find_thread_case_id(session, report=report)
    if existing is None:
        existing = _open_case_close_by(session, ctx, policy)
        ctx.joined_nearby = existing is not None
    if existing is not None:
        ctx.case_id = case_service.attach_report(session, case_id=existing, report=report).id
        return
    owner = unit_service.find_intake_owner(session)
    has_point = ctx.lat is not None and ctx.lon is not None
    case = case_service.open_case(
        session,
        report=report,
        location=point(lat=ctx.lat, lon=ctx.lon) if has_point else None,  # type: ignore[arg-type]
        ward=ctx.ward,
        owning_unit_id=owner.id if owner else None,
        due=policy.due,
    )
    ctx.case_id = case.id
    ctx.opened = True
    _apply_verdict(session, case.id, ctx.verdict)


def _open_case_close_by(
    session: Session, ctx: ReportContext, policy: ProcessingPolicy
) -> int | None:
    verdict = ctx.verdict
    if (
        verdict is None
        or verdict.manual_reason is not None
        or ctx.lat is None
        or ctx.lon is None
        or ctx.ward is None
        or ctx.ward.match not in nearby.JOINABLE_MATCHES
        or policy.join_radius_m <= 0
    ):
        return None
    nearby.lock_neighbourhood(session, category=verdict.category, lat=ctx.lat, lon=ctx.lon)
    return nearby.open_case_near(
        session, category=verdict.category, lat=ctx.lat, lon=ctx.lon, radius_m=policy.join_radius_m
    )


def _apply_verdict(session: Session, case_id: int, verdict: Verdict | None) -> None:
    case = case_service.get_case(session, case_id=case_id, for_update=True)
    if verdict is None or verdict.manual_reason == "no_model":
        case.manual_triage = True
        return
    case_service.apply_classification(
        session,
        case=case,
        category=verdict.category,
        subtype=verdict.subtype,
        priority=verdict.priority,
        confidence=verdict.confidence,
        model_version=verdict.model_version,
        manual=verdict.manual_reason is not None,
        evidence=verdict.evidence,
    )


def read_evidence(session: Session, ctx: ReportContext, policy: ProcessingPolicy) -> None:
    """An ad case keeps the phone numbers its report and photos carry (with where they were
    found: text span, photo and OCR box); a cable case the operator its report names, else
    the one on a cable label in a photo. The reporter's own contact is never read: it is in
    separate fields."""
    if ctx.case_id is None:
        return
    case = case_service.get_case(session, case_id=ctx.case_id, for_update=True)
    report = ctx.report
    plan, patterns = policy.operators.number_plan, policy.operators.label_patterns
    if case.category == "ad":
        phones = extract_phones(report.text, plan=plan, source="text")
        if report.address_text:
            phones += extract_phones(report.address_text, plan=plan, source="address")
        for analysis in ctx.photos:
            phones += phones_on_photo(analysis.reading, photo=analysis.position, plan=plan)
        report_service.record_phones(session, report_id=report.id, phones=phones)
        ctx.phones = sorted({p.e164 for p in phones})
    elif case.category == "cable" and case.operator_slug is None:
        readings = [a.reading for a in ctx.photos]
        case.operator_slug = operator_of(report.text, readings, patterns)


def route(session: Session, ctx: ReportContext, policy: ProcessingPolicy) -> None:
    """A newly classified case goes to the units the routing rules name (a case waiting in
    manual triage waits: an inspector's label routes it); a report joining a case adds trace
    tickets for numbers not traced yet, nothing else."""
    if ctx.case_id is None or not (ctx.opened or ctx.joined_nearby or ctx.phones):
        return
    routing_service.route_case(
        session,
        case_id=ctx.case_id,
        policy=RoutingPolicy(operators=policy.operators, timezone=policy.due.timezone),
        mode="fresh" if ctx.opened else "join",
        new=NewCase(ctx.ward.ward_code if ctx.ward else None, tuple(ctx.phones))
        if ctx.opened
        else None,
    )


def refresh_evidence(session: Session, *, case_id: int, policy: ProcessingPolicy) -> None:
    """Read the evidence of every report of a case again (an inspector labelled it: the
    numbers of what is now an ad, the operator of what is now a cable)."""
    for report in case_service.list_case_reports(session, case_id=case_id):
        ctx = ReportContext(report=report, case_id=case_id)
        gather_photos(session, ctx, policy)
        read_evidence(session, ctx, policy)


STEPS: tuple[Step, ...] = (
    locate,
    place_from_text,
    geotag,
    gather_photos,
    classify,
    open_or_attach_case,
    read_evidence,
    route,
)


def process_report(
    session: Session,
    *,
    report_id: int,
    policy: ProcessingPolicy,
    outbox_id: int | None = None,
    steps: tuple[Step, ...] = STEPS,
) -> ProcessOutcome:
    """Run every step once for a report. Safe to call again: a processed report is skipped."""
    report = report_service.get_report(session, report_id=report_id, for_update=True)
    if report.processed_at is not None:
        outbox_service.complete_message(session, message_id=outbox_id)
        return ProcessOutcome(report.id, report.case_id, already_processed=True)
    ctx = ReportContext(report=report)
    for step in steps:
        step(session, ctx, policy)
    report.processed_at = datetime.now(UTC)
    outbox_service.complete_message(session, message_id=outbox_id)
    session.flush()
    logger.info("report processed", extra={"report_id": report.id, "case_id": ctx.case_id})
    return ProcessOutcome(report.id, ctx.case_id, already_processed=False)


PROCESS_REPORT_TASK = "triage.process_report"


def queue_processing(db: Session | Connection, *, report_id: int) -> None:
    """Queue processing of a report stored earlier (its photos arrived later)."""
    outbox_service.add_message(db, task_name=PROCESS_REPORT_TASK, kwargs={"report_id": report_id})


def accept_report(
    db: Session | Connection, *, incoming: IncomingReport, blobs: BlobStore, limits: PhotoLimits
) -> Accepted:
    """Store a report and queue its processing in the same statement; a re-send queues nothing.

    The outbox relay hands the task to the broker once the caller's transaction commits.
    """
    return report_service.accept_report(
        db, incoming=incoming, blobs=blobs, limits=limits, then_queue=PROCESS_REPORT_TASK
    )
