"""The loopback fake of GoTo's sign-in and GoToMeeting API (see `panelist_gotomeeting.testing`)."""
