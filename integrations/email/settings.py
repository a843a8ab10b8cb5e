"""E-mail settings (env prefix TRIAGE_MAIL_)."""

from functools import lru_cache

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from service.config import PROJECT_ROOT


class MailSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TRIAGE_MAIL_", extra="ignore", env_file=PROJECT_ROOT / ".local" / "dev.env"
    )

    # The department's mailbox; also a loop guard: mail from it is never acknowledged.
    address: str = "dttm@thuathienhue.gov.vn"
    display_name: str = "Sở KH&CN Huế - Tiếp nhận phản ánh"

    # IMAP polling (off while imap_host is unset)
    imap_host: str | None = None
    imap_port: int = 993
    imap_security: str = "ssl"  # ssl | starttls | none (loopback tests only)
    imap_user: str = ""
    imap_password: SecretStr = SecretStr("")
    imap_folder: str = "INBOX"
    processed_folder: str = "Triage/Processed"
    quarantine_folder: str = "Triage/Quarantine"
    poll_every_s: float = 60.0
    imap_timeout_s: float = 30.0
    max_message_bytes: int = 40 * 1024 * 1024

    # SMTP acknowledgements (off while smtp_host is unset)
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_security: str = "starttls"  # ssl | starttls | none
    smtp_user: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_timeout_s: float = 30.0
    ack_max_attempts: int = 6
    status_max_attempts: int = 6  # the status mails in the acknowledgement's thread

    public_track_url: str = "http://127.0.0.1:8000/api/v1/track/"


@lru_cache
def get_mail_settings() -> MailSettings:
    return MailSettings()
