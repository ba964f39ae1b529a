"""Loading plugins: entry points in the group ``panelist``, built-ins included.

Nothing happens at import time; `get_plugin_manager()` and `load_registry()`
do the work once per process (tests build fresh ones with `build_registry`).

Environment:
- ``PANELIST_PLUGINS``: comma-separated allow list of plugin (entry point) names;
  when set, only these load.
- ``PANELIST_BLOCK_PLUGINS``: comma-separated names that never load.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any, TypeVar

import pluggy

from panelist import hookspecs
from panelist.errors import ConfigurationError
from panelist.providers import CalendarProvider, ConferenceProvider, Provider
from panelist.storage.migrations import MigrationSet

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "panelist"
P = TypeVar("P", bound=Provider)
BUILTIN_DISTRIBUTION = "panelist"


@dataclass
class PluginStatus:
    """One plugin as `panelist plugins` reports it."""

    name: str
    version: str
    distribution: str
    providers: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class PluginRegistry:
    """What the loaded plugins contributed."""

    plugin_manager: pluggy.PluginManager
    plugins: list[PluginStatus]
    calendar_providers: dict[str, type[CalendarProvider]]
    conference_providers: dict[str, type[ConferenceProvider]]
    migrations: list[MigrationSet]

    @property
    def failures(self) -> list[PluginStatus]:
        return [p for p in self.plugins if not p.ok]

    def calendar_provider(self, provider_id: str) -> type[CalendarProvider]:
        return _installed(self.calendar_providers, provider_id, "calendar")

    def calendar_id_problem(
        self, provider_id: str, settings: Mapping[str, str], calendar_id: str
    ) -> str | None:
        """The provider's objection to storing `calendar_id` (e.g. another server), or None."""
        return self.calendar_provider(provider_id).check_calendar_id(settings, calendar_id)

    def conference_provider(self, provider_id: str) -> type[ConferenceProvider]:
        return _installed(self.conference_providers, provider_id, "video")


def _installed(providers: dict[str, type[P]], provider_id: str, kind: str) -> type[P]:
    try:
        return providers[provider_id]
    except KeyError:
        installed = ", ".join(sorted(providers)) or "none"
        raise ConfigurationError(
            f"no {kind} provider {provider_id!r} is installed (installed: {installed})"
        ) from None


def _names_from_env(variable: str) -> set[str] | None:
    raw = os.environ.get(variable)
    if raw is None:
        return None
    return {name.strip() for name in raw.split(",") if name.strip()}


def _selected_entry_points() -> list[EntryPoint]:
    allowed = _names_from_env("PANELIST_PLUGINS")
    blocked = _names_from_env("PANELIST_BLOCK_PLUGINS") or set()
    chosen = [
        ep
        for ep in entry_points(group=ENTRY_POINT_GROUP)
        if (allowed is None or ep.name in allowed) and ep.name not in blocked
    ]

    # Built-ins first, then third parties by name: when two plugins claim one
    # provider id, the built-in keeps it and the order is the same on every machine.
    def order(ep: EntryPoint) -> tuple[bool, str]:
        return (_distribution_name(ep) != BUILTIN_DISTRIBUTION, ep.name)

    return sorted(chosen, key=order)


def _distribution_name(ep: EntryPoint) -> str:
    return ep.dist.name if ep.dist is not None else "?"


def _distribution_version(ep: EntryPoint) -> str:
    return ep.dist.version if ep.dist is not None else "?"


def _new_plugin_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager("panelist")
    pm.add_hookspecs(hookspecs)
    return pm


def _load_entry_points(pm: pluggy.PluginManager, eps: Iterable[EntryPoint]) -> list[PluginStatus]:
    statuses = []
    for ep in eps:
        status = PluginStatus(ep.name, _distribution_version(ep), _distribution_name(ep))
        statuses.append(status)
        try:
            module = ep.load()
            pm.register(module, name=ep.name)
        except Exception as exc:  # a broken plugin must not take the app down
            status.error = f"could not be loaded: {type(exc).__name__}: {exc}"
            log.warning("plugin %s skipped: %s", ep.name, status.error)
    pm.check_pending()
    return statuses


# Abstract base classes are passed as values here on purpose (for issubclass checks).
_CALENDAR_BASE: Any = CalendarProvider
_CONFERENCE_BASE: Any = ConferenceProvider


def _collect(
    hook: Any,
    base: type[P],
    kind: str,
    by_name: dict[str, PluginStatus],
) -> tuple[dict[str, type[P]], dict[str, str]]:
    """Call a register_* hook plugin by plugin, so one bad plugin is rejected alone."""
    found: dict[str, type[P]] = {}
    owner: dict[str, str] = {}
    # get_hookimpls() lists in registration order: built-ins first, see _selected_entry_points.
    for impl in hook.get_hookimpls():
        status = by_name.get(impl.plugin_name)
        if status is not None and not status.ok:
            continue
        mine: dict[str, type[P]] = {}

        def register(
            provider_class: type[P],
            _mine: dict[str, type[P]] = mine,
            _plugin: str = impl.plugin_name,
        ) -> None:
            if not (isinstance(provider_class, type) and issubclass(provider_class, base)):
                raise TypeError(f"{provider_class!r} is not a {base.__name__} subclass")
            provider_id = provider_class.id
            if provider_id in found or provider_id in _mine:
                holder = owner.get(provider_id, _plugin)
                raise ValueError(
                    f"{kind} provider id {provider_id!r} is already registered by plugin {holder!r}"
                )
            _mine[provider_id] = provider_class

        try:
            impl.function(register=register)
        except Exception as exc:
            if status is not None:
                status.error = f"rejected: {exc}"
                status.providers.clear()
            log.warning("plugin %s skipped: %s", impl.plugin_name, exc)
            continue
        found.update(mine)
        owner.update(dict.fromkeys(mine, impl.plugin_name))
        if status is not None:
            status.providers.extend(mine)
    return found, owner


def build_registry(
    entry_points_to_load: Iterable[EntryPoint] | None = None,
    extra_plugins: Iterable[tuple[str, object]] = (),
) -> PluginRegistry:
    """Load plugins and collect what they register. `extra_plugins` is for tests."""
    pm = _new_plugin_manager()
    eps = _selected_entry_points() if entry_points_to_load is None else list(entry_points_to_load)
    statuses = _load_entry_points(pm, eps)
    for name, plugin in extra_plugins:
        pm.register(plugin, name=name)
        statuses.append(PluginStatus(name, "?", "?"))
    by_name = {s.name: s for s in statuses}

    calendar, calendar_owner = _collect(
        pm.hook.register_calendar_providers, _CALENDAR_BASE, "calendar", by_name
    )
    conference, conference_owner = _collect(
        pm.hook.register_conference_providers, _CONFERENCE_BASE, "video", by_name
    )
    # A plugin rejected while registering one kind loses what it registered of the other.
    rejected = {s.name for s in statuses if not s.ok}
    calendar = {k: v for k, v in calendar.items() if calendar_owner[k] not in rejected}
    conference = {k: v for k, v in conference.items() if conference_owner[k] not in rejected}

    migrations: list[MigrationSet] = []
    for impl in pm.hook.register_migrations.get_hookimpls():
        if impl.plugin_name in rejected:
            continue
        impl.function(register=migrations.append)
    return PluginRegistry(pm, statuses, calendar, conference, migrations)


@functools.cache
def load_registry() -> PluginRegistry:
    """The process-wide registry, built on first use."""
    return build_registry()


def get_plugin_manager() -> pluggy.PluginManager:
    return load_registry().plugin_manager


def register_commands(cli: Callable[..., Any]) -> None:
    """Let plugins add CLI sub-commands; a plugin that fails here is logged, not fatal."""
    for impl in get_plugin_manager().hook.register_commands.get_hookimpls():
        try:
            impl.function(cli=cli)
        except Exception as exc:
            log.warning("plugin %s could not add commands: %s", impl.plugin_name, exc)
