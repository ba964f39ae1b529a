"""Registration, start-up cost and settings of the CalDAV plugin (no server needed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from panelist.cli import build_cli
from panelist.clock import FrozenClock
from panelist.errors import ConfigurationError
from panelist.plugins import PluginRegistry
from panelist.providers import CalendarCapability, ProviderContext
from panelist.storage.database import open_database
from panelist.storage.migrations import MigrationSet
from panelist_caldav.config import CalDAVSettings, object_url
from panelist_caldav.migrations import caldav_migrations
from panelist_caldav.provider import CalDAVCalendarProvider, uid_for


def test_importing_the_plugin_does_not_import_caldav() -> None:
    # In a fresh interpreter: this test process has long imported caldav.
    code = (
        "import json, sys, panelist_caldav.plugin;"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    loaded = set(json.loads(out))
    assert "panelist_caldav" in loaded
    assert not loaded & {"caldav", "niquests", "urllib3_future", "icalendar"}, loaded


def test_registered_through_the_entry_point(registry: PluginRegistry) -> None:
    status = next(p for p in registry.plugins if p.name == "caldav")
    assert status.ok and status.providers == ["caldav"]
    provider_class = registry.calendar_provider("caldav")
    assert provider_class is CalDAVCalendarProvider
    assert "caldav" in {m.scope for m in registry.migrations}
    assert {o.name for o in provider_class.options} >= {"url", "username", "password"}
    password = next(o for o in provider_class.options if o.name == "password")
    assert password.kind == "secret"  # never stored in provider_settings
    assert CalendarCapability.IDEMPOTENT_CREATE in provider_class.capabilities
    assert "doctor" in build_cli().commands


def test_settings_are_checked_with_messages_naming_the_setting() -> None:
    bad = {
        "": "no server URL",
        "ftp://dav.example.com/": r"not an http\(s\) URL",
        "https://bob:secret@dav.example.com/": "not in the URL",
    }
    for url, expected in bad.items():
        with pytest.raises(ConfigurationError, match=expected):
            CalDAVSettings.from_mapping({"url": url})
    with pytest.raises(ConfigurationError, match="auth_type 'kerberos'"):
        CalDAVSettings.from_mapping({"url": "https://dav.example.com", "auth_type": "kerberos"})
    with pytest.raises(ConfigurationError, match="timeout"):
        CalDAVSettings.from_mapping({"url": "https://dav.example.com", "timeout": "soon"})
    settings = CalDAVSettings.from_mapping({"url": "https://dav.example.com/dav"})
    assert (settings.url, settings.auth_type, settings.timeout) == (
        "https://dav.example.com/dav/",
        "basic",
        20.0,
    )


def test_a_provider_without_settings_refuses_to_start(clock: FrozenClock) -> None:
    with pytest.raises(ConfigurationError, match="no server URL"):
        CalDAVCalendarProvider(ProviderContext(database=None, clock=clock))


def test_calendar_ids_are_paths_on_the_configured_server() -> None:
    settings = CalDAVSettings.from_mapping({"url": "https://dav.example.com/remote.php/dav/"})
    assert (
        settings.calendar_url("calendars/ana/interviews")
        == "https://dav.example.com/remote.php/dav/calendars/ana/interviews/"
    )
    assert settings.calendar_url("/ana/work/") == "https://dav.example.com/ana/work/"
    same_host = "https://DAV.example.com/remote.php/dav/calendars/room-amstel/"
    assert settings.calendar_url(same_host) == same_host
    with pytest.raises(ConfigurationError, match="only sent to the configured server"):
        settings.calendar_url("https://evil.example.net/calendars/ana/")
    assert object_url("https://dav.example.com/ana/work/", "a b@c") == (
        "https://dav.example.com/ana/work/a%20b@c.ics"
    )


def test_uids_come_from_the_idempotency_key_alone() -> None:
    assert uid_for("interview-17-ana") == uid_for("interview-17-ana")
    assert uid_for("interview-17-ana") != uid_for("interview-17-bob")


def test_the_private_cache_table_of_before_is_dropped(tmp_path: Path) -> None:
    """A database made when the plugin kept its own cache loses that table on upgrade."""
    path = tmp_path / "panelist.db"
    old = MigrationSet("caldav")
    old(caldav_migrations.steps[0])
    db = open_database(path, [old])
    db["caldav_cache_objects"].insert({"calendar_id": "ana/", "href": "/ana/a.ics", "uid": "a"})
    db.conn.commit()
    db.close()

    db = open_database(path, [caldav_migrations])
    assert "caldav_cache_objects" not in db.table_names()
    db.close()
