"""Open311 settings (env prefix TRIAGE_OPEN311_)."""

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from service.config import PROJECT_ROOT, CommaList


class Open311Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TRIAGE_OPEN311_", extra="ignore", env_file=PROJECT_ROOT / ".local" / "dev.env"
    )

    # Keys of the client apps allowed to POST requests (comma-separated).
    api_keys: CommaList = Field(default_factory=lambda: ["dev-open311-key"])
    jurisdiction_id: str = "hue.gov.vn"
    # The endpoint discovery names; unset: TRIAGE_PUBLIC_BASE_URL + "/open311/v2" (which
    # `./dev run` sets from its port), so the document names where the service really is.
    base_url: str | None = None
    contact: str = "Sở Khoa học và Công nghệ Huế — dttm@thuathienhue.gov.vn"
    key_service: str = "Xin khoá API qua dttm@thuathienhue.gov.vn (Request an API key by e-mail)"
    # Report texts can hold personal data (Decree 13/2023): off unless decided otherwise.
    publish_descriptions: bool = False
    max_days: int = 90


@lru_cache
def get_open311_settings() -> Open311Settings:
    return Open311Settings()
