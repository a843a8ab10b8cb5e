"""FastAPI application factory."""

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.openapi.utils import get_openapi

from service.api import cases, problems, reports
from service.config import Settings, get_settings
from service.wiring import Runtime, build_runtime


def create_app(settings: Settings, *, runtime: Runtime | None = None) -> FastAPI:
    app = FastAPI(
        title="Huế field-report triage",
        version="0.1.0",
        description="Intake, geo-tagging and case queue for reports of hanging telecom "
        "cables and illegal classified ads in Huế.",
    )
    app.state.runtime = runtime or build_runtime(settings)
    problems.install(app, base_url=settings.problem_base_url)
    app.include_router(reports.router)
    app.include_router(cases.router)

    @app.middleware("http")
    async def _request_id(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request.state.request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        response = await call_next(request)
        response.headers["X-Request-ID"] = request.state.request_id
        return response

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components.update(reports.intake_schema_components())
            components["Problem"] = problems.PROBLEM_SCHEMA
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def app_from_env() -> FastAPI:
    logging.basicConfig(level=logging.INFO)
    return create_app(get_settings())
