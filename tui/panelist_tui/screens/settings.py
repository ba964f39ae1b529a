"""Admin → Settings (issue 17): configure the company, section by section, by keyboard.

Left, the sections; right, the section's list and a form for the line chosen (or a new
one). Every rule is core's (`panelist.services.configuration`): the form sends what was
typed, and a refusal comes back as one line shown under the field it names; nothing is
saved half. Imported only when an Admin opens it (C or the palette): the app's first
frame does not pay for it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import (
    Checkbox,
    DataTable,
    Header,
    Input,
    Label,
    OptionList,
    Select,
    Static,
    TextArea,
)
from textual.widgets.option_list import Option

from panelist.errors import PanelistError, ValidationError
from panelist.models import Method
from panelist.permissions import Right
from panelist.services import configuration as cfg
from panelist.workspace import Workspace
from panelist_tui.widgets.footer import KeysFooter

if TYPE_CHECKING:
    from panelist_tui.app import PanelistApp

FIELD_OF = {"rights": "name", "evaluation_form": "evaluation_form"}
"""Form field to mark for a core error's `field`, where the names differ."""

FieldKind = Literal["text", "int", "secret", "choice", "bool", "url", "lines"]
NOT_INTEGRATED = "Not integrated"


@dataclass(frozen=True)
class Field:
    """One line of a form: a label and the widget the kind asks for."""

    name: str
    label: str
    kind: FieldKind = "text"
    value: str | bool | None = None
    choices: tuple[tuple[str, str], ...] = ()
    """(label, value) for a choice."""
    placeholder: str = ""
    help: str = ""
    """Shown in the message line while the field has focus (a provider option's help)."""


Row = tuple[str, tuple[str, ...]]
"""(key, cells) of a list line."""


@dataclass
class Section:
    """What a section lists, which form it shows for a line, and how it saves."""

    title: str
    columns: tuple[str, ...] = ()
    actions: frozenset[str] = field(default_factory=frozenset)
    """Section keys besides save and new ("test", "verify", "check")."""
    can_add: bool = True

    def rows(self, screen: SettingsScreen) -> list[Row]:
        return []

    def fields(self, screen: SettingsScreen, key: str | None) -> list[Field]:
        raise NotImplementedError

    def save(self, screen: SettingsScreen, key: str | None, values: dict[str, Any]) -> str:
        """Hand the values to core; the line to show. Raises core's errors."""
        raise NotImplementedError


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _hours(minutes: int | None) -> str:
    return "" if minutes is None else f"{minutes / 60:g}"


# --------------------------------------------------------------------------- sections


class CompanySection(Section):
    LABELS: ClassVar[dict[str, str]] = {
        "company_name": "Company",
        "company_timezone": "Time zone",
        "holiday_country": "Holidays",
        "holiday_subdivision": "Subdivision",
        "show_private_event_names": "Show titles of private events",
        "application_base_url": "App link URL",
        "links_base_url": "Link page",
        "links_show_interviewers": "Name interviewers on the link page",
        "mail_transport": "Mail by",
        "mail_from": "Mail from",
        "maildir_path": "Maildir",
        "smtp_host": "SMTP server",
        "smtp_port": "SMTP port",
        "smtp_security": "SMTP security",
        "smtp_username": "SMTP login",
    }

    def __init__(self) -> None:
        super().__init__("Company", can_add=False)

    def fields(self, screen: SettingsScreen, key: str | None) -> list[Field]:
        values = cfg.company_settings(screen.ws)
        found = []
        for name in cfg.COMPANY_KEYS:
            label = self.LABELS[name]
            value = values[name]
            if name in ("show_private_event_names", "links_show_interviewers"):
                found.append(Field(name, label, "bool", bool(value)))
            elif name == "mail_transport":
                choices = tuple((c, c) for c in cfg.MAIL_TRANSPORTS)
                found.append(Field(name, label, "choice", _text(value), choices))
            elif name == "smtp_security":
                choices = tuple((c, c) for c in cfg.SMTP_SECURITY)
                found.append(Field(name, label, "choice", _text(value), choices))
            else:
                found.append(Field(name, label, "text", _text(value)))
        return found

    def save(self, screen: SettingsScreen, key: str | None, values: dict[str, Any]) -> str:
        changed = cfg.save_company_settings(screen.ws, values)
        if "company_name" in changed:
            screen.app.title = str(changed["company_name"])
        if not changed:
            return "Nothing changed."
        return "Saved: " + ", ".join(self.LABELS[k].lower() for k in changed) + "."


METHODS = tuple((method.label, method.value) for method in Method)


class TypesSection(Section):
    def __init__(self) -> None:
        super().__init__("Interview types", ("Name", "Minutes", "Method", "Evaluation form"))

    def rows(self, screen: SettingsScreen) -> list[Row]:
        return [
            (
                str(t.id),
                (t.name, str(t.duration_minutes), t.method.label, t.evaluation_form_name or ""),
            )
            for t in cfg.list_interview_types(screen.ws)
        ]

    def fields(self, screen: SettingsScreen, key: str | None) -> list[Field]:
        found = next((t for t in cfg.list_interview_types(screen.ws) if str(t.id) == key), None)
        forms = (("None", ""), *((f.name, str(f.id)) for f in cfg.list_evaluation_forms(screen.ws)))
        return [
            Field("name", "Name", value=found.name if found else ""),
            Field(
                "duration",
                "Minutes",
                "int",
                str(found.duration_minutes) if found else "60",
                placeholder="5 to 1440",
            ),
            Field("method", "Method", "choice", found.method.value if found else "video", METHODS),
            Field(
                "evaluation_form",
                "Form",
                "choice",
                _text(found.evaluation_form_id) if found else "",
                forms,
            ),
            Field(
                "reminder",
                "Reminder (h)",
                value=_hours(found.reminder_after_minutes) if found else "",
                placeholder="hours after it ends that the form is asked for; empty: none",
            ),
        ]

    def save(self, screen: SettingsScreen, key: str | None, values: dict[str, Any]) -> str:
        form = values["evaluation_form"]
        cfg.save_interview_type(
            screen.ws,
            cfg.InterviewTypeInput(
                values["name"],
                values["duration"],
                values["method"],
                int(form) if form else None,
                int(key) if key else None,
                values["reminder"],
            ),
        )
        return f"Saved interview type {values['name'].strip()!r}."


class FormsSection(Section):
    def __init__(self) -> None:
        super().__init__("Evaluation forms", ("Name", "Questions", "Types using it"))

    def rows(self, screen: SettingsScreen) -> list[Row]:
        return [
            (str(f.id), (f.name, str(len(f.questions)), str(f.used_by)))
            for f in cfg.list_evaluation_form_rows(screen.ws)
        ]

    def fields(self, screen: SettingsScreen, key: str | None) -> list[Field]:
        form = next((f for f in cfg.list_evaluation_form_rows(screen.ws) if str(f.id) == key), None)
        return [
            Field("name", "Name", value=form.name if form else ""),
            Field("questions", "Questions", "lines", "\n".join(form.questions) if form else ""),
        ]

    def save(self, screen: SettingsScreen, key: str | None, values: dict[str, Any]) -> str:
        cfg.save_evaluation_form(
            screen.ws, values["name"], values["questions"], int(key) if key else None
        )
        return f"Saved evaluation form {values['name'].strip()!r}."


class RemindersSection(Section):
    def __init__(self) -> None:
        super().__init__("Reminders", can_add=False)

    def fields(self, screen: SettingsScreen, key: str | None) -> list[Field]:
        now = cfg.reminder_defaults(screen.ws)
        return [
            Field("reminder", "First (h)", value=f"{now.first_after_hours:g}"),
            Field("repeat", "Repeat (h)", value=f"{now.repeat_every_hours:g}"),
            Field("max_reminders", "At most", "int", str(now.max_reminders), placeholder="1 to 20"),
        ]

    def save(self, screen: SettingsScreen, key: str | None, values: dict[str, Any]) -> str:
        cfg.save_reminder_defaults(
            screen.ws, values["reminder"], values["repeat"], values["max_reminders"]
        )
        return "Saved the reminder defaults."


def _calendar_choices(screen: SettingsScreen) -> tuple[tuple[str, str], ...]:
    providers = cfg.calendar_providers(screen.ws)
    return ((NOT_INTEGRATED, ""), *((name, provider_id) for provider_id, name in providers))


class RoomsSection(Section):
    def __init__(self) -> None:
        super().__init__(
            "Rooms", ("Name", "Seats", "Location", "Calendar"), actions=frozenset({"pick_room"})
        )

    def rows(self, screen: SettingsScreen) -> list[Row]:
        return [
            (
                str(room.id),
                (
                    room.name,
                    str(room.capacity),
                    room.location,
                    room.calendar_id or NOT_INTEGRATED,
                ),
            )
            for room in cfg.list_rooms(screen.ws)
        ]

    def fields(self, screen: SettingsScreen, key: str | None) -> list[Field]:
        room = next((r for r in cfg.list_rooms(screen.ws) if str(r.id) == key), None)
        return [
            Field("name", "Name", value=room.name if room else ""),
            Field("capacity", "Seats", "int", str(room.capacity) if room else "", placeholder="1+"),
            Field("location", "Location", value=room.location if room else ""),
            Field(
                "calendar_provider",
                "Provider",
                "choice",
                _text(room.calendar_provider) if room else "",
                _calendar_choices(screen),
            ),
            Field(
                "calendar_id",
                "Calendar",
                value=_text(room.calendar_id) if room else "",
                placeholder="the room's calendar id at the provider",
            ),
        ]

    def save(self, screen: SettingsScreen, key: str | None, values: dict[str, Any]) -> str:
        cfg.save_room(
            screen.ws,
            cfg.RoomInput(
                values["name"],
                values["capacity"],
                values["location"],
                values["calendar_provider"] or None,
                values["calendar_id"] or None,
                int(key) if key else None,
            ),
        )
        return f"Saved room {values['name'].strip()!r}."


class PeopleSection(Section):
    def __init__(self) -> None:
        super().__init__(
            "People", ("Name", "Role", "Zone", "Calendar"), actions=frozenset({"test_calendar"})
        )

    def rows(self, screen: SettingsScreen) -> list[Row]:
        return [
            (
                str(p.employee.id),
                (
                    p.employee.name,
                    p.role_name or "",
                    p.employee.timezone,
                    p.employee.calendar_id or NOT_INTEGRATED,
                ),
            )
            for p in cfg.list_people(screen.ws)
        ]

    def fields(self, screen: SettingsScreen, key: str | None) -> list[Field]:
        person = next(
            (p.employee for p in cfg.list_people(screen.ws) if str(p.employee.id) == key), None
        )
        roles = (("None", ""), *((r.name, str(r.id)) for r in cfg.list_roles(screen.ws)))
        return [
            Field("name", "Name", value=person.name if person else ""),
            Field("email", "Email", value=person.email if person else ""),
            Field(
                "timezone",
                "Time zone",
                value=person.timezone if person else screen.ws.user.timezone,
                placeholder="Europe/Amsterdam",
            ),
            Field(
                "working_hours",
                "Hours",
                value=person.working_hours.describe() if person else "Mon-Fri 09:00-17:00",
                placeholder="Mon-Fri 09:00-17:00",
            ),
            Field(
                "calendar_provider",
                "Provider",
                "choice",
                _text(person.calendar_provider) if person else "",
                _calendar_choices(screen),
            ),
            Field(
                "calendar_id",
                "Calendar",
                value=_text(person.calendar_id) if person else "",
                placeholder="their calendar id at the provider",
            ),
            Field(
                "role",
                "Role",
                "choice",
                _text(person.company_role_id) if person else "",
                roles,
            ),
        ]

    def save(self, screen: SettingsScreen, key: str | None, values: dict[str, Any]) -> str:
        cfg.save_person(
            screen.ws,
            cfg.PersonInput(
                values["name"],
                values["email"],
                values["timezone"],
                values["working_hours"],
                values["calendar_provider"] or None,
                values["calendar_id"] or None,
                int(values["role"]) if values["role"] else None,
                int(key) if key else None,
            ),
        )
        return f"Saved {values['name'].strip()}."


class VideoSection(Section):
    def __init__(self) -> None:
        super().__init__(
            "Video accounts",
            ("Name", "Verified host at", "Not verified at"),
            actions=frozenset({"verify"}),
            can_add=False,
        )

    def rows(self, screen: SettingsScreen) -> list[Row]:
        accounts = cfg.list_video_accounts(screen.ws)
        rows: list[Row] = []
        for person in cfg.list_people(screen.ws):
            mine = [a for a in accounts if a.employee_id == person.employee.id]
            verified = ", ".join(a.provider for a in mine if a.verified_at)
            refused = ", ".join(a.provider for a in mine if not a.verified_at)
            rows.append((str(person.employee.id), (person.employee.name, verified, refused)))
        return rows

    def fields(self, screen: SettingsScreen, key: str | None) -> list[Field]:
        return []


RIGHT_LABELS: dict[Right, str] = {
    Right.VIEW_ALL_APPLICATIONS: "See every application",
    Right.VIEW_APPLICATION: "See the applications one is part of",
    Right.SCHEDULE_INTERVIEWS: "Schedule interviews",
    Right.VIEW_EVALUATIONS: "Read evaluations",
    Right.CONFIGURE: "Configure (Admin)",
}


class RolesSection(Section):
    def __init__(self) -> None:
        super().__init__("Roles and rights", ("Role", "Rights", "People"))

    def rows(self, screen: SettingsScreen) -> list[Row]:
        return [
            (str(r.id), (r.name, str(len(r.rights)), str(r.holders)))
            for r in cfg.list_roles(screen.ws)
        ]

    def fields(self, screen: SettingsScreen, key: str | None) -> list[Field]:
        role = next((r for r in cfg.list_roles(screen.ws) if str(r.id) == key), None)
        rights = role.rights if role else frozenset()
        return [
            Field("name", "Name", value=role.name if role else ""),
            *(
                Field(f"right:{right.value}", label, "bool", right in rights)
                for right, label in RIGHT_LABELS.items()
            ),
        ]

    def save(self, screen: SettingsScreen, key: str | None, values: dict[str, Any]) -> str:
        rights = {
            Right(name.split(":", 1)[1]) for name, on in values.items() if "right:" in name and on
        }
        cfg.save_role(screen.ws, values["name"], rights, int(key) if key else None)
        return f"Saved role {values['name'].strip()!r}."


class JobTeamsSection(Section):
    def __init__(self) -> None:
        super().__init__("Job teams", ("Job", "Person", "Role"))

    def rows(self, screen: SettingsScreen) -> list[Row]:
        return [
            (f"{j.job_id}:{j.employee_id}", (j.job_title, j.employee_name, j.role_name))
            for j in cfg.list_job_roles(screen.ws)
        ]

    def fields(self, screen: SettingsScreen, key: str | None) -> list[Field]:
        job_id, _, employee_id = (key or "::").partition(":")
        held = next(
            (j for j in cfg.list_job_roles(screen.ws) if f"{j.job_id}:{j.employee_id}" == key),
            None,
        )
        jobs = tuple((j.name, str(j.id)) for j in cfg.list_jobs(screen.ws))
        people = tuple((p.employee.name, str(p.employee.id)) for p in cfg.list_people(screen.ws))
        roles = (
            ("Not responsible", ""),
            *((r.name, str(r.id)) for r in cfg.list_roles(screen.ws)),
        )
        return [
            Field("job", "Job", "choice", job_id, jobs),
            Field("person", "Person", "choice", employee_id, people),
            Field("role", "Role", "choice", _text(held.role_id) if held else "", roles),
        ]

    def save(self, screen: SettingsScreen, key: str | None, values: dict[str, Any]) -> str:
        if not values["job"] or not values["person"]:
            raise ValidationError("choose the job and the person", field="job")
        role = values["role"]
        cfg.set_job_role(
            screen.ws, int(values["job"]), int(values["person"]), int(role) if role else None
        )
        return "Saved the job team." if role else "No longer responsible for the job."


class IntegrationsSection(Section):
    def __init__(self) -> None:
        super().__init__(
            "Integrations",
            ("Provider", "Kind", "Set up"),
            actions=frozenset({"check"}),
            can_add=False,
        )

    @staticmethod
    def _key(integration: cfg.Integration) -> str:
        return f"{integration.kind}:{integration.provider_id}"

    def _find(self, screen: SettingsScreen, key: str | None) -> cfg.Integration | None:
        return next((i for i in cfg.list_integrations(screen.ws) if self._key(i) == key), None)

    def rows(self, screen: SettingsScreen) -> list[Row]:
        return [
            (
                self._key(i),
                (
                    i.display_name,
                    "Calendar" if i.kind == "calendar" else "Video",
                    "yes" if i.set_up else "no",
                ),
            )
            for i in cfg.list_integrations(screen.ws)
        ]

    def fields(self, screen: SettingsScreen, key: str | None) -> list[Field]:
        integration = self._find(screen, key)
        if integration is None:
            return []
        found = []
        for state in integration.options:
            option = state.option
            if option.kind == "secret":
                hint = "kept; type to replace" if state.secret_kept else "not set"
                found.append(
                    Field(
                        option.name,
                        option.label,
                        "secret",
                        "",
                        placeholder=hint,
                        help=option.help or "A secret: kept in the OS keyring, never shown.",
                    )
                )
            elif option.kind == "choice":
                choices = tuple((c, c) for c in option.choices)
                value = (
                    state.value or option.default or (option.choices[0] if option.choices else "")
                )
                found.append(
                    Field(option.name, option.label, "choice", value, choices, help=option.help)
                )
            elif option.kind == "bool":
                raw = (state.value or option.default or "false").lower()
                found.append(
                    Field(
                        option.name,
                        option.label,
                        "bool",
                        raw in ("true", "yes", "1"),
                        help=option.help,
                    )
                )
            else:
                found.append(
                    Field(
                        option.name,
                        option.label,
                        "int" if option.kind == "int" else "text",
                        state.value or "",
                        placeholder=option.default or "",
                        help=option.help,
                    )
                )
        return found

    def save(self, screen: SettingsScreen, key: str | None, values: dict[str, Any]) -> str:
        integration = self._find(screen, key)
        if integration is None:
            return "Choose a provider first."
        kinds = {state.option.name: state.option.kind for state in integration.options}
        plain = {
            name: ("true" if value else "false") if isinstance(value, bool) else str(value)
            for name, value in values.items()
            if kinds.get(name) != "secret"
        }
        secrets = {name: str(v) for name, v in values.items() if kinds.get(name) == "secret" and v}
        cfg.save_integration(screen.ws, integration.provider_id, plain, secrets, integration.kind)
        return f"Saved {integration.display_name}."


def all_sections() -> list[Section]:
    return [
        CompanySection(),
        TypesSection(),
        FormsSection(),
        RemindersSection(),
        RoomsSection(),
        PeopleSection(),
        VideoSection(),
        RolesSection(),
        JobTeamsSection(),
        IntegrationsSection(),
    ]


# --------------------------------------------------------------------------- the screen


class SettingsScreen(Screen[None]):
    """Sections left, the chosen section's list and form right."""

    app: PanelistApp

    DEFAULT_CSS = """
    #settings-sections { width: 20; height: 1fr; border: none; }
    #settings-main { width: 1fr; height: 1fr; }
    #settings-list { height: 1fr; max-height: 12; }
    #settings-list.-hidden { display: none; }
    #settings-form-title { height: 1; padding: 0 1; background: $panel; }
    #settings-form { height: 1fr; padding: 0 1; }
    #settings-form .form-row { height: auto; }
    #settings-form .form-label {
        width: 15; padding: 0 1 0 0; color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis;
    }
    #settings-form .form-row Input, #settings-form .form-row Select { width: 1fr; }
    #settings-form .form-row TextArea { width: 1fr; height: 8; }
    #settings-form .form-error { display: none; height: auto; padding: 0 0 0 15; }
    #settings-form .form-error.-shown { display: block; color: $text-error; }
    #settings-form Checkbox { margin: 0 0 0 14; }
    #settings-message { height: auto; max-height: 8; padding: 0 1; background: $panel; }
    #settings-message.-error { color: $text-error; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", tooltip="Back: form, list, sections, applications"),
        Binding("ctrl+s", "save", "Save", tooltip="Save the form (one change, audited)"),
        Binding("n", "new", "New", tooltip="A new line in this section (from the list)"),
        Binding("t", "test_calendar", "Test calendar", tooltip="Read the person's calendar now"),
        Binding("v", "verify", "Verify now", tooltip="Ask the video providers about the person"),
        Binding("k", "check", "Check", tooltip="Run the provider's doctor lines"),
        Binding(
            "ctrl+o", "pick_room", "Pick room", tooltip="Pick the room's calendar from the provider"
        ),
    ]
    SECTION_ACTIONS: ClassVar[frozenset[str]] = frozenset(
        {"test_calendar", "verify", "check", "pick_room"}
    )

    def __init__(self, section: str | None = None) -> None:
        super().__init__(id="settings-screen")
        self.sections = all_sections()
        self.section = next((s for s in self.sections if s.title == section), self.sections[0])
        self.key: str | None = None
        """The line the form edits; None: a new one (or the company form)."""
        self.form_fields: list[Field] = []

    @property
    def ws(self) -> Workspace:
        workspace: Workspace = self.app.workspace
        return workspace

    def compose(self) -> ComposeResult:
        yield Header(icon=self.app.glyphs.app_icon)
        with Horizontal():
            yield OptionList(
                *(Option(s.title, id=s.title) for s in self.sections), id="settings-sections"
            )
            with Vertical(id="settings-main"):
                table: DataTable[Text] = DataTable(cursor_type="row", id="settings-list")
                yield table
                yield Static(id="settings-form-title")
                yield VerticalScroll(id="settings-form")
                yield Static(id="settings-message")
        yield KeysFooter()

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#settings-list", DataTable)

    @property
    def section_list(self) -> OptionList:
        return self.query_one("#settings-sections", OptionList)

    @property
    def form(self) -> VerticalScroll:
        return self.query_one("#settings-form", VerticalScroll)

    async def on_mount(self) -> None:
        self.sub_title = "Settings"
        self.section_list.highlighted = self.sections.index(self.section)
        await self.show_section(self.section)
        self.section_list.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.SECTION_ACTIONS:
            return action in self.section.actions
        if action == "new":
            return self.section.can_add
        if action == "save":
            return bool(self.form_fields)
        return True

    # ----------------------------------------------------------------- showing

    async def show_section(self, section: Section) -> None:
        self.section = section
        self.say("")
        rows = self._fill_table(section)
        first = rows[0][0] if rows else None
        await self.show_form(first if section.columns else None)

    def _fill_table(self, section: Section, keep: str | None = None) -> list[Row]:
        """The section's lines, the cursor on `keep` (else the first)."""
        table = self.table
        rows: list[Row] = []
        with self.prevent(DataTable.RowHighlighted):
            table.clear(columns=True)
            table.set_class(not section.columns, "-hidden")
            try:
                if section.columns:
                    table.add_columns(*section.columns)
                    rows = section.rows(self)
                    for key, cells in rows:
                        table.add_row(*(Text(cell) for cell in cells), key=key)
            except PanelistError as error:
                self.say(str(error), error=True)
            keys = [key for key, _ in rows]
            if keep in keys:
                table.move_cursor(row=keys.index(keep), animate=False)
        return rows

    async def show_form(self, key: str | None) -> None:
        self.key = key
        section = self.section
        wanted = key is not None or not section.columns or section.can_add
        try:
            fields = section.fields(self, key) if wanted else []
        except PanelistError as error:
            self.say(str(error), error=True)
            fields = []
        self.form_fields = fields
        if not section.columns:
            title = section.title
        elif key is None:
            title = f"{section.title}: new" if section.can_add else section.title
        else:
            title = f"{section.title}: {self._row_name(key)}"
        self.query_one("#settings-form-title", Static).update(Text(title))
        form = self.form
        await form.remove_children()
        await form.mount_all(_widgets(fields))
        self.refresh_bindings()

    def _row_name(self, key: str) -> str:
        try:
            return str(self.table.get_row(key)[0])
        except KeyError:
            return key

    def say(self, message: str, *, error: bool = False) -> None:
        box = self.query_one("#settings-message", Static)
        box.update(Text(message))
        box.set_class(error, "-error")

    def values(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for f in self.form_fields:
            widget = self.query_one(f"#field-{_css(f.name)}")
            if isinstance(widget, TextArea):
                found[f.name] = widget.text
            elif isinstance(widget, Input | Checkbox):
                found[f.name] = widget.value
            elif isinstance(widget, Select):
                value = widget.value
                found[f.name] = "" if value is Select.NULL else str(value)
        return found

    def _show_errors(self, error: ValidationError | None) -> None:
        names = {f.name for f in self.form_fields}
        for f in self.form_fields:
            line = self.query_one(f"#error-{_css(f.name)}", Static)
            line.update("")
            line.remove_class("-shown")
        if error is None:
            return
        target = FIELD_OF.get(error.field or "", error.field)
        if target in names:
            line = self.query_one(f"#error-{_css(target)}", Static)
            line.update(Text(str(error)))
            line.add_class("-shown")
            self.query_one(f"#field-{_css(target)}").focus()
        self.say(str(error), error=True)

    # ----------------------------------------------------------------- events

    @on(OptionList.OptionHighlighted, "#settings-sections")
    async def _section_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        chosen = self.sections[event.option_index]
        if chosen is not self.section:
            await self.show_section(chosen)

    @on(OptionList.OptionSelected, "#settings-sections")
    def _section_selected(self) -> None:
        if self.section.columns:
            self.table.focus()
        else:
            self._focus_form()

    @on(DataTable.RowSelected, "#settings-list")
    async def _row_selected(self, event: DataTable.RowSelected) -> None:
        await self.show_form(str(event.row_key.value))
        self._focus_form()

    @on(DataTable.RowHighlighted, "#settings-list")
    async def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = str(event.row_key.value)
        if key != self.key and not self.form.has_focus_within:
            await self.show_form(key)

    @on(events.DescendantFocus)
    def _field_focused(self, event: events.DescendantFocus) -> None:
        """A field's help in the message line while it has focus."""
        ident = event.widget.id or ""
        for f in self.form_fields:
            if f.help and ident == f"field-{_css(f.name)}":
                self.say(f"{f.label}: {f.help}")
                return

    def _focus_form(self) -> None:
        focusable = [w for w in self.form.query("Input, Select, Checkbox, TextArea") if w.focusable]
        if focusable:
            focusable[0].focus()

    # ----------------------------------------------------------------- actions

    def action_back(self) -> None:
        if self.form.has_focus_within:
            (self.table if self.section.columns else self.section_list).focus()
        elif self.table.has_focus:
            self.section_list.focus()
        else:
            self.dismiss()

    async def action_new(self) -> None:
        if not self.section.can_add:
            return
        await self.show_form(None)
        self._focus_form()

    async def action_save(self) -> None:
        if not self.form_fields:
            return
        try:
            message = self.section.save(self, self.key, self.values())
        except ValidationError as error:
            self._show_errors(error)
            return
        except PanelistError as error:
            self._show_errors(None)
            self.say(str(error), error=True)
            return
        self._show_errors(None)
        keep = self.key
        if self.section.columns:
            rows = self._fill_table(self.section, keep)
            shown = keep if keep is not None else (rows[0][0] if rows else None)
            await self.show_form(shown if any(k == shown for k, _ in rows) else None)
            self.table.focus()
        else:  # the same form again, read back from core, the focus where it was
            focused = self.focused.id if self.focused is not None else None
            await self.show_form(None)
            again = self.form.query(f"#{focused}") if focused else None
            if again:
                again.first().focus()
            else:
                self._focus_form()
        self.say(message)

    def _selected_key(self) -> str | None:
        table = self.table
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def action_test_calendar(self) -> None:
        key = self._selected_key()
        if key is not None:
            self.say("Reading the calendar…")
            self._run(lambda: cfg.read_calendar_now(self.ws, int(key)), _calendar_lines)

    def action_verify(self) -> None:
        key = self._selected_key()
        if key is not None:
            self.say("Asking the video providers…")
            self._run(lambda: cfg.verify_now(self.ws, int(key)), list, reload=True)

    def action_check(self) -> None:
        key = self._selected_key()
        if key is not None:
            kind, provider_id = key.split(":", 1)
            self.say("Checking…")
            self._run(
                lambda: cfg.check_integration(self.ws, provider_id, kind),  # type: ignore[arg-type]
                lambda lines: [text for _, text in lines],
            )

    def action_pick_room(self) -> None:
        if not self.form_fields:
            return
        provider = self.values().get("calendar_provider") or ""
        if not provider:
            self.say("Choose the room's calendar provider first.", error=True)
            return
        self.say("Asking the provider for its rooms…")
        self._pick_room(provider)

    @work(exclusive=True, group="settings-check")
    async def _pick_room(self, provider_id: str) -> None:
        try:
            rooms = await cfg.provider_rooms(self.ws, provider_id)
        except PanelistError as error:
            self.say(str(error), error=True)
            return
        if not rooms:
            self.say("The provider lists no rooms: type the calendar id.")
            return
        self.say("")
        choices = [
            (room.calendar_id, f"{room.name} ({room.capacity or '?'} seats) {room.calendar_id}")
            for room in rooms
        ]
        picked = await self.app.push_screen_wait(PickScreen("Rooms at the provider", choices))
        if picked is None:
            return
        room = next(r for r in rooms if r.calendar_id == picked)
        self.query_one("#field-calendar-id", Input).value = room.calendar_id
        name = self.query_one("#field-name", Input)
        if not name.value.strip():
            name.value = room.name
        seats = self.query_one("#field-capacity", Input)
        if not seats.value.strip() and room.capacity:
            seats.value = str(room.capacity)
        self.query_one("#field-calendar-id", Input).focus()

    @work(exclusive=True, group="settings-check")
    async def _run(
        self,
        call: Callable[[], Any],
        lines: Callable[[Any], Sequence[str]],
        reload: bool = False,
    ) -> None:
        try:
            result = await call()
        except PanelistError as error:
            self.say(str(error), error=True)
            return
        shown = lines(result)
        self.say("\n".join(shown))
        if reload:
            self._fill_table(self.section, self.key)


class PickScreen(ModalScreen[str | None]):
    """A list to pick one line from: Enter picks, Escape picks nothing."""

    DEFAULT_CSS = """
    PickScreen { align: center middle; }
    #pick-dialog {
        width: 72; max-width: 100%; height: auto; max-height: 80%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    #pick-list { height: auto; max-height: 16; border: none; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, choices: list[tuple[str, str]]) -> None:
        super().__init__()
        self._title = title
        self._choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(id="pick-dialog") as dialog:
            dialog.border_title = self._title
            dialog.border_subtitle = "Enter picks, Esc cancels"
            yield OptionList(
                *(Option(Text(label), id=key) for key, label in self._choices), id="pick-list"
            )

    def on_mount(self) -> None:
        self.query_one("#pick-list", OptionList).focus()

    @on(OptionList.OptionSelected, "#pick-list")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _calendar_lines(result: cfg.CalendarTest) -> list[str]:
    return [result.message]


def _css(name: str) -> str:
    return name.replace(":", "-").replace("_", "-")


def _widgets(fields: list[Field]) -> list[Any]:
    """The form's rows: label and input, then the line for its error."""
    widgets: list[Any] = []
    for f in fields:
        ident = f"field-{_css(f.name)}"
        if f.kind == "bool":
            widgets.append(Checkbox(f.label, bool(f.value), id=ident, compact=True))
        else:
            editor: Any
            if f.kind == "lines":
                editor = TextArea(_text(f.value), id=ident, soft_wrap=True, compact=True)
            elif f.kind == "choice":
                known = any(value == (f.value or "") for _, value in f.choices)
                editor = Select[str](
                    list(f.choices),
                    value=str(f.value or "") if known else Select.NULL,
                    allow_blank=not known,
                    id=ident,
                    compact=True,
                )
            else:
                editor = Input(
                    _text(f.value),
                    placeholder=f.placeholder,
                    password=f.kind == "secret",
                    id=ident,
                    compact=True,
                )
            widgets.append(
                Horizontal(Label(f.label, classes="form-label"), editor, classes="form-row")
            )
        widgets.append(Static(classes="form-error", id=f"error-{_css(f.name)}"))
    return widgets
