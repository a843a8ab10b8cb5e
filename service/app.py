"""FastAPI application factory."""

import gc
import itertools
import json
import logging
import os
import secrets
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api import access_log, cases, operator, problems, reports, routing_admin
from service.api.proxies import TrustedProxyMiddleware, parse_networks
from service.config import Settings, get_settings
from service.plugins import channel_plugins
from service.wiring import Runtime, build_runtime

_request_id_prefix = secrets.token_hex(6)  # per process: ids unique across workers
_request_counter = itertools.count(1)


def _renew_request_id_prefix() -> None:
    global _request_id_prefix
    _request_id_prefix = secrets.token_hex(6)


os.register_at_fork(after_in_child=_renew_request_id_prefix)


def _next_request_id() -> str:
    """Unique, not secret: a random draw per request costs a syscall on the hottest path."""
    return f"{_request_id_prefix}-{next(_request_counter):x}"


class RequestIdMiddleware:
    """Gives every request an id (or keeps the caller's X-Request-ID) and echoes it back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Raw header lists, not Headers/MutableHeaders: this runs on every request.
        given = next((v for k, v in scope["headers"] if k == b"x-request-id"), b"")[:64]
        request_id = (
            given.decode("latin-1")
            if given and given.decode("latin-1").isprintable()
            else _next_request_id()
        )
        scope.setdefault("state", {})["request_id"] = request_id
        header = (b"x-request-id", request_id.encode("latin-1"))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        await self.app(scope, receive, send_with_id)


class RejectNulMiddleware:
    """A NUL character in the path or query can reach no handler usefully (PostgreSQL refuses
    it): answer 400 at once, as a problem document."""

    def __init__(self, app: ASGIApp, *, problem_base_url: str) -> None:
        self.app = app
        self.type = problem_base_url + "malformed-request"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (
            b"%00" in scope.get("query_string", b"")
            or "\x00" in scope.get("path", "")
            or b"%00" in scope.get("raw_path", b"")
        ):
            body = json.dumps(
                {
                    "type": self.type,
                    "title": "The request cannot be read",
                    "status": 400,
                    "detail": "NUL characters are not allowed in the path or the query.",
                }
            ).encode()
            headers = [(b"content-type", b"application/problem+json"),
                       (b"content-length", str(len(body)).encode())]  # fmt: skip
            await send({"type": "http.response.start", "status": 400, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


def create_app(settings: Settings, *, runtime: Runtime | None = None) -> FastAPI:
    app = FastAPI(
        title="Huế field-report triage",
        version="0.1.0",
        description="Intake, geo-tagging and case queue for reports of hanging telecom "
        "cables and illegal classified ads in Huế.",
    )
    app.state.runtime = runtime = runtime or build_runtime(settings)
    app.state.intake_transaction = runtime.engine.begin
    problems.install(app, base_url=settings.problem_base_url)
    app.include_router(reports.router)
    app.include_router(cases.router)
    app.include_router(operator.router)
    app.include_router(routing_admin.router)
    channels = channel_plugins()
    # Channels with an adapter of their own cannot be claimed through the generic API
    # (their external ids would collide with the adapter's).
    app.state.reserved_channels = frozenset(p.name for p in channels)
    for plugin in channels:
        for router in plugin.routers(runtime):
            app.include_router(router)

    app.add_middleware(RejectNulMiddleware, problem_base_url=settings.problem_base_url)
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(TrustedProxyMiddleware, trusted=parse_networks(settings.trusted_proxies))
    access_log.install()

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
            for plugin in channels:
                components.update(plugin.openapi_components())
            components["Problem"] = problems.PROBLEM_SCHEMA
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def app_from_env() -> FastAPI:
    logging.basicConfig(level=logging.INFO)
    app = create_app(get_settings())
    # What is built at startup lives as long as the process: keep it out of the cyclic
    # collector's full passes (about 0.2 s each over ~200,000 objects, seen as p99 spikes).
    gc.collect()
    gc.freeze()
    return app
