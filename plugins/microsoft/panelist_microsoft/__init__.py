"""Microsoft 365 for Panelist: Exchange Online calendars through Microsoft Graph, Teams meetings."""
