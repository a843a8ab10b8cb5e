"""Hand one notice to its unit: a signed POST to its webhook, else an e-mail, else nothing
(the unit reads its tickets from the API). Failures raise DeliveryFailed; the task decides
whether to retry."""

import smtplib
from dataclasses import dataclass
from typing import Literal

import httpx

from service.routing.delivery import Delivery, notice_body, signed_headers
from service.routing.mail import SmtpServer, send_mail, ticket_email

Outcome = Literal["webhook", "email", "email-off", "no-contact"]


@dataclass(frozen=True, slots=True)
class DeliveryConfig:
    timeout_s: float
    timezone: str
    smtp: SmtpServer | None  # None: e-mail delivery is off


class DeliveryFailed(Exception):
    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


def deliver(delivery: Delivery, config: DeliveryConfig) -> Outcome:
    recipient = delivery.recipient
    if recipient.webhook_url:
        _post(delivery, recipient.webhook_url, config)
        return "webhook"
    if recipient.email:
        if config.smtp is None:
            return "email-off"
        _mail(delivery, recipient.email, config.smtp, config.timezone)
        return "email"
    return "no-contact"


def _post(delivery: Delivery, url: str, config: DeliveryConfig) -> None:
    secret = delivery.recipient.webhook_secret
    if not secret:
        # Never send unsigned: the receiver could not tell us from anyone else.
        raise DeliveryFailed(
            f"unit {delivery.recipient.slug} has a webhook but no secret "
            "(`triage units contact SLUG --secret-generate`)",
            retryable=False,
        )
    notice = delivery.notice
    body = notice_body(notice, timezone=config.timezone)
    headers = {
        **signed_headers(secret, body, delivery=notice.delivery_id),
        "User-Agent": "hue-triage-delivery/1",
    }
    try:
        response = httpx.post(
            url,
            content=body,
            headers=headers,
            timeout=config.timeout_s,
            follow_redirects=False,
            trust_env=False,
        )
    except httpx.HTTPError as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
    if not response.is_success:
        raise DeliveryFailed(f"HTTP {response.status_code}: {response.text[:200]}")


def _mail(delivery: Delivery, to: str, server: SmtpServer, timezone: str) -> None:
    message = ticket_email(delivery.notice, to=to, server=server, timezone=timezone)
    try:
        send_mail(server, message)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
