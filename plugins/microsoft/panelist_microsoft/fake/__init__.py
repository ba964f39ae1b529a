"""The loopback fake Graph and Entra ID behind `panelist_microsoft.testing` (its public face)."""
