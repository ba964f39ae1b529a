"""The embedded Maildir transport (exactly once per Message-ID) and choosing a transport."""

from __future__ import annotations

import mailbox
import os
import stat
from email.message import EmailMessage
from pathlib import Path

import pytest
from disk_helpers import full_disk
from mail_servers import DEMO_NOW
from sqlite_utils import Database

from panelist.errors import ConfigurationError
from panelist.mail.message import compose
from panelist.mail.transport import (
    MaildirTransport,
    MailError,
    SmtpTransport,
    default_outbox_path,
    transport_from_settings,
)
from panelist.plugins import PluginRegistry
from panelist.services.directory import set_setting
from panelist.storage.database import default_db_path, open_database


def invitation(key: str, subject: str = "Your interview") -> EmailMessage:
    return compose(
        sender="Northwind Labs <recruiting@northwind.example>",
        to=[("Kavya Gupta", "kavya.gupta@example.net")],
        subject=subject,
        text="Dear Kavya,\n",
        ics=b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n",
        message_id_key=key,
        date=DEMO_NOW,
    )


def test_sending_the_same_message_twice_leaves_one_file(outbox: Path) -> None:
    transport = MaildirTransport(outbox)
    transport.send(invitation("outbox-1"))
    transport.send(invitation("outbox-1", subject="Your interview (resent)"))
    (delivered,) = (outbox / "new").iterdir()
    assert list((outbox / "tmp").iterdir()) == []
    (message,) = mailbox.Maildir(outbox, create=False)  # what a mail client sees
    assert message["Message-ID"] == invitation("outbox-1")["Message-ID"]
    assert message["Subject"] == "Your interview"  # the first delivery stands
    assert delivered.read_bytes().count(b"Message-ID:") == 1


def test_a_message_already_read_is_not_delivered_again(outbox: Path) -> None:
    transport = MaildirTransport(outbox)
    transport.send(invitation("outbox-1"))
    (delivered,) = (outbox / "new").iterdir()
    delivered.rename(outbox / "cur" / f"{delivered.name}:2,S")  # a mail client marks it read
    transport.send(invitation("outbox-1"))
    assert list((outbox / "new").iterdir()) == []
    assert len(mailbox.Maildir(outbox, create=False)) == 1


def test_different_messages_are_different_files(outbox: Path) -> None:
    transport = MaildirTransport(outbox)
    for key in ("outbox-1", "outbox-2", "outbox-3"):
        transport.send(invitation(key))
    subjects = sorted(str(m["Message-ID"]) for m in mailbox.Maildir(outbox, create=False))
    assert subjects == sorted(
        str(invitation(k)["Message-ID"]) for k in ("outbox-1", "outbox-2", "outbox-3")
    )


def test_an_unwritable_outbox_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "outbox"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(MailError) as caught:
        MaildirTransport(blocker).send(invitation("outbox-1"))
    assert str(caught.value).startswith(f"cannot write to the outbox {blocker}: ")
    assert caught.value.retryable is False


def test_the_outbox_is_private_whatever_the_umask(outbox: Path) -> None:
    """The service account's mail names candidates and interviews: 0700 folders and 0600
    files even under a umask of 000 (Python's own mailbox.Maildir writes 0666 & ~umask)."""
    before = os.umask(0)
    try:
        MaildirTransport(outbox).send(invitation("outbox-1"))
    finally:
        os.umask(before)
    (delivered,) = (outbox / "new").iterdir()
    folders = [outbox, *(outbox / f for f in ("tmp", "new", "cur"))]
    assert [stat.S_IMODE(f.stat().st_mode) for f in folders] == [0o700] * 4
    assert stat.S_IMODE(delivered.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("folder", "mode", "who"), [("", 0o770, "its group"), ("new", 0o757, "others")]
)
def test_an_outbox_others_may_write_is_refused(
    outbox: Path, folder: str, mode: int, who: str
) -> None:
    transport = MaildirTransport(outbox)
    transport.send(invitation("outbox-1"))
    shared = outbox / folder if folder else outbox
    shared.chmod(mode)
    with pytest.raises(MailError) as caught:
        transport.send(invitation("outbox-2"))
    assert str(caught.value) == (
        f"{shared} is writable by {who} (mode {stat.filemode(shared.stat().st_mode)}); anyone "
        f"who can write it can forge or change the mail in it: run chmod 700 {shared}"
    )
    assert caught.value.retryable is False
    assert len(list((outbox / "new").iterdir())) == 1


def test_a_full_disk_is_a_transient_error_and_leaves_nothing_half_written(
    tmp_path: Path,
) -> None:
    with full_disk(tmp_path / "disk") as disk:
        outbox = disk.path / "outbox"
        with pytest.raises(MailError) as caught:
            MaildirTransport(outbox).send(invitation("outbox-1"))
        assert str(caught.value) == f"cannot write to the outbox {outbox}: No space left on device"
        assert caught.value.retryable is True
        assert [list((outbox / f).iterdir()) for f in ("tmp", "new", "cur")] == [[], [], []]

        disk.free()
        MaildirTransport(outbox).send(invitation("outbox-1"))
        assert len(list((outbox / "new").iterdir())) == 1


def test_a_message_without_message_id_is_refused(outbox: Path) -> None:
    message = invitation("outbox-1")
    del message["Message-ID"]
    with pytest.raises(MailError, match="has no Message-ID"):
        MaildirTransport(outbox).send(message)


def test_the_default_transport_is_the_maildir_outbox(db: Database, outbox: Path) -> None:
    default = transport_from_settings(db)
    assert isinstance(default, MaildirTransport)
    assert default.path == outbox.parent / "panelist-outbox"  # beside tmp_path/panelist.db
    set_setting(db, "maildir_path", str(outbox))
    configured = transport_from_settings(db)
    assert isinstance(configured, MaildirTransport)
    configured.send(invitation("outbox-1"))
    assert len(list((outbox / "new").iterdir())) == 1


def test_two_databases_mail_into_two_outboxes_beside_them(
    tmp_path: Path, registry: PluginRegistry
) -> None:
    """A demo and a real database in one folder: each one's mail lands beside it."""
    for stem in ("demo", "real"):
        db = open_database(tmp_path / f"{stem}.db", registry.migrations)
        transport_from_settings(db).send(invitation(f"{stem}-1", subject=f"From {stem}"))
        db.close()
    for stem in ("demo", "real"):
        box = mailbox.Maildir(tmp_path / f"{stem}-outbox", create=False)
        assert [m["Subject"] for m in box] == [f"From {stem}"]


def test_the_default_database_keeps_the_user_data_outbox(
    tmp_path: Path, registry: PluginRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    db = open_database(default_db_path(), registry.migrations)
    try:
        default = transport_from_settings(db)
    finally:
        db.close()
    assert isinstance(default, MaildirTransport)
    assert default.path == tmp_path / "xdg" / "panelist" / "outbox" == default_outbox_path()


def test_smtp_settings_without_a_username_never_ask_for_a_password(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PANELIST_SMTP_PASSWORD", "not used")
    set_setting(db, "mail_transport", "smtp")
    set_setting(db, "smtp_host", "smtp.northwind.example")
    transport = transport_from_settings(db)
    assert transport == SmtpTransport("smtp.northwind.example", 587, "starttls", None, None, 30.0)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"mail_transport": "carrier-pigeon"},
            "setting mail_transport: expected 'maildir' or 'smtp', got 'carrier-pigeon'",
        ),
        ({"mail_transport": "smtp"}, "setting smtp_host is empty"),
        (
            {"mail_transport": "smtp", "smtp_host": "mx", "smtp_security": "ssl"},
            "setting smtp_security: expected one of starttls, tls, none, got 'ssl'",
        ),
        (
            {"mail_transport": "smtp", "smtp_host": "mx", "smtp_port": 70000},
            "setting smtp_port: 70000 is not a port number",
        ),
        (
            {"mail_transport": "smtp", "smtp_host": "mx", "mail_timeout_s": "soon"},
            "setting mail_timeout_s: 'soon' is not a number",
        ),
        (
            {"mail_transport": "smtp", "smtp_host": "mx", "mail_timeout_s": 0},
            "setting mail_timeout_s: must be more than 0, got 0",
        ),
    ],
)
def test_wrong_settings_are_named(db: Database, settings: dict[str, object], message: str) -> None:
    for key, value in settings.items():
        set_setting(db, key, value)
    with pytest.raises(ConfigurationError) as caught:
        transport_from_settings(db)
    assert str(caught.value).startswith(message)
