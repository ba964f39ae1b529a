"""Moved to `panelist.storage.transaction` (the calendar cache uses it too); this path works."""

from panelist.storage.transaction import immediate

__all__ = ["immediate"]
