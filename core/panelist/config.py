"""The user's config file: ``<user config dir>/panelist/config.toml``.

    user = "rosa.jansen@example.com"   # who I am (else the OS account mapping)
    db = "~/work/panelist.db"          # where the database lives (else PANELIST_DB / default)
    authorized_keys = "~/.ssh/authorized_keys"  # what `panelist access` writes (this default)

Secrets never go here: they come from the OS keyring or the environment.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from panelist.errors import ConfigurationError

CONFIG_ENV = "PANELIST_CONFIG"


@dataclass(frozen=True)
class Config:
    user: str | None = None
    db: str | None = None
    authorized_keys: str | None = None


SETTINGS = ("user", "db", "authorized_keys")


def default_config_path() -> Path:
    """The account's own config file, whatever the environment says."""
    return Path(platformdirs.user_config_dir("panelist", appauthor=False)) / "config.toml"


def config_path() -> Path:
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV]).expanduser()
    return default_config_path()


def load_config(path: Path | None = None) -> Config:
    path = path or config_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Config()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"{path}: {exc}") from None
    unknown = set(data) - set(SETTINGS)
    if unknown:
        raise ConfigurationError(f"{path}: unknown setting {sorted(unknown)[0]!r}")
    for key in SETTINGS:
        if key in data and not isinstance(data[key], str):
            raise ConfigurationError(f"{path}: {key} must be a string")
    return Config(**{key: data.get(key) for key in SETTINGS})
