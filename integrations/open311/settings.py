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
    base_url: str = "http://127.0.0.1:8000/open311/v2"
    contact: str = "Sở Khoa học và Công nghệ Huế — dttm@thuathienhue.gov.vn"
    key_service: str = "Xin khoá API qua dttm@thuathienhue.gov.vn (Request an API key by e-mail)"
    # Show the words (description, address) of the reports an inspector marked publishable;
    # a report's words can hold personal data (Decree 13/2023), so no other report's ever
    # are. False keeps every report's words off Open311.
    publish_descriptions: bool = True
    max_days: int = 90


@lru_cache
def get_open311_settings() -> Open311Settings:
    return Open311Settings()
