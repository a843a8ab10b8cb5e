"""A posted report form: the checks before anything is kept (rate, size, origin, a
single-use token), then the intake. Returns what the page should show; routes.py renders."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from integrations.portal import CHANNEL, csrf
from integrations.portal.fields import as_float, as_point
from integrations.portal.i18n import TEXTS, photo_message, pick_language
from integrations.portal.settings import PortalSettings
from service.api.intake_body import read_capped_body
from service.errors import ServiceError
from service.intake.service import Outcome, ParsedReport, Unparseable
from service.reports.service import IncomingPhoto, IncomingReport
from service.wiring import Runtime


@dataclass(frozen=True, slots=True)
class PostResult:
    lang: str
    status: int  # 303 (tracking_code set), 429 (rate), else the form again with errors
    tracking_code: str | None = None
    errors: list[str] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)


async def handle_post(
    request: Request, runtime: Runtime, settings: PortalSettings, secret: bytes
) -> PostResult:
    lang = pick_language(None, request.cookies.get("lang"))
    ip = request.client.host if request.client else "unknown"
    if await run_in_threadpool(_over_limit, runtime, settings, ip):
        return PostResult(lang, 429)
    try:
        body = await read_capped_body(request, max_bytes=runtime.settings.max_body_bytes)
    except ServiceError as exc:  # too large, or the connection closed early
        return PostResult(lang, exc.status, errors=[_unread_message(lang, runtime, exc)])
    form = await _form(request, body)
    lang = pick_language(str(form.get("lang") or ""), request.cookies.get("lang"))
    fields = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    post = _Post(request, body, {"client_ip": ip, "request_id": request.state.request_id})
    refusal = await run_in_threadpool(_refusal, runtime, post, secret, fields)
    if refusal is not None:
        # Forged, cross-site or replayed: keep a prefix and the hash, not the body.
        await run_in_threadpool(post.record_refused, runtime, refusal)
        return PostResult(lang, 403, errors=[TEXTS[lang]["err_csrf"]], fields=fields)
    raw_id = await run_in_threadpool(post.record, runtime)
    photos = [
        IncomingPhoto(data=await f.read(), filename=f.filename)
        for f in form.getlist("photos")
        if isinstance(f, UploadFile) and f.filename
    ]
    parsed, problems = _validate(lang, fields, photos, body, post.content_type)
    outcome = await run_in_threadpool(
        runtime.intake.process, raw_id, body=body, parse=_parser(parsed, problems)
    )
    if outcome.accepted is None:
        messages = problems or [_refused_message(lang, outcome, photos, runtime)]
        if photos:
            messages.append(TEXTS[lang]["err_photos_again"])
        return PostResult(lang, 422, errors=messages, fields=fields)
    return PostResult(lang, 303, tracking_code=outcome.accepted.tracking_code)


def _unread_message(lang: str, runtime: Runtime, exc: ServiceError) -> str:
    t = TEXTS[lang]
    if exc.status == 413:
        return t["err_too_large"].format(mb=runtime.settings.max_body_bytes // (1024 * 1024))
    return t["err_broken"]


class _Post:
    """A form post as received: its body and what is recorded about it."""

    def __init__(self, request: Request, body: bytes, meta: dict[str, Any]) -> None:
        self.request = request
        self.body = body
        self.content_type = request.headers.get("content-type", "")
        self.meta = meta

    def record(self, runtime: Runtime) -> int:
        return runtime.intake.record(
            channel=CHANNEL, body=self.body, content_type=self.content_type, meta=self.meta
        )

    def record_refused(self, runtime: Runtime, reason: str) -> int:
        return runtime.intake.record_refused(
            channel=CHANNEL,
            body=self.body,
            content_type=self.content_type,
            reason=f"portal form refused: {reason}",
            meta=self.meta,
        )


def _allowed_origins(request: Request, runtime: Runtime) -> set[str]:
    host = request.headers.get("host", "").lower()
    public = urlsplit(runtime.settings.public_base_url)
    return {f"http://{host}", f"https://{host}", f"{public.scheme}://{public.netloc}".lower()}


def _refusal(runtime: Runtime, post: _Post, secret: bytes, fields: dict[str, str]) -> str | None:
    """Why the post cannot be taken (cross-site, forged or expired token, replay), or None
    once its token is spent (a second post of the same form is a replay)."""
    headers = post.request.headers
    allowed = _allowed_origins(post.request, runtime)
    if not csrf.same_origin(headers.get("origin"), headers.get("referer"), allowed=allowed):
        return "cross-site origin"
    cookie = post.request.cookies.get(csrf.COOKIE)
    found = csrf.token_id(secret, cookie, fields.get("csrf"))
    if found is None:
        return "anti-CSRF token missing, forged or expired"
    token_id, expires = found
    spent = runtime.intake.claim_token(
        CHANNEL, token_id, expires_at=datetime.fromtimestamp(expires, UTC)
    )
    return None if spent else "form token already used (a replay)"


def _refused_message(
    lang: str, outcome: Outcome, photos: list[IncomingPhoto], runtime: Runtime
) -> str:
    """What the citizen reads when the intake refused the report, in the page's language
    (the intake's own reason is English, for admins)."""
    if outcome.photo_index is None or outcome.photo_kind is None:
        return TEXTS[lang]["err_not_stored"]
    index = outcome.photo_index
    return photo_message(
        lang,
        index=index,
        kind=outcome.photo_kind,
        filename=photos[index].filename if index < len(photos) else None,
        max_bytes=runtime.photo_limits.max_bytes,
        max_pixels=runtime.photo_limits.max_pixels,
    )


async def _form(request: Request, body: bytes) -> FormData:
    """Parse the (already read and stored) body as a form."""

    async def replay() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    clone = Request(request.scope, receive=replay)
    try:
        return await clone.form(max_files=20, max_fields=50)
    except Exception:  # a broken multipart body: treat as an empty form (refused below)
        return FormData()


def _validate(
    lang: str,
    fields: dict[str, str],
    photos: list[IncomingPhoto],
    body: bytes,
    content_type: str,
) -> tuple[ParsedReport | None, list[str]]:
    t = TEXTS[lang]
    problems: list[str] = []
    description = fields.get("description", "").strip()[:5000]
    if not description:
        problems.append(t["err_description"])
    point = as_point(as_float(fields.get("lat")), as_float(fields.get("lon")))
    address = fields.get("address", "").strip()[:500] or None
    if point is None and not address:
        problems.append(t["err_place"])
    if problems:
        return None, problems
    accuracy = as_float(fields.get("accuracy_m"))
    incoming = IncomingReport(
        channel=CHANNEL,
        text=description,
        raw_body=body,
        raw_content_type=content_type[:200],
        payload={"lang": lang, "address": address, "photos": [p.filename for p in photos]},
        address=address,
        lat=point[0] if point else None,
        lon=point[1] if point else None,
        accuracy_m=accuracy if accuracy is not None and 0 <= accuracy <= 100_000 else None,
        location_source=(fields.get("source") if fields.get("source") == "device_gps" else "map")
        if point
        else None,
        reporter_name=fields.get("name", "").strip()[:200] or None,
        reporter_phone=fields.get("phone", "").strip()[:40] or None,
        reporter_email=fields.get("email", "").strip()[:320] or None,
        photos=tuple(photos),
    )
    return ParsedReport(incoming=incoming), []


def _parser(parsed: ParsedReport | None, problems: list[str]) -> Any:
    def parse(_: bytes) -> ParsedReport:
        if parsed is None:
            raise Unparseable("portal form refused: " + "; ".join(problems))
        return parsed

    return parse


def _over_limit(runtime: Runtime, settings: PortalSettings, ip: str) -> bool:
    """Reports accepted per minute (a citizen whose form expired may send it again), and
    everything received per hour (a flood of refused posts stops too)."""
    recent_minute = runtime.intake.count_recent(
        CHANNEL, "client_ip", ip, seconds=60, statuses=("accepted", "duplicate")
    )
    recent_hour = runtime.intake.count_recent(CHANNEL, "client_ip", ip, seconds=3600)
    return recent_minute >= settings.per_minute or recent_hour >= settings.per_hour
