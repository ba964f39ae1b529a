"""`python -m panelist` behaves like the installed `panelist` command, without the TUI."""

from panelist.cli import main

main()
