"""Panelist: schedule job interviews against real calendars, from the terminal."""

from importlib.metadata import PackageNotFoundError, version

from panelist.hookspecs import hookimpl

try:
    __version__ = version("panelist")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__", "hookimpl"]
