"""New interview and edit (reschedule) interview: the form of SPEC §2.2–2.9 and §5.

The form decides nothing itself: the choices come from
`panelist.services.interview_form`, the rules from `SchedulingService.check` (a new
interview) or `check_reschedule` (moving one), and
booking from `SchedulingService.invite` / `reschedule`, run in a worker so that the
screen keeps answering while providers are asked. A move first shows the candidate's
new-time mail in the composer (`ChangeComposerScreen`) when the candidate is to get one.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import (
    Button,
    Header,
    Input,
    Label,
    LoadingIndicator,
    OptionList,
    Select,
    Static,
)
from textual.widgets.option_list import Option

from panelist.availability import resolve_local
from panelist.errors import PanelistError, ValidationError
from panelist.models import Employee, InterviewStatus, Method
from panelist.scheduling import (
    InterviewRecord,
    InterviewRequest,
    MailDraft,
    MailEdit,
    OutboxIncomplete,
    ParticipantRequest,
    ReminderPolicy,
    SchedulingService,
    StepEvent,
    load_interview,
)
from panelist.services.directory import get_employee
from panelist.services.hosts import verify_host
from panelist.services.interview_form import (
    FormChoices,
    form_choices,
    search_participants,
    video_choices,
)
from panelist.timezones import clocks_agree
from panelist_tui.formatting import fit, time_span
from panelist_tui.messages import ChosenTime
from panelist_tui.screens.find_time import FindTimeScreen
from panelist_tui.widgets.footer import KeysFooter
from panelist_tui.widgets.interviews import PENCIL, PENCIL_ASCII

if TYPE_CHECKING:
    from panelist_tui.app import PanelistApp

MAX_NOTES = 4000
DATE_HINT = "YYYY-MM-DD"
TIME_HINT = "HH:MM"

SHOW_BUSY_AFTER_S = 0.3
"""Work that answers sooner draws no busy state (see `_set_busy`)."""

ERROR_TARGETS = {
    "type": "type",
    "organiser": "organiser",
    "participants": "participants",
    "start": "time",
    "end": "time",
    "timezone": "time",
    "room": "room",
    "method": "video",
    "video_host": "video",
    "video_provider": "video",
    "evaluation_form": "evaluation",
    "reminder_policy": "evaluation",
    "notes": "notes",
}
"""Which error line under which group shows a `ValidationError` of a given field."""


@dataclass(frozen=True)
class ChosenSpan:
    start: datetime
    end: datetime
    room_id: int | None


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def parse_span(
    day: str, start: str, end: str, zone_name: str
) -> tuple[datetime | None, datetime | None, list[str]]:
    """The typed date and times as aware instants, or what is wrong with them. A time the
    clocks skip that day is a problem, a repeated one its first pass: core's rule
    (`resolve_local`); whether the time is allowed is core's call too."""
    problems: list[str] = []
    parsed_day: date | None = None
    parsed_start: time | None = None
    parsed_end: time | None = None
    if not day.strip():
        problems.append("enter a date")
    else:
        try:
            parsed_day = date.fromisoformat(day.strip())
        except ValueError:
            problems.append(f"write the date as {DATE_HINT}")
    for label, text in (("start", start), ("end", end)):
        if not text.strip():
            problems.append(f"enter the {label} time")
            continue
        try:
            moment = time.fromisoformat(text.strip())
        except ValueError:
            problems.append(f"write the {label} time as {TIME_HINT}")
            continue
        if label == "start":
            parsed_start = moment
        else:
            parsed_end = moment
    if not (day.strip() or start.strip() or end.strip()):
        problems = ["enter the date and times, or find a time in the calendar"]
    if parsed_day is None or parsed_start is None or parsed_end is None:
        return None, None, problems
    try:
        first = resolve_local(datetime.combine(parsed_day, parsed_start), zone_name, strict=True)
        last = resolve_local(datetime.combine(parsed_day, parsed_end), zone_name, strict=True)
    except ValidationError as error:
        return None, None, [*problems, str(error)]
    return first, last, problems


class ParticipantRow(Horizontal):
    """One participant: name (⚠ when the calendar is not integrated), role, remove."""

    def __init__(
        self, person: Employee, roles: list[tuple[str, int]], role_id: int | None, warning: str
    ) -> None:
        super().__init__(classes="participant-row", id=f"participant-{person.id}")
        self.person = person
        self._roles = roles
        self._role_id = role_id
        self._warning = warning

    def compose(self) -> ComposeResult:
        name = Content(self.person.name)
        if not self.person.calendar_integrated:
            name = Content.assemble(self.person.name, " ", (self._warning, "bold $text-warning"))
        yield Label(name, classes="participant-name")
        yield Select[int](
            self._roles,
            prompt="Role?",
            value=self._role_id if self._role_id is not None else Select.NULL,
            classes="participant-role",
            id=f"role-{self.person.id}",
            compact=True,
        )
        yield Button(
            "Remove", classes="participant-remove", id=f"remove-{self.person.id}", compact=True
        )

    @property
    def role_id(self) -> int | None:
        value = self.query_one(Select).value
        return value if isinstance(value, int) else None


class InterviewFormScreen(Screen[int | None]):
    """New interview (`interview_id=None`) or reschedule an existing one; dismisses with the
    interview's id once it is booked, None when left without booking."""

    app: PanelistApp

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", tooltip="Leave the form without inviting"),
        Binding("ctrl+f", "find_time", "Find a time", tooltip="Find a time in the calendar"),
        Binding("ctrl+s", "invite", "Invite", tooltip="Invite interviewers"),
        Binding(
            "ctrl+r",
            "check_host",
            "Check host",
            tooltip="Ask the video providers again whether the host may host",
        ),
    ]

    def __init__(self, application_id: int, interview_id: int | None = None) -> None:
        super().__init__(id="interview-form-screen")
        self.application_id = application_id
        self.interview_id = interview_id
        self.request_key = f"tui-{uuid.uuid4()}"
        self.record: InterviewRecord | None = None
        self.choices: FormChoices | None = None
        self.booked_id: int | None = None
        """Set once the interview exists (Retry then finishes its outbox)."""
        self.errors: dict[str, list[str]] = {}
        self.busy = False
        self._busy_text = ""
        self._busy_timer: Timer | None = None
        self._chosen: tuple[datetime, datetime] | None = None
        """The span last set from instants (the calendar, the interview being edited)."""
        self._people: dict[int, Employee] = {}

    # ----------------------------------------------------------------- layout

    @property
    def editing(self) -> bool:
        return self.interview_id is not None

    def _pencil(self) -> str:
        return PENCIL_ASCII if self.app.ascii else PENCIL

    def compose(self) -> ComposeResult:
        yield Header(icon=self.app.glyphs.app_icon)
        yield Static(id="form-title")
        with VerticalScroll(id="form-body"):
            yield from self._who_rows()
            with Horizontal(classes="form-row"):
                yield Label("Date", classes="form-label")
                yield Input(
                    placeholder=DATE_HINT, id="date", max_length=10, classes="date", compact=True
                )
                yield Input(
                    placeholder=TIME_HINT, id="start", max_length=5, classes="clock", compact=True
                )
                yield Label(self.app.glyphs.dash, classes="form-dash")
                yield Input(
                    placeholder=TIME_HINT, id="end", max_length=5, classes="clock", compact=True
                )
                yield Label(id="zone")
            yield Static(id="zone-hint")
            with Horizontal(classes="form-row"):
                yield Label("", classes="form-label")
                yield Button(
                    "Find a time in the calendar", id="find-time", disabled=True, compact=True
                )
            yield Static(classes="form-error", id="time-error")
            yield from self._how_rows()
            with Horizontal(classes="form-row"):
                yield Label("Evaluation", classes="form-label")
                yield Select[int]([], prompt="No evaluation form", id="evaluation", compact=True)
                yield Label("remind after", classes="form-hint")
                yield Input("1", id="reminder-hours", max_length=4, classes="hours", compact=True)
                yield Label("h", classes="form-hint")
            yield Static(classes="form-error", id="evaluation-error")
            with Horizontal(classes="form-row"):
                yield Label("Notes", classes="form-label")
                yield Input(placeholder="Copied into the calendar event", id="notes", compact=True)
            yield Static(classes="form-error", id="notes-error")
            yield Static(classes="form-error", id="general-error")
        with Horizontal(id="form-actions"):
            yield LoadingIndicator(id="form-busy")
            yield Static(id="form-status")
            yield Button("Retry", id="retry", variant="warning", compact=True)
            yield Button("Invite interviewers", id="invite", variant="primary", compact=True)
        yield KeysFooter()

    def _who_rows(self) -> ComposeResult:
        """Type, organiser and participants: the form's first rows (the link form's too)."""
        with Horizontal(classes="form-row"):
            yield Label("Type", classes="form-label")
            yield Select[int]([], prompt="Choose a type", id="type", compact=True)
        yield Static(classes="form-error", id="type-error")
        with Horizontal(classes="form-row"):
            yield Label("Organiser", classes="form-label")
            yield Select[int]([], prompt="Choose the organiser", id="organiser", compact=True)
        yield Static(classes="form-error", id="organiser-error")
        with Horizontal(classes="form-row"):
            yield Label("Participants", classes="form-label")
            yield Input(
                placeholder="Type a name to add a participant",
                id="participant-search",
                max_length=200,
                compact=True,
            )
        yield OptionList(id="participant-matches")
        yield Vertical(id="participants")
        yield Static(id="participants-legend")
        yield Static(classes="form-error", id="participants-error")

    def _how_rows(self) -> ComposeResult:
        """Room, method and video host: the rows after the time (the link form's too)."""
        with Horizontal(classes="form-row"):
            yield Label("Room", classes="form-label")
            yield Select[int]([], prompt="No room", id="room", compact=True)
        yield Static(classes="form-error", id="room-error")
        with Horizontal(classes="form-row"):
            yield Label("Method", classes="form-label")
            yield Select[Method](
                [(method.label, method) for method in Method],
                allow_blank=False,
                value=Method.IN_PERSON,
                id="method",
                compact=True,
            )
        with Horizontal(classes="form-row", id="video-row"):
            yield Label("Host", classes="form-label")
            yield Select[int]([], prompt="Video host", id="host", compact=True)
            yield Select[str]([], prompt="Provider", id="provider", compact=True)
        yield Static(classes="form-error", id="video-error")

    # ----------------------------------------------------------------- widgets

    def _select(self, selector: str) -> Select[Any]:
        return self.query_one(selector, Select)

    def _input(self, selector: str) -> Input:
        return self.query_one(selector, Input)

    @property
    def rows(self) -> list[ParticipantRow]:
        return list(self.query(ParticipantRow))

    @property
    def participant_ids(self) -> list[int]:
        return [row.person.id for row in self.rows]

    def _value(self, selector: str) -> Any:
        value = self._select(selector).value
        return None if value is Select.NULL else value

    # ----------------------------------------------------------------- mounting

    async def on_mount(self) -> None:
        self.query_one("#form-busy").display = False
        self.query_one("#retry").display = False
        self.query_one("#participant-matches").display = False
        try:
            self.choices = form_choices(self.app.workspace, self.application_id)
            if self.interview_id is not None:
                self.record = load_interview(self.app.workspace, self.interview_id)
        except PanelistError as error:
            self.app.report_error(error)
            self.dismiss(None)
            return
        choices = self.choices
        self._select("#type").set_options([(t.name, t.id) for t in choices.types])
        self._select("#organiser").set_options([(p.name, p.id) for p in choices.organisers])
        self._select("#room").set_options(
            [(f"{room.name} ({room.capacity})", room.id) for room in choices.rooms]
        )
        self._select("#evaluation").set_options([(f.name, f.id) for f in choices.forms])
        with self.prevent(Select.Changed, Input.Changed):
            if self.record is not None:
                await self._fill_from_record(self.record)
            elif choices.default_organiser_id is not None:
                self._select("#organiser").value = choices.default_organiser_id
        self._show_legend()
        self._refresh_video(keep=True)
        self._check_host(force=False)
        self._refresh_title()
        self.validate_form()
        focus = "#date" if self.editing else "#type"
        self.query_one(focus).focus()

    async def _fill_from_record(self, record: InterviewRecord) -> None:
        choices = self.choices
        assert choices is not None
        type_id = next((t.id for t in choices.types if t.name == record.type_name), None)
        if type_id is not None:
            self._select("#type").value = type_id
        if record.organiser.id in [p.id for p in choices.organisers]:
            self._select("#organiser").value = record.organiser.id
        for participant in record.participants:
            await self._add_participant(participant.employee, participant.role_id)
        self._set_span(record.start, record.end)
        if record.room is not None:
            self._select("#room").value = record.room.id
        self._select("#method").value = record.method
        if record.evaluation_form_id is not None:
            self._select("#evaluation").value = record.evaluation_form_id
        if record.reminder_policy is not None:
            hours = record.reminder_policy.first_after_minutes / 60
            self._input("#reminder-hours").value = f"{hours:g}"
        self._input("#notes").value = record.notes
        # Rescheduling moves the interview: only its time and room change (SPEC §5).
        for selector in (
            "#type",
            "#organiser",
            "#participant-search",
            "#method",
            "#host",
            "#provider",
            "#evaluation",
            "#reminder-hours",
            "#notes",
        ):
            self.query_one(selector).disabled = True
        for row in self.rows:
            for widget in row.query("Select, Button"):
                widget.disabled = True
        self.booked_id = record.id

    def _refresh_title(self) -> None:
        choices = self.choices
        if choices is None:
            return
        who = f"{choices.candidate_name} {self.app.glyphs.separator} {choices.job_title}"
        if self.editing:
            title = Content.assemble((f"{self._pencil()} Reschedule interview", "bold"), "  ", who)
        else:
            title = Content.assemble(("New interview", "bold"), "  ", who)
        self.query_one("#form-title", Static).update(title)

    # ----------------------------------------------------------------- time

    @property
    def zone_name(self) -> str:
        if self.record is not None:
            return self.record.timezone
        organiser = self._value("#organiser")
        if isinstance(organiser, int):
            try:
                return get_employee(self.app.workspace.db, organiser).timezone
            except PanelistError:
                pass
        return self.app.workspace.user.timezone

    def _show_zone(self) -> None:
        """The zone the times are typed in; when the viewer's clock shows other times, it is
        named as the organiser's and the span follows in the viewer's zone (`#zone-hint`)."""
        ws = self.app.workspace
        zone, viewer, now = self.zone_name, ws.user.timezone, ws.clock.now()
        start, end, _ = self._span()
        differs = not clocks_agree(zone, viewer, start or now)
        self.query_one("#zone", Label).update(f"({zone}, organiser)" if differs else f"({zone})")
        hint = self.query_one("#zone-hint", Static)
        hint.display = differs and start is not None and end is not None and end > start
        if hint.display and start is not None and end is not None:
            hint.update(f"= {time_span(start, end, viewer, now, self.app.glyphs)}, your zone")

    def _texts(self, start: datetime, end: datetime) -> tuple[str, str, str]:
        """The date and times the fields show for a span, in the organiser's zone."""
        zone = _zone(self.zone_name)
        first, last = start.astimezone(zone), end.astimezone(zone)
        return first.date().isoformat(), f"{first:%H:%M}", f"{last:%H:%M}"

    def _set_span(self, start: datetime, end: datetime) -> None:
        self._chosen = (start, end)
        day, first, last = self._texts(start, end)
        with self.prevent(Input.Changed):
            self._input("#date").value = day
            self._input("#start").value = first
            self._input("#end").value = last

    def _span(self) -> tuple[datetime | None, datetime | None, list[str]]:
        typed = (
            self._input("#date").value,
            self._input("#start").value,
            self._input("#end").value,
        )
        # A span set from instants keeps them while its text is unchanged: the text alone
        # cannot tell the two passes of a repeated hour apart (a DST fall-back day).
        if self._chosen is not None and typed == self._texts(*self._chosen):
            return (*self._chosen, [])
        return parse_span(*typed, str(_zone(self.zone_name)))

    @property
    def duration(self) -> timedelta:
        start, end, _ = self._span()
        if start is not None and end is not None and end > start:
            return end - start
        type_id = self._value("#type")
        for kind in self.choices.types if self.choices else ():
            if kind.id == type_id:
                return timedelta(minutes=kind.duration_minutes)
        return timedelta(hours=1)

    # ----------------------------------------------------------------- participants

    async def _add_participant(self, person: Employee, role_id: int | None) -> None:
        if person.id in self.participant_ids or self.choices is None:
            return
        roles = [(role.name, role.id) for role in self.choices.roles]
        self._people[person.id] = person
        row = ParticipantRow(person, roles, role_id, self.app.glyphs.warning)
        await self.query_one("#participants", Vertical).mount(row)

    @on(Input.Changed, "#participant-search")
    def _search_changed(self, event: Input.Changed) -> None:
        matches = self.query_one("#participant-matches", OptionList)
        try:
            found = search_participants(
                self.app.workspace, event.value, tuple(self.participant_ids), limit=6
            )
        except PanelistError as error:
            self.app.report_error(error)
            found = []
        matches.clear_options()
        warning = self.app.glyphs.warning
        for person in found:
            label = person.name if person.calendar_integrated else f"{person.name} {warning}"
            matches.add_option(Option(f"{label}  <{person.email}>", id=str(person.id)))
        matches.display = bool(found)
        if found:
            matches.highlighted = 0
        messages = list(self.errors.get("participants", []))
        if not found and event.value.strip():
            messages.append(f"nobody matches {fit(event.value.strip(), 40, self.app.glyphs)!r}")
        self._show_errors_for("participants", messages)

    @on(Input.Submitted, "#participant-search")
    async def _search_submitted(self) -> None:
        matches = self.query_one("#participant-matches", OptionList)
        if matches.display and matches.option_count:
            option = matches.get_option_at_index(matches.highlighted or 0)
            await self._choose_match(option.id)

    @on(OptionList.OptionSelected, "#participant-matches")
    async def _match_selected(self, event: OptionList.OptionSelected) -> None:
        await self._choose_match(event.option.id)

    async def _choose_match(self, option_id: str | None) -> None:
        if option_id is None or self.choices is None:
            return
        try:
            person = get_employee(self.app.workspace.db, int(option_id))
        except PanelistError as error:
            self.app.report_error(error)
            return
        await self._add_participant(person, self.choices.default_role_id)
        search = self._input("#participant-search")
        search.value = ""
        search.focus()
        self._participants_changed()

    def key_down(self) -> None:
        """From the search box down into its matches."""
        matches = self.query_one("#participant-matches", OptionList)
        if self.focused is self._input("#participant-search") and matches.display:
            matches.focus()

    @on(Button.Pressed, ".participant-remove")
    async def _remove_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        row = event.button.parent
        if isinstance(row, ParticipantRow):
            await row.remove()
            self._participants_changed()
            self._input("#participant-search").focus()

    def _participants_changed(self) -> None:
        self.query_one("#find-time", Button).disabled = not self.rows
        self._show_legend()
        self._refresh_video(keep=True)
        self.validate_form()

    def _show_legend(self) -> None:
        legend = self.query_one("#participants-legend", Static)
        legend.display = any(not row.person.calendar_integrated for row in self.rows)
        legend.update(
            Content.assemble(
                (self.app.glyphs.warning, "bold $text-warning"),
                " calendar not integrated: no event is made in their calendar",
            )
        )

    # ----------------------------------------------------------------- type, method, video

    @on(Select.Changed, "#type")
    def _type_changed(self, event: Select.Changed) -> None:
        if self.choices is None:
            return
        kind = next((t for t in self.choices.types if t.id == event.value), None)
        if kind is None:
            return
        self._select("#method").value = kind.method
        if kind.evaluation_form_id is not None:
            self._select("#evaluation").value = kind.evaluation_form_id
        else:
            self._select("#evaluation").clear()
        if kind.reminder_after_minutes is not None:
            with self.prevent(Input.Changed):
                self._input("#reminder-hours").value = f"{kind.reminder_after_minutes / 60:g}"
        start, _, _ = self._span()
        if start is not None:
            end = start + timedelta(minutes=kind.duration_minutes)
            with self.prevent(Input.Changed):
                self._input("#end").value = end.strftime("%H:%M")
        self.validate_form()

    @on(Select.Changed, "#organiser")
    def _organiser_changed(self) -> None:
        self._refresh_video(keep=True)
        self.validate_form()

    @on(Select.Changed, "#method")
    def _method_changed(self) -> None:
        self._refresh_video(keep=True)
        self.validate_form()

    @on(Select.Changed, "#host")
    def _host_changed(self) -> None:
        self._refresh_providers()
        self.validate_form()
        self._check_host(force=False)

    def action_check_host(self) -> None:
        self._check_host(force=True)

    @work(exclusive=True, group="host-check")
    async def _check_host(self, *, force: bool) -> None:
        """Verdicts older than their time-to-live (all with `force`) asked again; the
        providers offered follow (panelist.services.hosts)."""
        host = self._value("#host")
        if not isinstance(host, int) or self._value("#method") is not Method.VIDEO:
            return
        try:
            checks = await verify_host(self.app.workspace, host, force=force)
        except PanelistError as error:
            self.app.report_error(error)
            return
        if self._value("#host") == host:
            self._refresh_providers()
            self.validate_form()
        unanswered = [c.problem for c in checks if c.verified is None]
        if unanswered:
            self.notify(f"Not checked: {unanswered[0]}", severity="warning")
        elif force:
            self.notify("Checked with the video providers.")

    def _hosts(self) -> list[Employee]:
        """Who may host a video interview: the participants and the organiser."""
        people = [row.person for row in self.rows]
        organiser = self._value("#organiser")
        if isinstance(organiser, int) and organiser not in [p.id for p in people]:
            with contextlib.suppress(PanelistError):
                people.append(get_employee(self.app.workspace.db, organiser))
        return people

    def _refresh_video(self, *, keep: bool) -> None:
        video = self._value("#method") is Method.VIDEO
        self.query_one("#video-row").display = video
        host = self._select("#host")
        current = self._value("#host")
        hosts = self._hosts()
        if self.record is not None and self.record.video_host is not None:
            hosts = [self.record.video_host]
            current = self.record.video_host.id
        with self.prevent(Select.Changed):
            host.set_options([(p.name, p.id) for p in hosts])
            ids = [p.id for p in hosts]
            if keep and current in ids:
                host.value = current
            elif hosts:
                # The first who may host at some provider; else the first, to show why not.
                ws = self.app.workspace
                hosting = [p.id for p in hosts if video_choices(ws, p.id)]
                organiser = self._value("#organiser")
                preferred = organiser if organiser in hosting else (hosting or ids)[0]
                host.value = preferred
        self._refresh_providers()

    def _refresh_providers(self) -> None:
        provider = self._select("#provider")
        current = self._value("#provider")
        host = self._value("#host")
        offered = video_choices(self.app.workspace, host if isinstance(host, int) else None)
        if self.record is not None and self.record.video_provider:
            offered = [c for c in offered if c.provider == self.record.video_provider]
        with self.prevent(Select.Changed):
            provider.set_options([(choice.name, choice.provider) for choice in offered])
            names = [choice.provider for choice in offered]
            if current in names:
                provider.value = current
            elif names:
                provider.value = names[0]

    # ----------------------------------------------------------------- validation

    @on(Input.Changed, "#date, #start, #end, #reminder-hours, #notes")
    @on(Select.Changed, "#room, #evaluation, #provider, .participant-role")
    def _field_changed(self) -> None:
        self.validate_form()

    def build_request(self) -> tuple[InterviewRequest | None, dict[str, list[str]]]:
        """The request the form describes, or the typing mistakes that keep it from being one."""
        mistakes: dict[str, list[str]] = {}
        start, end, time_mistakes = self._span()
        if time_mistakes:
            mistakes["time"] = time_mistakes
        organiser = self._value("#organiser")
        if organiser is None:
            mistakes.setdefault("organiser", []).append(
                "choose the organiser"
                if self.choices is None or self.choices.organisers
                else "no one is responsible for this job yet: an Admin adds its team"
                " (Settings → Job teams)"
            )
        method = self._value("#method") or Method.IN_PERSON
        form_id = self._value("#evaluation")
        policy: ReminderPolicy | None = None
        if form_id is not None:
            raw = self._input("#reminder-hours").value.strip()
            try:
                hours = float(raw)
                if hours != hours or not 0 <= hours <= 24 * 30:  # NaN, or out of range
                    raise ValueError(raw)
                policy = ReminderPolicy(first_after_minutes=round(hours * 60))
            except ValueError:
                mistakes.setdefault("evaluation", []).append(
                    "remind after a number of hours, 0 to 720"
                )
            except ValidationError as error:
                mistakes.setdefault("evaluation", []).append(str(error))
        notes = self._input("#notes").value
        if len(notes) > MAX_NOTES:
            mistakes.setdefault("notes", []).append(f"notes are limited to {MAX_NOTES} characters")
        if mistakes or start is None or end is None or not isinstance(organiser, int):
            return None, mistakes
        video = method is Method.VIDEO
        host, provider = self._value("#host"), self._value("#provider")
        request = InterviewRequest(
            application_id=self.application_id,
            organiser_id=organiser,
            participants=tuple(ParticipantRequest(row.person.id, row.role_id) for row in self.rows),
            start=start,
            end=end,
            method=method,
            type_id=self._value("#type"),
            timezone=self.zone_name,
            room_id=self._value("#room"),
            video_provider=provider if video else None,
            video_host_id=host if video else None,
            notes=notes,
            evaluation_form_id=form_id,
            reminder_policy=policy,
            request_key=self.request_key,
        )
        return request, {}

    def validate_form(self) -> bool:
        """Show every problem next to its field; True when Invite may be pressed."""
        if self.choices is None:
            return False
        self._show_zone()  # the hint follows the typed span
        request, errors = self.build_request()
        for problem in self._core_problems(request):
            target = ERROR_TARGETS.get(problem.field or "", "general")
            errors.setdefault(target, []).append(str(problem))
        self.errors = errors
        for target in {*ERROR_TARGETS.values(), "general"}:
            self._show_errors_for(target, errors.get(target, []))
        self.query_one("#find-time", Button).disabled = not self.rows
        self._refresh_invite()
        return not errors

    def _core_problems(self, request: InterviewRequest | None) -> list[ValidationError]:
        """Core's verdict on what the form describes: a new interview, or this one moved.

        A move needs only the time and room, so its check does not wait for the rest of
        the form (fields that are locked while rescheduling).
        """
        start, end, _ = self._span()
        try:
            service = self.app.scheduling_service(mail=False)
            if self.record is None:
                return service.check(request) if request is not None else []
            if start is None or end is None:
                return []
            return service.check_reschedule(self.record.id, start, end, self._value("#room"))
        except PanelistError as error:
            return [ValidationError(str(error))]

    def _show_errors_for(self, target: str, messages: list[str]) -> None:
        line = self.query_one(f"#{target}-error", Static)
        text = "\n".join(f"{self.app.glyphs.warning} {message}" for message in messages)
        line.update(Content(text))
        line.display = bool(messages)

    def _refresh_invite(self) -> None:
        self.query_one("#invite", Button).disabled = self.busy or bool(self.errors)

    def _service(self, on_step: Callable[[StepEvent], None] | None = None) -> SchedulingService:
        return self.app.scheduling_service(on_step=on_step)

    # ----------------------------------------------------------------- find a time

    @on(Button.Pressed, "#find-time")
    def _find_pressed(self) -> None:
        self.action_find_time()

    def action_find_time(self) -> None:
        if not self.rows:
            self.notify("Add a participant first.", severity="warning")
            return
        start, _, _ = self._span()
        room = self._value("#room")
        screen = FindTimeScreen(
            employee_ids=self.participant_ids,
            duration=self.duration,
            room_ids=[room] if isinstance(room, int) else None,
            initial=start,
            candidate_zone=self.choices.candidate_timezone if self.choices else None,
            moving=self.record.id if self.record is not None else None,
            organiser_zone=self.zone_name,
        )
        self.app.push_screen(screen, self._time_chosen)

    def _time_chosen(self, chosen: ChosenTime | None) -> None:
        if chosen is None:
            return
        self._set_span(chosen.start, chosen.end)
        if chosen.room_id is not None:
            with self.prevent(Select.Changed):
                self._select("#room").value = chosen.room_id
        self.validate_form()

    # ----------------------------------------------------------------- invite

    @on(Button.Pressed, "#invite")
    def _invite_pressed(self) -> None:
        self.action_invite()

    def action_invite(self) -> None:
        if self.busy:
            return
        if not self.validate_form():
            self.notify("Fix the marked fields first.", severity="warning")
            return
        request, _ = self.build_request()
        if request is None:
            return
        if self.record is not None:
            self._compose_move(self.record.id, request.start, request.end, request.room_id)
        else:
            self._invite(request)

    def _compose_move(
        self, interview_id: int, start: datetime, end: datetime, room_id: int | None
    ) -> None:
        """The candidate's new-time mail opens in the composer before anything moves (issue
        17): ctrl+s there moves the interview with that text; escape leaves all as it was.
        A candidate never invited is mailed nothing, so the move goes at once."""

        def draft(template_id: int | None, language: str | None) -> MailDraft:
            return self.app.scheduling_service(mail=False).draft_move_mail(
                interview_id, start, end, room_id, template_id=template_id, language=language
            )

        try:
            first = draft(None, None)
        except PanelistError as error:
            self._failed(error)
            return
        if not first.will_send:
            self._reschedule(interview_id, start, end, room_id)
            return
        from panelist_tui.screens.change_composer import ChangeComposerScreen  # lazy

        composer = ChangeComposerScreen(interview_id, "candidate_reschedule", draft)

        def composed(accepted: bool | None) -> None:
            if accepted and composer.edit is not None:
                self._reschedule(interview_id, start, end, room_id, composer.edit)

        self.app.push_screen(composer, composed)

    @on(Button.Pressed, "#retry")
    def _retry_pressed(self) -> None:
        self.action_retry()

    def action_retry(self) -> None:
        if not self.busy and self.booked_id is not None:
            self._resume(self.booked_id)

    def _set_busy(self, busy: bool, message: str = "") -> None:
        """Busy at once (no second ctrl+s), but shown only when the work takes a while: most
        invites answer in a few milliseconds, and every repaint of this form costs CPU that
        fifty sessions on one host share (bench/ssh_sessions.py)."""
        self.busy = busy
        self._busy_text = message
        self._stop_busy_timer()
        status = self.query_one("#form-status", Static)
        if busy and status.has_class("-error"):  # the last error goes at once: a new try
            self._show_busy()
        elif busy:
            self._busy_timer = self.set_timer(SHOW_BUSY_AFTER_S, self._show_busy)
        else:
            self.query_one("#form-busy").display = False
            if status.has_class("-error") or str(status.content) != message:
                status.remove_class("-error")
                status.update(message)
        self._refresh_invite()

    def _stop_busy_timer(self) -> None:
        if self._busy_timer is not None:
            self._busy_timer.stop()
            self._busy_timer = None

    def _show_busy(self) -> None:
        self._stop_busy_timer()
        if self.busy:
            self.query_one("#form-busy").display = True
            self.query_one("#retry").display = False
            status = self.query_one("#form-status", Static)
            status.remove_class("-error")
            status.update(self._busy_text)

    def _progress(self, event: StepEvent) -> None:
        labels = {
            "reserve": "Checking the calendars",
            "reserved": "Booked; inviting",
            "call": "Asking",
            "called": "Done",
            "recorded": "Recorded",
            "skipped": "Already done",
            "failed": "Failed",
        }
        what = event.key.rsplit("-", 1)[-1] if event.stage in ("call", "called") else ""
        text = f"{labels.get(event.stage, event.stage)} {what}".strip()
        self._busy_text = f"{text}{self.app.glyphs.ellipsis}"
        if self._busy_timer is None and self.busy:  # shown already: follow the steps
            self.query_one("#form-status", Static).update(self._busy_text)

    def _failed(self, error: PanelistError) -> None:
        self._set_busy(False)
        status = self.query_one("#form-status", Static)
        status.add_class("-error")
        if isinstance(error, OutboxIncomplete):
            self.booked_id = error.interview_id
            status.update(Content(f"Not finished: {error}. Retry finishes it."))
            self.query_one("#retry").display = True
            self.query_one("#retry", Button).focus()
        elif isinstance(error, ValidationError) and error.field in ERROR_TARGETS:
            self._show_errors_for(ERROR_TARGETS[error.field], [str(error)])
            status.update(Content(str(error)))
        else:
            status.update(Content(str(error)))
        self.app.report_error(error)

    @work(exclusive=True, group="interview-form")
    async def _invite(self, request: InterviewRequest) -> None:
        self._set_busy(True, f"Inviting interviewers{self.app.glyphs.ellipsis}")
        try:
            record = await self._service(self._progress).invite(request)
        except PanelistError as error:
            self._failed(error)
            return
        self._done(record, "Invited")

    @work(exclusive=True, group="interview-form")
    async def _reschedule(
        self,
        interview_id: int,
        start: datetime,
        end: datetime,
        room_id: int | None,
        mail: MailEdit | None = None,
    ) -> None:
        self._set_busy(True, f"Moving the interview{self.app.glyphs.ellipsis}")
        try:
            record = await self._service(self._progress).reschedule(
                interview_id, start, end, room_id=room_id, mail=mail
            )
        except PanelistError as error:
            self._failed(error)
            return
        self._done(record, "Rescheduled")

    @work(exclusive=True, group="interview-form")
    async def _resume(self, interview_id: int) -> None:
        self._set_busy(True, f"Retrying{self.app.glyphs.ellipsis}")
        try:
            report = await self._service(self._progress).resume_pending(interview_id)
            record = load_interview(self.app.workspace, interview_id)
        except PanelistError as error:
            self._failed(error)
            return
        left = report.problems.get(interview_id)
        if left:
            self._failed(OutboxIncomplete(interview_id, left, retryable=True))
            return
        self._done(record, "Invited")

    def _done(self, record: InterviewRecord, verb: str) -> None:
        self._set_busy(False)
        self.booked_id = record.id
        if record.status is InterviewStatus.SCHEDULED:
            self.notify(f"{verb}: {record.type_name} with {record.candidate_name}")
        self.dismiss(record.id)

    # ----------------------------------------------------------------- leaving

    def action_close(self) -> None:
        if self.busy:
            self.notify("Still working; wait for it to finish.", severity="warning")
            return
        self.dismiss(self.booked_id)
