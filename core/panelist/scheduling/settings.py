"""Scheduling's company settings (keys in `SETTING_DEFAULTS`), read as typed values."""

from __future__ import annotations

from datetime import timedelta

from sqlite_utils import Database

from panelist.errors import ConfigurationError
from panelist.retry import RetryPolicy
from panelist.scheduling.outbox import Claimer
from panelist.scheduling.requests import ReminderPolicy
from panelist.services.directory import get_setting, positive_setting


def retry_policy(db: Database) -> RetryPolicy:
    return RetryPolicy(
        budget_seconds=positive_setting(db, "provider_retry_budget_s"),
        call_timeout_seconds=positive_setting(db, "provider_call_timeout_s"),
    )


def claimer_for(db: Database) -> Claimer:
    return Claimer(lease=timedelta(minutes=positive_setting(db, "outbox_claim_minutes")))


def default_reminder_policy(db: Database) -> ReminderPolicy:
    value = get_setting(db, "evaluation_reminder_policy")
    if not isinstance(value, dict):
        raise ConfigurationError("setting evaluation_reminder_policy: expected an object")
    return ReminderPolicy.from_mapping(value)
