"""Typed settings, read once at start-up (env prefix TRIAGE_)."""

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, BeforeValidator, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEV_ADMIN_TOKEN = "dev-admin-token"


def _split_commas(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


# A list setting written in the environment as "a, b, c".
CommaList = Annotated[list[str], NoDecode, BeforeValidator(_split_commas)]

MIN_SECRET_CHARS = 32


def check_production_secret(env: str, variable: str, value: str, *, default: str) -> None:
    """In production a secret must be set, not the dev default, and long enough to resist
    guessing: ValueError naming the variable otherwise (the service refuses to start)."""
    if env != "prod":
        return
    if value == default:
        raise ValueError(f"{variable} is still the development default; set a real secret")
    if len(value) < MIN_SECRET_CHARS:
        raise ValueError(
            f"{variable} is {len(value)} characters; use at least {MIN_SECRET_CHARS} "
            "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
        )


class Settings(BaseSettings):
    # `./dev` writes .local/dev.env (the private cluster's URL) so that the `triage` CLI
    # reaches the same database; real environment variables always win.
    model_config = SettingsConfigDict(
        env_prefix="TRIAGE_",
        extra="ignore",
        validate_by_name=True,
        validate_by_alias=True,
        env_file=PROJECT_ROOT / ".local" / "dev.env",
    )

    env: Literal["dev", "test", "prod"] = "dev"
    database_url: str = Field(
        "postgresql+psycopg2://postgres@127.0.0.1:54329/triage",
        validation_alias=AliasChoices("TRIAGE_DATABASE_URL", "DATABASE_URL"),
    )
    # Redis when given; otherwise Celery uses the database itself as its broker
    # (kombu's SQLAlchemy transport), so no extra server is needed.
    broker_url: str | None = Field(
        None, validation_alias=AliasChoices("TRIAGE_BROKER_URL", "REDIS_URL")
    )
    broker_visibility_timeout_s: int = 300
    media_root: Path = PROJECT_ROOT / ".local" / "media"
    wards_file: Path = PROJECT_ROOT / "data" / "hue_2025_wards.geojson"
    units_file: Path = PROJECT_ROOT / "data" / "units.json"
    operators_file: Path = PROJECT_ROOT / "data" / "operators.yaml"
    problem_base_url: str = "https://triage.hue.example/problems/"
    public_base_url: str = "http://127.0.0.1:8000"

    geotag_tolerance_m: float = 300.0
    # Public surfaces (Open311, tracking pages, status callbacks) show a report's point
    # snapped to a grid of about this many metres, never the point itself.
    public_location_precision_m: float = Field(100.0, gt=0, le=100_000)
    max_body_bytes: int = 40 * 1024 * 1024
    max_photo_bytes: int = 10 * 1024 * 1024
    max_photo_pixels: int = 40_000_000
    max_photos: int = 8
    max_text_chars: int = 5000
    # Hosts whose photo URLs the worker may fetch (".example.org" admits its subdomains).
    photo_url_hosts: CommaList = Field(default_factory=list)

    # The text classifier (`triage model train` writes it); without it cases wait for
    # manual triage.
    text_model_path: Path = PROJECT_ROOT / ".local" / "models" / "text.joblib"
    # Below this joint confidence a case goes to manual triage. 0.8: on the real development
    # set the decisions above it are right 98.5 % of the time, and on the corpus's own pages
    # held out 97.0 % (issue #10 asks for 97 %); `triage model eval` prints both figures.
    classify_min_confidence: float = 0.8
    # OCR and photo features before a report is processed (off: photos are not read).
    read_photos: bool = True
    # ONNX Runtime threads per OCR engine. 1 suits Celery's default of one worker process
    # per core (bench/triage.py: 2 processes × 1 thread read 1.5x the photos of 1 × all
    # cores); 0 is ONNX Runtime's default, every core, for a single worker process.
    ocr_threads: int = 1

    due_working_days: int = 7
    local_timezone: str = "Asia/Ho_Chi_Minh"
    # A report this close to an open case of the same category joins it (one case per
    # problem); 0 turns joining by place off.
    join_radius_m: float = Field(30.0, ge=0, le=500)

    outbox_relay_every_s: float = 1.0
    # A run that began and did not complete in this time is sent again (worker died, hung).
    outbox_redispatch_after_s: int = 300
    # A message sent this long ago whose run never began is sent again (the broker lost it:
    # Redis restarted without persistence). Much longer than the above, because a message
    # that has not started is nearly always still queued behind others, and a resend then
    # only deepens the queue; 30 min covers a backlog of ~60,000 reports at the measured
    # 33 reports/s of one worker process. See service.outbox.service.relay.
    outbox_unstarted_redispatch_after_s: int = 1800

    # Tickets delivered to their unit (service.routing.delivery): a signed webhook POST, or
    # an e-mail when the unit has no webhook; retried with capped exponential backoff
    # (10 s, 20 s, … up to 1 h) and dead-lettered after the last attempt (`triage outbox`).
    delivery_timeout_s: float = Field(10.0, gt=0)
    delivery_max_attempts: int = Field(12, ge=1)  # 12: about 3.4 hours of retries
    # SMTP for the e-mail fallback; an empty host turns e-mail delivery off.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: Literal["ssl", "starttls", "none"] = "starttls"
    smtp_user: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_timeout_s: float = Field(30.0, gt=0)
    smtp_from: str = "dttm@thuathienhue.gov.vn"
    smtp_from_name: str = "Sở KH&CN Huế - Phiếu xử lý"

    admin_token: SecretStr = SecretStr(DEV_ADMIN_TOKEN)

    # Clients of POST /api/v1/reports (`triage clients add`): defaults for a key without
    # limits of its own, and how long a process trusts a key it looked up (revocation
    # takes effect within that many seconds).
    client_per_minute: int = Field(60, ge=0)
    client_photo_bytes_per_day: int = Field(256 * 1024 * 1024, ge=0)
    client_key_cache_s: float = Field(5.0, ge=0)
    # Proxies whose X-Forwarded-For is believed (IPs or CIDRs); none: the peer's address.
    trusted_proxies: CommaList = Field(default_factory=list)

    @model_validator(mode="after")
    def _no_default_secrets_in_prod(self) -> "Settings":
        check_production_secret(
            self.env, "TRIAGE_ADMIN_TOKEN", self.admin_token.get_secret_value(),
            default=DEV_ADMIN_TOKEN,
        )  # fmt: skip
        return self

    @property
    def effective_broker_url(self) -> str:
        if self.broker_url:
            return self.broker_url
        return "sqla+" + self.database_url


@lru_cache
def get_settings() -> Settings:
    return Settings()
