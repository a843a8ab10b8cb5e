"""Poll an IMAP mailbox: each message is taken exactly once.

Everything left in the watched folder is untaken. A message is fetched without marking it
read, stored verbatim and accepted (committed), and only then moved out: to the processed
folder, or to the quarantine folder when it could not be read (the reason is kept with the
stored copy: `triage intake failures`). If the worker dies between the commit and the move,
the next poll reads the message again and the intake recognises the re-send (same
Message-ID, or same bytes), so it never becomes a second report.
"""

import logging
import ssl
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass, field

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from integrations.email import CHANNEL
from integrations.email.parse import parse_message
from integrations.email.settings import MailSettings
from service.intake.service import Intake, ParsedReport, Unparseable

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class PollResult:
    taken: int = 0
    duplicates: int = 0
    ignored: int = 0
    quarantined: int = 0
    errors: list[str] = field(default_factory=list)


@contextmanager
def connect(settings: MailSettings) -> Iterator[IMAPClient]:
    if not settings.imap_host:
        raise RuntimeError("TRIAGE_MAIL_IMAP_HOST is not set")
    context = ssl.create_default_context()
    client = IMAPClient(
        settings.imap_host,
        port=settings.imap_port,
        ssl=settings.imap_security == "ssl",
        ssl_context=context if settings.imap_security == "ssl" else None,
        timeout=settings.imap_timeout_s,
    )
    try:
        if settings.imap_security == "starttls":
            client.starttls(context)
        client.login(settings.imap_user, settings.imap_password.get_secret_value())
        yield client
    finally:
        with suppress(IMAPClientError, OSError):
            client.logout()


def poll_once(
    settings: MailSettings,
    intake: Intake,
    *,
    client_factory: Callable[[MailSettings], AbstractContextManager[IMAPClient]] = connect,
    limit: int = 200,
) -> PollResult:
    result = PollResult()
    own = frozenset({settings.address.lower()})
    with client_factory(settings) as client:
        folders = _Folders(
            processed=_server_name(client, settings.processed_folder),
            quarantine=_server_name(client, settings.quarantine_folder),
        )
        for folder in (folders.processed, folders.quarantine):
            if not client.folder_exists(folder):
                client.create_folder(folder)
        info = client.select_folder(settings.imap_folder)
        uidvalidity = int(info.get(b"UIDVALIDITY", 0))
        uids = sorted(client.search(["ALL"]))[:limit]
        for uid in uids:
            try:
                _take(client, uid, uidvalidity, settings, folders, intake, own, result)
            except (IMAPClientError, OSError):
                raise  # the connection is gone: the next poll starts over
            except Exception as exc:  # never let one message stop the poller
                logger.exception("mail not taken; left in place", extra={"uid": uid})
                result.errors.append(f"uid {uid}: {type(exc).__name__}: {exc}")
    return result


@dataclass(frozen=True, slots=True)
class _Folders:
    processed: str
    quarantine: str


def _server_name(client: IMAPClient, name: str) -> str:
    """Settings write folder paths with "/"; servers use their own delimiter ("." on many
    maildir servers) and sometimes a personal prefix ("INBOX.")."""
    personal = client.namespace().personal
    prefix, delimiter = personal[0] if personal else ("", "/")
    delimiter = delimiter or "/"
    server = name.replace("/", delimiter)
    if prefix and not server.startswith(prefix) and server.upper() != "INBOX":
        server = prefix + server
    return server


def _take(
    client: IMAPClient,
    uid: int,
    uidvalidity: int,
    settings: MailSettings,
    folders: "_Folders",
    intake: Intake,
    own: frozenset[str],
    result: PollResult,
) -> None:
    meta = {"imap_folder": settings.imap_folder, "imap_uid": uid, "uidvalidity": uidvalidity}
    size = int(client.fetch([uid], ["RFC822.SIZE"]).get(uid, {}).get(b"RFC822.SIZE", 0))
    if size > settings.max_message_bytes:
        raw_id = intake.record(
            channel=CHANNEL, body=b"", content_type="message/rfc822", meta={**meta, "size": size}
        )
        intake.process(raw_id, body=b"", parse=_too_large(size, settings.max_message_bytes))
        _move(client, uid, folders.quarantine)
        result.quarantined += 1
        return
    data = client.fetch([uid], ["BODY.PEEK[]"]).get(uid, {}).get(b"BODY[]")
    if data is None:  # deleted meanwhile by another client
        return
    outcome = intake.receive(
        channel=CHANNEL,
        body=bytes(data),
        content_type="message/rfc822",
        parse=lambda raw: parse_message(raw, own_addresses=own),
        meta=meta,
    )
    if outcome.status == "failed":
        _move(client, uid, folders.quarantine)
        result.quarantined += 1
        logger.warning("mail quarantined", extra={"uid": uid, "why": outcome.reason})
        return
    _move(client, uid, folders.processed)
    if outcome.status == "accepted":
        result.taken += 1
    elif outcome.status == "duplicate":
        result.duplicates += 1
    else:
        result.ignored += 1


def _move(client: IMAPClient, uid: int, folder: str) -> None:
    if client.has_capability("MOVE"):
        client.move([uid], folder)
        return
    client.copy([uid], folder)
    client.delete_messages([uid])
    client.uid_expunge([uid]) if client.has_capability("UIDPLUS") else client.expunge()


def _too_large(size: int, cap: int) -> Callable[[bytes], ParsedReport]:
    def refuse(_: bytes) -> ParsedReport:
        raise Unparseable(f"message of {size} bytes is over the {cap}-byte limit; left unread")

    return refuse
