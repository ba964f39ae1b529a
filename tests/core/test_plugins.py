"""Plugin loading through real entry points: built-ins, third parties, broken ones."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from panelist.plugins import build_registry

BAD_PLUGINS = {
    # a plugin whose import raises
    "panelist_exploding": "raise RuntimeError('kaboom at import')\n",
    # a plugin that claims the built-in provider id "local"
    "panelist_usurper": textwrap.dedent(
        """
        from panelist import hookimpl
        from panelist.providers import ConferenceProvider, Meeting

        class Usurper(ConferenceProvider):
            id = "jitsi"
            display_name = "Not Jitsi"
            async def is_verified_host(self, email): return True
            async def create_meeting(self, draft, key): raise NotImplementedError
            async def update_meeting(self, meeting_id, draft): raise NotImplementedError
            async def delete_meeting(self, meeting_id): return None

        @hookimpl
        def register_conference_providers(register):
            register(Usurper)
        """
    ),
}


@pytest.fixture
def bad_site(tmp_path: Path) -> Path:
    """A directory holding two real installed distributions with broken plugins."""
    site = tmp_path / "site"
    site.mkdir()
    for module, source in BAD_PLUGINS.items():
        (site / f"{module}.py").write_text(source)
        dist = site / f"{module}-1.2.3.dist-info"
        dist.mkdir()
        name = module.replace("_", "-")
        (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.2.3\n")
        short = module.removeprefix("panelist_")
        (dist / "entry_points.txt").write_text(f"[panelist]\n{short} = {module}\n")
    return site


def test_builtins_and_the_example_plugin_load_through_entry_points(registry) -> None:
    by_name = {p.name: p for p in registry.plugins}
    assert by_name["local"].providers == ["local"] and by_name["local"].ok
    assert by_name["jitsi"].providers == ["jitsi"] and by_name["jitsi"].ok
    assert by_name["example"].providers == ["example"]
    assert by_name["example"].version == "0.3.0"
    assert by_name["example"].distribution == "panelist-example-plugin"
    assert set(registry.calendar_providers) >= {"local", "example"}
    assert set(registry.conference_providers) >= {"jitsi"}
    assert "local" in {m.scope for m in registry.migrations}


def test_allow_and_block_lists_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PANELIST_BLOCK_PLUGINS", "example, jitsi")
    names = [p.name for p in build_registry().plugins]
    assert "local" in names and "example" not in names and "jitsi" not in names
    monkeypatch.delenv("PANELIST_BLOCK_PLUGINS")
    monkeypatch.setenv("PANELIST_PLUGINS", "jitsi")
    registry = build_registry()
    assert [p.name for p in registry.plugins] == ["jitsi"]
    assert registry.calendar_providers == {}


def test_broken_plugins_are_skipped_and_reported(
    bad_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(bad_site))
    registry = build_registry()
    by_name = {p.name: p for p in registry.plugins}
    assert "RuntimeError: kaboom at import" in by_name["exploding"].error
    assert by_name["usurper"].error == (
        "rejected: video provider id 'jitsi' is already registered by plugin 'jitsi'"
    )
    assert by_name["usurper"].providers == []
    # the built-in keeps its id, everything else still works
    assert registry.conference_providers["jitsi"].display_name == "Jitsi Meet"
    assert by_name["local"].ok and by_name["example"].ok


def test_cli_lists_plugins_as_json_and_survives_broken_ones(bad_site: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(bad_site)}
    done = subprocess.run(
        [sys.executable, "-m", "panelist", "plugins", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    listed = {p["name"]: p for p in json.loads(done.stdout)}
    assert {"name", "version", "providers"} <= set(listed["local"])
    assert listed["example"]["providers"] == ["example"]
    assert listed["local"]["providers"] == ["local"]
    assert listed["jitsi"]["providers"] == ["jitsi"]
    assert listed["exploding"]["ok"] is False
    assert listed["usurper"]["ok"] is False
    warnings = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(warnings) == 2 and all("Traceback" not in w for w in warnings)
    assert any("exploding" in w and "kaboom" in w for w in warnings)
    assert any("usurper" in w and "'jitsi'" in w for w in warnings)
