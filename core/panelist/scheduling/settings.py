"""Scheduling's company settings (keys in `SETTING_DEFAULTS`), read as typed values."""

from __future__ import annotations

from datetime import timedelta

from sqlite_utils import Database

from panelist.errors import ConfigurationError
from panelist.scheduling.outbox import Claimer
from panelist.scheduling.requests import ReminderPolicy
from panelist.scheduling.retry import RetryPolicy
from panelist.services.directory import get_setting


def _positive(db: Database, key: str) -> float:
    value = get_setting(db, key)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigurationError(f"setting {key}: {value!r} is not a number") from None
    if not number > 0:
        raise ConfigurationError(f"setting {key}: must be more than 0, got {value!r}")
    return number


def retry_policy(db: Database) -> RetryPolicy:
    return RetryPolicy(
        budget_seconds=_positive(db, "provider_retry_budget_s"),
        call_timeout_seconds=_positive(db, "provider_call_timeout_s"),
    )


def claimer_for(db: Database) -> Claimer:
    return Claimer(lease=timedelta(minutes=_positive(db, "outbox_claim_minutes")))


def default_reminder_policy(db: Database) -> ReminderPolicy:
    value = get_setting(db, "evaluation_reminder_policy")
    if not isinstance(value, dict):
        raise ConfigurationError("setting evaluation_reminder_policy: expected an object")
    return ReminderPolicy.from_mapping(value)
