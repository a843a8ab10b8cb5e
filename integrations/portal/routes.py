"""/portal: report without installing anything; follow a report by its tracking code."""

import math
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from integrations.portal import CHANNEL, csrf
from integrations.portal.i18n import TEXTS, pick_language
from integrations.portal.settings import PortalSettings
from integrations.portal.tiles import tile_origin, tiles_for
from service.api.intake_body import read_capped_body
from service.intake.service import ParsedReport, Unparseable
from service.reports.service import IncomingPhoto, IncomingReport
from service.triage import public
from service.triage.public import CATEGORY_LABELS
from service.wiring import Runtime

BASE = "/portal"
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_ZOOM = 8
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


_FORM_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "csrf": {"type": "string"},
                        "lang": {"type": "string", "enum": ["vi", "en"]},
                        "lat": {"type": "string"},
                        "lon": {"type": "string"},
                        "accuracy_m": {"type": "string"},
                        "source": {"type": "string", "enum": ["map", "device_gps"]},
                        "address": {"type": "string"},
                        "description": {"type": "string"},
                        "name": {"type": "string"},
                        "phone": {"type": "string"},
                        "email": {"type": "string"},
                        "photos": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                        },
                    },
                }
            }
        },
    }
}


def build_router(runtime: Runtime, settings: PortalSettings) -> APIRouter:
    router = APIRouter(prefix=BASE, tags=["channels: web portal (HTML)"])
    secret = settings.secret.get_secret_value().encode()

    @router.get("/", response_class=HTMLResponse)
    def report_form(request: Request) -> Response:
        return _form_page(request, runtime, settings, secret, errors=[], form={})

    @router.get("/map.svg")
    def map_svg(
        z: int = 0,
        clat: float | None = None,
        clon: float | None = None,
        mlat: float | None = None,
        mlon: float | None = None,
    ) -> Response:
        with runtime.session_factory() as session:
            view = public.map_view(session, zoom=_zoom(z), center=_point(clat, clon))
            svg = public.render_map(
                session, view, marker=_point(mlat, mlon), transparent=bool(settings.tile_url)
            )
        return Response(
            svg, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=3600"}
        )

    @router.post("/report", response_class=HTMLResponse, openapi_extra=_FORM_DOC)
    async def submit(request: Request) -> Response:
        lang = pick_language(None, request.cookies.get("lang"))
        ip = request.client.host if request.client else "unknown"
        if await run_in_threadpool(_over_limit, runtime, settings, ip):
            return _page(request, "limited.html", lang, status=429, headers={"Retry-After": "600"})
        body = await read_capped_body(request, max_bytes=runtime.settings.max_body_bytes)
        content_type = request.headers.get("content-type", "")
        raw_id = await run_in_threadpool(
            runtime.intake.record,
            channel=CHANNEL,
            body=body,
            content_type=content_type,
            meta={"client_ip": ip, "request_id": request.state.request_id},
        )
        form = await _form(request, body)
        lang = pick_language(str(form.get("lang") or ""), request.cookies.get("lang"))
        fields = {k: str(v) for k, v in form.items() if isinstance(v, str)}
        photos = [
            IncomingPhoto(data=await f.read(), filename=f.filename)
            for f in form.getlist("photos")
            if isinstance(f, UploadFile) and f.filename
        ]
        parsed, problems = _validate(
            lang, fields, photos, body, content_type, secret, request.cookies.get(csrf.COOKIE)
        )
        outcome = await run_in_threadpool(
            runtime.intake.process, raw_id, body=body, parse=_parser(parsed, problems)
        )
        if outcome.accepted is None:
            messages = problems or [f"{TEXTS[lang]['err_photo']}: {outcome.reason}"]
            if photos:
                messages.append(TEXTS[lang]["err_photos_again"])
            status = 403 if TEXTS[lang]["err_csrf"] in messages else 422
            return _form_page(
                request, runtime, settings, secret, errors=messages, form=fields, status=status
            )
        code = outcome.accepted.tracking_code
        return RedirectResponse(f"{BASE}/thanks?code={code}&lang={lang}", status_code=303)

    @router.get("/thanks", response_class=HTMLResponse)
    def thanks(request: Request, code: str = "") -> Response:
        lang = pick_language(request.query_params.get("lang"), request.cookies.get("lang"))
        return _page(request, "thanks.html", lang, code=code[:20])

    @router.get("/track", response_class=HTMLResponse)
    def track(request: Request, code: str = "") -> Response:
        return _track_page(request, runtime, code.strip().upper()[:20])

    return router


def _track_page(request: Request, runtime: Runtime, code: str) -> Response:
    lang = pick_language(request.query_params.get("lang"), request.cookies.get("lang"))
    info = timeline = None
    with runtime.session_factory() as session:
        precision = runtime.settings.public_location_precision_m
        info = (
            public.find_request(session, tracking_code=code, precision_m=precision)
            if code
            else None
        )
        if info is not None:
            timeline = [
                {"at": i.at.astimezone(LOCAL), "status": i.status, "note": i.note}
                for i in public.timeline(session, tracking_code=code)
            ]
    return _page(
        request,
        "track.html",
        lang,
        code=code,
        request_info=info,
        timeline=timeline,
        category_label=CATEGORY_LABELS[lang].get(info.category or "") if info else None,
        status=200 if info or not code else 404,
    )


# ---------------------------------------------------------------- the report form
def _form_page(
    request: Request,
    runtime: Runtime,
    settings: PortalSettings,
    secret: bytes,
    *,
    errors: list[str],
    form: dict[str, str],
    status: int = 200,
) -> Response:
    q = request.query_params
    lang = pick_language(q.get("lang") or form.get("lang"), request.cookies.get("lang"))
    zoom = _zoom(_int(q.get("z")))
    center = _point(_float(q.get("clat")), _float(q.get("clon")))
    chosen = _point(_float(form.get("lat")), _float(form.get("lon")))
    accuracy = _float(q.get("acc")) or _float(form.get("accuracy_m"))
    source = form.get("source", "map")
    with runtime.session_factory() as session:
        tapped = (_float(q.get("map.x")), _float(q.get("map.y")))
        if tapped[0] is not None and tapped[1] is not None:
            view = public.map_view(session, zoom=zoom, center=center)
            chosen = view.to_lat_lon(tapped[0], tapped[1])
            # As precise as one pixel of the map that was tapped.
            accuracy = round(_metres_per_pixel(view, chosen[0]))
            source = "map"
            zoom, center = _zoom(zoom + 2), chosen
        elif (shared := _point(_float(q.get("plat")), _float(q.get("plon")))) is not None:
            chosen, zoom, center, source = shared, 6, shared, "device_gps"
        view = public.map_view(session, zoom=zoom, center=center)
        ward_name = (
            public.ward_name_at(
                session,
                lat=chosen[0],
                lon=chosen[1],
                tolerance_m=runtime.settings.geotag_tolerance_m,
            )
            if chosen
            else None
        )
    cookie = request.cookies.get(csrf.COOKIE) or csrf.new_cookie()
    map_src = f"{BASE}/map.svg?z={zoom}"
    if center:
        map_src += f"&clat={center[0]:.6f}&clon={center[1]:.6f}"
    if chosen:
        map_src += f"&mlat={chosen[0]:.6f}&mlon={chosen[1]:.6f}"
    response = _page(
        request,
        "report.html",
        lang,
        status=status,
        errors=errors,
        form=form,
        csrf=csrf.form_token(secret, cookie),
        zoom=zoom,
        center_lat=f"{center[0]:.6f}" if center else "",
        center_lon=f"{center[1]:.6f}" if center else "",
        lat=chosen[0] if chosen else None,
        lon=chosen[1] if chosen else None,
        accuracy_m=accuracy,
        source=source,
        ward_name=ward_name,
        map_src=map_src,
        map_w=view.width_px,
        map_h=view.height_px,
        tiles=tiles_for(view, settings.tile_url) if settings.tile_url else [],
        tile_origin=tile_origin(settings.tile_url) if settings.tile_url else "",
    )
    response.set_cookie(
        csrf.COOKIE,
        cookie,
        httponly=True,
        samesite="strict",
        secure=settings.secure_cookies,
        path=BASE,
    )
    return response


def _page(
    request: Request,
    name: str,
    lang: str,
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Response:
    other = "en" if lang == "vi" else "vi"
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    path = request.url.path if request.method == "GET" else f"{BASE}/"
    switch_url = f"{path}?{urlencode([*query, ('lang', other)])}"
    response = templates.TemplateResponse(
        request,
        name,
        {
            "switch_url": switch_url,
            "t": TEXTS[lang],
            "lang": lang,
            "other_lang": "en" if lang == "vi" else "vi",
            "base": BASE,
            **context,
        },
        status_code=status,
        headers=headers,
    )
    response.set_cookie("lang", lang, samesite="lax", max_age=365 * 86400, path=BASE)
    tiles = context.get("tile_origin") or ""
    response.headers["Content-Security-Policy"] = (
        f"default-src 'self'; img-src 'self' data: {tiles}; style-src 'unsafe-inline'; "
        "script-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


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
    secret: bytes,
    cookie: str | None,
) -> tuple[ParsedReport | None, list[str]]:
    t = TEXTS[lang]
    if not csrf.valid(secret, cookie, fields.get("csrf")):
        return None, [t["err_csrf"]]
    problems: list[str] = []
    description = fields.get("description", "").strip()[:5000]
    if not description:
        problems.append(t["err_description"])
    point = _point(_float(fields.get("lat")), _float(fields.get("lon")))
    address = fields.get("address", "").strip()[:500] or None
    if point is None and not address:
        problems.append(t["err_place"])
    if problems:
        return None, problems
    accuracy = _float(fields.get("accuracy_m"))
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


def _metres_per_pixel(view: Any, lat: float) -> float:
    degrees = (view.max_lon - view.min_lon) / view.width_px
    return float(degrees * 111_320 * math.cos(math.radians(lat)))


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


def _float(value: str | None) -> float | None:
    try:
        number = float(value) if value not in (None, "") else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None


def _zoom(z: int) -> int:
    return max(0, min(MAX_ZOOM, z))


def _point(lat: float | None, lon: float | None) -> tuple[float, float] | None:
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon
