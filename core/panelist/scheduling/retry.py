"""Moved to `panelist.retry` (the calendar sync uses it too); this path keeps working."""

from panelist.retry import RetryPolicy, Sleep, as_provider_error, is_retryable, with_retries

__all__ = ["RetryPolicy", "Sleep", "as_provider_error", "is_retryable", "with_retries"]
