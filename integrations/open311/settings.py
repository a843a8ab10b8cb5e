"""Open311 settings (env prefix TRIAGE_OPEN311_)."""

from functools import lru_cache

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from service.config import PROJECT_ROOT, CommaList, check_production_secret

DEV_KEY = "dev-open311-key"


class Open311Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TRIAGE_OPEN311_", extra="ignore", env_file=PROJECT_ROOT / ".local" / "dev.env"
    )

    env: str = Field("dev", validation_alias=AliasChoices("TRIAGE_ENV"))
    # Keys of the client apps allowed to POST requests (comma-separated).
    api_keys: CommaList = Field(default_factory=lambda: [DEV_KEY])
    jurisdiction_id: str = "hue.gov.vn"
    # The endpoint discovery names; unset: TRIAGE_PUBLIC_BASE_URL + "/open311/v2" (which
    # `./dev run` sets from its port), so the document names where the service really is.
    base_url: str | None = None
    contact: str = "Sở Khoa học và Công nghệ Huế — dttm@thuathienhue.gov.vn"
    key_service: str = "Xin khoá API qua dttm@thuathienhue.gov.vn (Request an API key by e-mail)"
    # Show the words (description, address) of the reports an inspector marked publishable;
    # a report's words can hold personal data (Decree 13/2023), so no other report's ever
    # are. False keeps every report's words off Open311.
    publish_descriptions: bool = True
    max_days: int = 90

    @model_validator(mode="after")
    def _real_keys_in_prod(self) -> "Open311Settings":
        for key in self.api_keys:
            check_production_secret(self.env, "TRIAGE_OPEN311_API_KEYS", key, default=DEV_KEY)
        return self


@lru_cache
def get_open311_settings() -> Open311Settings:
    return Open311Settings()
