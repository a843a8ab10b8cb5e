"""The only place exceptions become HTTP responses: RFC 9457 application/problem+json."""

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.errors import InvalidPhoto, InvalidRequest, RateLimited, ServiceError

logger = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_JSON


def problem(
    request: Request, *, status: int, type_: str, title: str, detail: str, **extensions: Any
) -> ProblemResponse:
    body = {
        "type": type_,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "request_id": getattr(request.state, "request_id", None),
        **extensions,
    }
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return ProblemResponse(body, status_code=status, headers=headers)


def pointer(loc: tuple[Any, ...] | list[Any]) -> str:
    return "#/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in loc)


def errors_from_pydantic(
    errors: list[Any], *, prefix: tuple[Any, ...] = ()
) -> list[dict[str, str]]:
    return [{"pointer": pointer((*prefix, *e["loc"])), "detail": e["msg"]} for e in errors]


def install(app: FastAPI, *, base_url: str) -> None:
    @app.exception_handler(ServiceError)
    async def _service(request: Request, exc: ServiceError) -> ProblemResponse:
        ext: dict[str, Any] = dict(exc.extensions)
        if isinstance(exc, InvalidRequest):
            ext["errors"] = exc.errors
        if isinstance(exc, InvalidPhoto):
            ext["errors"] = [{"pointer": f"#/photos/{exc.index}", "detail": exc.detail}]
        log = logger.info if exc.status < 500 else logger.error
        log("request refused: %s", exc.slug, extra={"request_id": request.state.request_id})
        response = problem(
            request,
            status=exc.status,
            type_=base_url + exc.slug,
            title=exc.title,
            detail=exc.detail,
            **ext,
        )
        if isinstance(exc, RateLimited):
            response.headers["Retry-After"] = str(exc.retry_after_s)
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> ProblemResponse:
        return problem(
            request,
            status=422,
            type_=base_url + InvalidRequest.slug,
            title=InvalidRequest.title,
            detail="Some parameters are missing or invalid; see errors.",
            errors=[_param_error(e) for e in exc.errors()],
        )

    @app.exception_handler(OperationalError)
    async def _database_down(request: Request, exc: OperationalError) -> ProblemResponse:
        logger.error(
            "database unavailable: %s",
            type(exc.orig).__name__,
            extra={"request_id": request.state.request_id},
        )
        response = problem(
            request,
            status=503,
            type_=base_url + "database-unavailable",
            title="Service temporarily unavailable",
            detail="The database cannot be reached; nothing was stored. "
            "Please retry in a few seconds.",
        )
        response.headers["Retry-After"] = "5"
        return response

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> ProblemResponse:
        phrase = HTTPStatus(exc.status_code).phrase
        detail = exc.detail if isinstance(exc.detail, str) else phrase
        return problem(
            request, status=exc.status_code, type_="about:blank", title=phrase, detail=detail
        )

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception) -> ProblemResponse:
        logger.exception("unhandled error", extra={"request_id": request.state.request_id})
        return problem(
            request,
            status=500,
            type_="about:blank",
            title="Internal Server Error",
            detail="Something went wrong on our side; it has been logged.",
        )


def _param_error(error: Any) -> dict[str, str]:
    loc = list(error.get("loc", ()))
    where = loc[0] if loc else ""
    if where in {"query", "path", "header", "cookie"}:
        return {"parameter": ".".join(str(p) for p in loc[1:]), "detail": error["msg"]}
    return {"pointer": pointer(loc[1:] if where == "body" else loc), "detail": error["msg"]}


def invalid_request(exc: ValidationError, *, prefix: tuple[Any, ...] = ()) -> InvalidRequest:
    errors = errors_from_pydantic(exc.errors(), prefix=prefix)
    first = errors[0]
    return InvalidRequest(
        f"{len(errors)} field(s) invalid; first: {first['pointer']}: {first['detail']}.",
        errors=errors,
    )


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {
        "description": HTTPStatus(code).phrase,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    for code in (400, 401, 403, 404, 409, 413, 415, 422, 429)
}

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "request_id": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "pointer": {"type": "string"},
                    "parameter": {"type": "string"},
                    "detail": {"type": "string"},
                },
            },
        },
    },
    "required": ["type", "title", "status"],
}
