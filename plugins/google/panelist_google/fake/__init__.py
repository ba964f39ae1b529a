"""The loopback fake Google behind `panelist_google.testing` (its public face)."""
