"""Full screens and modal dialogs of the Panelist TUI."""
