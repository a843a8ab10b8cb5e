"""/portal: report without installing anything; follow a report by its tracking code."""

import math
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from integrations.portal import csrf
from integrations.portal.fields import as_float as _float
from integrations.portal.fields import as_int as _int
from integrations.portal.fields import as_point as _point
from integrations.portal.i18n import TEXTS, pick_language
from integrations.portal.settings import PortalSettings
from integrations.portal.submit import handle_post
from integrations.portal.tiles import tile_origin, tiles_for
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
        result = await handle_post(request, runtime, settings, secret)
        if result.status == 429:
            return _page(
                request, "limited.html", result.lang, status=429, headers={"Retry-After": "600"}
            )
        if result.tracking_code is not None:
            url = f"{BASE}/thanks?code={result.tracking_code}&lang={result.lang}"
            return RedirectResponse(url, status_code=303)
        return _form_page(
            request,
            runtime,
            settings,
            secret,
            errors=result.errors,
            form=result.fields,
            status=result.status,
        )

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
        csrf=csrf.form_token(secret, cookie),  # single-use: a new one on every page
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


def _metres_per_pixel(view: Any, lat: float) -> float:
    degrees = (view.max_lon - view.min_lon) / view.width_px
    return float(degrees * 111_320 * math.cos(math.radians(lat)))


def _zoom(z: int) -> int:
    return max(0, min(MAX_ZOOM, z))
