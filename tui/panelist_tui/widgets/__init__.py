"""Widgets of the Panelist TUI, by area."""
