"""Errors that carry a message fit to show a recruiter or an admin, in one line."""

from __future__ import annotations


class PanelistError(Exception):
    """Base of every error Panelist reports to a person. `str(error)` is the message."""


class ConfigurationError(PanelistError):
    """Settings, config file or command-line options are wrong."""


class ForeignOrigin(ConfigurationError):
    """A calendar id or href would send a provider's credentials to another server."""


class NotFound(PanelistError):
    """A record that was asked for does not exist (or is not visible to this user)."""


class PermissionDenied(PanelistError):
    """The current user's recruiting role does not grant this."""


class ValidationError(PanelistError):
    """Input broke a rule; `field` names what was wrong when there is one field to blame."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ImportFailed(PanelistError):
    """An import file was rejected as a whole; nothing was written."""


class StorageError(PanelistError):
    """The database file cannot be used now: read-only, disk full, damaged, unreadable."""


class DatabaseBusy(StorageError):
    """Another Panelist held the write lock for longer than this one would wait."""


class SchemaTooNew(PanelistError):
    """The database was written by a newer Panelist than this one."""


class ProviderError(PanelistError):
    """A calendar or conference provider failed. `retryable` says whether trying again may help."""

    retryable = False

    def __init__(self, message: str, *, provider: str = "", retry_after: float | None = None):
        super().__init__(message)
        self.provider = provider
        self.retry_after = retry_after


class NotSupported(ProviderError):
    """The provider does not offer this capability."""


class CursorExpired(ProviderError):
    """`sync` cannot continue from the cursor it was given (Google 410, Graph delta expiry,
    a CalDAV sync token refused): the caller starts again with `sync(calendar_id, None)`."""


class EventNotFound(ProviderError):
    """The event or meeting does not exist at the provider (any more)."""


class ProviderConflict(ProviderError):
    """The provider refused a write because the item changed or already exists (409/412)."""


class AuthenticationFailed(ProviderError):
    """Credentials were missing or refused."""


class ProviderUnavailable(ProviderError):
    """Timeouts, 5xx, dropped connections, rate limits: worth retrying later."""

    retryable = True
