"""The applications list: a DataTable whose columns fit the terminal's width."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from panelist.models import ApplicationSummary
from panelist_tui.formatting import applied_on, fit
from panelist_tui.glyphs import Glyphs

WIDE = 110
"""From this many columns on, the table adds the candidate's email (116 beside the
Status pane on a 160-column terminal)."""


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int


def plan_columns(total_width: int) -> list[Column]:
    """Fixed columns keep their width; candidate, (email) and job share the rest."""
    wide = total_width >= WIDE
    fixed = [Column("stage", "Stage", 9), Column("applied", "Applied", 10)]
    fixed.append(Column("interviews", "Interviews" if wide else "#Int", 10 if wide else 4))
    flexible = ["candidate", "email", "job"] if wide else ["candidate", "job"]
    shares = {"candidate": 0.28, "email": 0.34, "job": 0.38} if wide else {"candidate": 0.45}
    # One cell of padding either side of each column, and room for the scrollbar.
    columns_count = len(fixed) + len(flexible)
    free = max(total_width - 2 - 2 * columns_count - sum(c.width for c in fixed), 24)
    widths: dict[str, int] = {}
    for key in flexible[:-1]:
        widths[key] = int(free * shares[key])
    widths[flexible[-1]] = free - sum(widths.values())
    labels = {"candidate": "Candidate", "email": "Email", "job": "Job"}
    flex = [Column(key, labels[key], widths[key]) for key in flexible]
    return [*flex, *fixed]


class ApplicationTable(DataTable[str]):
    """Rows are keyed by application id (as a string)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "select_cursor", "Open", show=True)]

    def __init__(self, glyphs: Glyphs, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self._glyphs = glyphs
        self._applications: list[ApplicationSummary] = []
        self._plan: list[Column] = []
        self.expected_width = 0
        """The width the screen will give it, so the rows are built once, before the
        first layout (a Resize with another width builds them again)."""

    @property
    def applications(self) -> list[ApplicationSummary]:
        return list(self._applications)

    def show(self, applications: Sequence[ApplicationSummary]) -> None:
        """Replace the rows, keeping the cursor on the same application when it is still listed."""
        current = self.current_application_id
        self._applications = list(applications)
        if self._width:  # else the first Resize builds them
            self._rebuild(keep=current)

    @property
    def _width(self) -> int:
        return self.size.width or self.expected_width

    @property
    def current_application_id(self) -> int | None:
        if not self._applications or self.cursor_row >= len(self._applications):
            return None
        return self._applications[max(self.cursor_row, 0)].id

    def _rebuild(self, keep: int | None) -> None:
        plan = plan_columns(self._width)
        if plan != self._plan:
            self.clear(columns=True)
            for column in plan:
                self.add_column(column.label, width=column.width, key=column.key)
            self._plan = plan
        else:
            self.clear()
        for application in self._applications:
            self.add_row(*self._cells(application), key=str(application.id))
        if keep is not None:
            ids = [a.id for a in self._applications]
            if keep in ids:
                self.move_cursor(row=ids.index(keep), animate=False)

    def _cells(self, application: ApplicationSummary) -> list[str]:
        values = {
            "candidate": application.candidate_name,
            "email": application.candidate_email,
            "job": application.job_title,
            "stage": application.stage.label,
            "applied": applied_on(application.applied_on),
            "interviews": str(application.interview_count),
        }
        cells = []
        for column in self._plan:
            value = values[column.key]
            if column.key == "interviews":
                value = value.rjust(column.width)
            cells.append(fit(value, column.width, self._glyphs))
        return cells

    def on_resize(self, event: events.Resize) -> None:
        if not self._plan or plan_columns(event.size.width) != self._plan:
            self._rebuild(keep=self.current_application_id)
