"""Secrets (OAuth client secrets, tokens, SMTP passwords): environment or OS keyring only.

Never stored in the database, the config file or logs. The environment wins so
CI and containers can inject secrets; otherwise the keyring service "panelist"
holds them under "<provider>:<name>".
"""

from __future__ import annotations

import logging
import os

from panelist.errors import ConfigurationError

log = logging.getLogger(__name__)
KEYRING_SERVICE = "panelist"


def env_name(provider_id: str, name: str) -> str:
    return f"PANELIST_{provider_id}_{name}".upper().replace("-", "_").replace(".", "_")


def get_secret(provider_id: str, name: str) -> str | None:
    value = os.environ.get(env_name(provider_id, name))
    if value:
        return value
    try:
        import keyring  # imported lazily: backends probe D-Bus and cost start-up time
        from keyring.errors import KeyringError

        try:
            found: str | None = keyring.get_password(KEYRING_SERVICE, f"{provider_id}:{name}")
        except KeyringError as exc:
            log.info("keyring unavailable (%s); using the environment only", type(exc).__name__)
            return None
        return found
    except ImportError:  # pragma: no cover - keyring is a dependency
        return None


def keep_secret(provider_id: str, name: str, value: str) -> None:
    """Into the OS keyring (service "panelist", entry "<provider>:<name>"); nowhere else.
    For ``panelist connect …``: one clear line when no keyring can keep it."""
    import keyring
    from keyring.errors import KeyringError

    try:
        keyring.set_password(KEYRING_SERVICE, f"{provider_id}:{name}", value)
    except (KeyringError, RuntimeError) as exc:
        raise ConfigurationError(
            f"the OS keyring cannot keep secrets here ({type(exc).__name__}); install or "
            f"unlock one (or set PYTHON_KEYRING_BACKEND), or give the secret as "
            f"{env_name(provider_id, name)} instead"
        ) from None
