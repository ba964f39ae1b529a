"""Sending composed mail: into a local Maildir (the default) or through an SMTP server.

Every failure is a `MailError` whose message is one line fit for a recruiter
and names the server; `retryable` tells the outbox whether trying again later
may help (timeouts, refused connections, 4xx replies, a full or failing disk) or
a person must act (wrong password, unknown recipient, TLS not offered, an outbox
folder Panelist may not write to).
"""

from __future__ import annotations

import errno
import hashlib
import os
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Literal, Protocol

import platformdirs
from sqlite_utils import Database

from panelist.errors import ConfigurationError, PanelistError
from panelist.mail.headers import one_line
from panelist.secrets import env_name, get_secret
from panelist.services.directory import get_setting, positive_setting
from panelist.storage.database import (
    APP_NAME,
    database_file,
    default_db_path,
    refuse_shared_writes,
)

Security = Literal["starttls", "tls", "none"]
SECURITY_MODES: tuple[Security, ...] = ("starttls", "tls", "none")
_LONGEST_DETAIL = 200


class MailError(PanelistError):
    """A mail could not be sent. `retryable`: trying again later may succeed."""

    def __init__(self, message: str, *, retryable: bool, server: str = "") -> None:
        super().__init__(message)
        self.retryable = retryable
        self.server = server


class MailTransport(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Deliver `message` or raise `MailError`."""
        ...


# --------------------------------------------------------------------------- Maildir


def default_outbox_path(db_file: Path | None = None) -> Path:
    """Where the Maildir goes when the maildir_path setting is empty: beside the database,
    as ``<dir>/<stem>-outbox`` (``demo.db`` mails into ``demo-outbox/``), so two databases
    never share an outbox. The default database (and an in-memory one) keeps the user data
    directory's ``outbox``, where mail went before databases had their own."""
    shared = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "outbox"
    if db_file is None or _same_file(db_file, default_db_path()):
        return shared
    return db_file.with_name(f"{db_file.stem}-outbox")


def _same_file(a: Path, b: Path) -> bool:
    return a.expanduser().resolve() == b.expanduser().resolve()


MAILDIR_FOLDERS = ("tmp", "new", "cur")
MAILDIR_RISK = "anyone who can write it can forge or change the mail in it"


class MaildirTransport:
    """Delivers into ``path/new``, one file per Message-ID: sending twice leaves one file.

    A mail client or `mutt -f` reads the folder; moving a file to ``cur/`` (read)
    keeps it counted as sent. The folders are created 0700 and the files 0600 whatever
    the umask (the mail names candidates and interviews); a Maildir that group or others
    may write is refused, by the database's rule.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path).expanduser()

    def send(self, message: EmailMessage) -> None:
        name = _maildir_name(message)
        try:
            self._prepare()
            if self._holds(name):
                return
            self._deliver(name, message.as_bytes())
        except OSError as exc:
            raise MailError(
                f"cannot write to the outbox {self.path}: {exc.strerror or exc}",
                retryable=exc.errno not in _PATH_ERRORS,
            ) from None

    def _prepare(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for folder in (self.path, *(self.path / sub for sub in MAILDIR_FOLDERS)):
            folder.mkdir(mode=0o700, exist_ok=True)
            try:
                refuse_shared_writes(folder, "the outbox", MAILDIR_RISK)
            except ConfigurationError as refused:
                raise MailError(str(refused), retryable=False) from None

    def _holds(self, name: str) -> bool:
        # A reader renames new/NAME to cur/NAME:2,FLAGS once it has seen the mail.
        return (self.path / "new" / name).exists() or any((self.path / "cur").glob(f"{name}:*"))

    def _deliver(self, name: str, data: bytes) -> None:
        # Written in tmp/ first and linked into new/ (the Maildir protocol), so a reader
        # never sees half a file and two senders racing still leave one file.
        temporary = self.path / "tmp" / f"{name}.{os.getpid()}"
        try:
            private = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with open(private, "wb") as out:
                out.write(data)  # on a full disk: removed again, not left half
            os.link(temporary, self.path / "new" / name)
        except FileExistsError:
            pass
        finally:
            temporary.unlink(missing_ok=True)


# The folder is wrong or forbidden: only a person changing the setting or the rights helps.
# Anything else (a full disk or quota, an I/O error, a read-only remount) may pass by itself.
_PATH_ERRORS = frozenset(
    {
        errno.EACCES,
        errno.EPERM,
        errno.EEXIST,  # a file where the folder should be
        errno.ENOTDIR,
        errno.EISDIR,
        errno.ENAMETOOLONG,
        errno.ELOOP,
    }
)


def _maildir_name(message: EmailMessage) -> str:
    message_id = message["Message-ID"]
    if not message_id:
        raise MailError("the message has no Message-ID; compose it with compose()", retryable=False)
    digest = hashlib.sha256(str(message_id).strip().encode("utf-8")).hexdigest()[:32]
    return f"{digest}.panelist"


# --------------------------------------------------------------------------- SMTP


@dataclass(frozen=True)
class SmtpTransport:
    """One SMTP session per message, so a long-running TUI holds no idle connection."""

    host: str
    port: int = 587
    security: Security = "starttls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0

    @property
    def server(self) -> str:
        return f"{self.host}:{self.port}"

    def send(self, message: EmailMessage) -> None:
        try:
            smtp = self._connect()
            try:
                self._secure_and_login(smtp)
                refused = smtp.send_message(message)
            finally:
                _quit(smtp)
        except (smtplib.SMTPException, OSError) as exc:
            raise _mail_error(exc, self.server, self.timeout) from None
        if refused:
            # Others did receive it: not retryable, or they would get it twice.
            raise MailError(
                f"the mail server {self.server} refused {', '.join(sorted(refused))};"
                " the other recipients got the message",
                retryable=False,
                server=self.server,
            )

    def _connect(self) -> smtplib.SMTP:
        if self.security == "tls":
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)

    def _secure_and_login(self, smtp: smtplib.SMTP) -> None:
        smtp.ehlo()
        if self.security == "starttls":
            if not smtp.has_extn("starttls"):
                raise MailError(
                    f"the mail server {self.server} does not offer STARTTLS;"
                    " set smtp_security to 'tls' or 'none'",
                    retryable=False,
                    server=self.server,
                )
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if self.username:
            if not self.password:
                raise MailError(
                    f"no password for the mail server {self.server}: set"
                    f" {env_name('smtp', 'password')} or the keyring entry"
                    " 'panelist' / 'smtp:password'",
                    retryable=False,
                    server=self.server,
                )
            smtp.login(self.username, self.password)


def _quit(smtp: smtplib.SMTP) -> None:
    """End the session; a failing QUIT after the message was accepted is no failure to send."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _mail_error(exc: BaseException, server: str, timeout: float) -> MailError:
    message, retryable = _describe(exc, server, timeout)
    return MailError(message, retryable=retryable, server=server)


def _describe(exc: BaseException, server: str, timeout: float) -> tuple[str, bool]:
    """The one-line message and whether a retry may help, for any smtplib or socket error."""
    the = f"the mail server {server}"
    if _is_timeout(exc):
        return f"{the} did not answer within {timeout:g} s", True
    if isinstance(exc, ConnectionRefusedError):
        return f"{the} refused the connection", True
    if isinstance(exc, socket.gaierror):
        # EAI_AGAIN is a DNS hiccup; anything else means the name does not exist.
        return f"cannot find the mail server {server}", exc.errno == socket.EAI_AGAIN
    if isinstance(exc, ssl.SSLError):
        # A certificate problem says what is wrong ("self-signed certificate") in verify_message.
        reason = getattr(exc, "verify_message", None) or exc.reason or exc
        return f"TLS with {the} failed: {_detail(reason)}", False
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"{the} closed the connection unexpectedly", True
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return f"{the} does not support this: {_detail(exc)}", False
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return _recipients_refused(the, exc)
    if isinstance(exc, smtplib.SMTPResponseException):
        return _response_refused(the, exc)
    if isinstance(exc, smtplib.SMTPException):
        return f"{the}: {_detail(exc)}", False
    return f"cannot reach {the}: {_detail(exc)}", True


def _is_timeout(exc: BaseException) -> bool:
    # smtplib reports a read timeout as "Connection unexpectedly closed: timed out".
    return isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError)


def _recipients_refused(the: str, exc: smtplib.SMTPRecipientsRefused) -> tuple[str, bool]:
    codes = [code for code, _ in exc.recipients.values()]
    who = ", ".join(sorted(exc.recipients))
    reply = _detail(next(iter(exc.recipients.values()))[1]) if exc.recipients else ""
    return f"{the} refused the recipient {who} ({reply})", all(_temporary(c) for c in codes)


def _response_refused(the: str, exc: smtplib.SMTPResponseException) -> tuple[str, bool]:
    reply = f"{exc.smtp_code} {_detail(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        what = "refused the login"
    elif isinstance(exc, smtplib.SMTPSenderRefused):
        what = f"refused the sender {exc.sender}"
    elif isinstance(exc, smtplib.SMTPDataError):
        what = "refused the message"
    elif isinstance(exc, smtplib.SMTPConnectError):
        what = "refused the connection"
    else:
        what = "refused the request"
    return f"{the} {what} ({reply})", _temporary(exc.smtp_code)


def _temporary(code: int) -> bool:
    """SMTP 4xx replies are transient failures (RFC 5321 §4.2.1); a closed socket gives -1."""
    return 400 <= code < 500 or code < 0


def _detail(value: object) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    text = one_line(text)
    return text if len(text) <= _LONGEST_DETAIL else text[: _LONGEST_DETAIL - 1] + "…"


# --------------------------------------------------------------------------- settings


def transport_from_settings(db: Database) -> MailTransport:
    """The transport the company settings describe; the SMTP password from env or keyring.

    Without a maildir_path setting the Maildir is the one beside `db`'s file
    (`default_outbox_path`): every caller that sends for a database gets its outbox."""
    kind = get_setting(db, "mail_transport")
    if kind == "maildir":
        path = get_setting(db, "maildir_path")
        return MaildirTransport(Path(path) if path else default_outbox_path(database_file(db)))
    if kind == "smtp":
        return _smtp_from_settings(db)
    raise ConfigurationError(f"setting mail_transport: expected 'maildir' or 'smtp', got {kind!r}")


def _smtp_from_settings(db: Database) -> SmtpTransport:
    host = str(get_setting(db, "smtp_host") or "").strip()
    if not host:
        raise ConfigurationError("setting smtp_host is empty; it is needed to send mail by SMTP")
    security = get_setting(db, "smtp_security")
    if security not in SECURITY_MODES:
        raise ConfigurationError(
            f"setting smtp_security: expected one of {', '.join(SECURITY_MODES)}, got {security!r}"
        )
    port = positive_setting(db, "smtp_port")
    if port > 65535 or port != int(port):
        raise ConfigurationError(f"setting smtp_port: {port:g} is not a port number")
    username = str(get_setting(db, "smtp_username") or "").strip() or None
    return SmtpTransport(
        host=host,
        port=int(port),
        security=security,
        username=username,
        # Only looked up when needed: the keyring may prompt or probe D-Bus.
        password=get_secret("smtp", "password") if username else None,
        timeout=positive_setting(db, "mail_timeout_s"),
    )
