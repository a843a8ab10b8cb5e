"""Domain errors. Each has a slug (problem type), a title and an HTTP status."""


class ServiceError(Exception):
    slug = "service-error"
    title = "The request could not be completed"
    status = 400

    def __init__(self, detail: str, **extensions: object) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions  # extra members of the problem document


class NotFound(ServiceError):
    slug = "not-found"
    title = "Not found"
    status = 404


class CaseNotFound(NotFound):
    slug = "case-not-found"
    title = "Case not found"


class ReportNotFound(NotFound):
    slug = "report-not-found"
    title = "Report not found"


class TrackingCodeNotFound(NotFound):
    slug = "tracking-code-not-found"
    title = "No report has that tracking code"


class WardNotFound(NotFound):
    slug = "ward-not-found"
    title = "Ward not found"


class TicketNotFound(NotFound):
    slug = "ticket-not-found"
    title = "Ticket not found"


class Conflict(ServiceError):
    slug = "conflict"
    title = "The resource changed in the meantime"
    status = 409


class TransitionNotAllowed(ServiceError):
    slug = "transition-not-allowed"
    title = "Case cannot make that transition"
    status = 409


class InvalidPhoto(ServiceError):
    slug = "invalid-photo"
    title = "A photo was refused"
    status = 422

    def __init__(self, detail: str, *, index: int, kind: str = "invalid") -> None:
        super().__init__(detail)
        self.index = index
        self.kind = kind  # PhotoRejected's: what a channel translates for its citizens


class PayloadTooLarge(ServiceError):
    slug = "payload-too-large"
    title = "Request body too large"
    status = 413


class InvalidBoundaryFile(ServiceError):
    slug = "invalid-boundary-file"
    title = "The boundary file cannot be loaded"
    status = 422


class InvalidCalendarFile(ServiceError):
    slug = "invalid-calendar-file"
    title = "The working calendar file cannot be loaded"
    status = 422


class InvalidOperatorFile(ServiceError):
    slug = "invalid-operator-file"
    title = "The operator file cannot be loaded"
    status = 422


class InvalidCursor(ServiceError):
    slug = "invalid-cursor"
    title = "The page cursor is not valid"
    status = 400


class Unauthorized(ServiceError):
    slug = "unauthorized"
    title = "Authentication required"
    status = 401


class Forbidden(ServiceError):
    slug = "forbidden"
    title = "Not allowed for this role"
    status = 403


class InvalidRequest(ServiceError):
    """A request body that does not fit its schema; `errors` point at each bad field."""

    slug = "invalid-request"
    title = "The request has invalid fields"
    status = 422

    def __init__(self, detail: str, *, errors: list[dict[str, str]], **extensions: object) -> None:
        super().__init__(detail, **extensions)
        self.errors = errors


class MalformedBody(ServiceError):
    slug = "malformed-body"
    title = "The request body cannot be read"
    status = 400


class UnsupportedMediaType(ServiceError):
    slug = "unsupported-media-type"
    title = "Unsupported content type"
    status = 415


class RateLimited(ServiceError):
    """Over a request rate or a quota; `retry_after_s` is when the window frees."""

    slug = "rate-limited"
    title = "Too many requests"
    status = 429

    def __init__(self, detail: str, *, retry_after_s: int) -> None:
        super().__init__(detail, retry_after_s=retry_after_s)
        self.retry_after_s = retry_after_s
