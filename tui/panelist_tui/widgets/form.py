"""Forms built from a list of `Field`s: label and editor a line, core's refusal shown under
the field it names. Settings draws its sections with them; `FormDialog` is a small form
on its own (the first run, a new application)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Literal, TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, Select, Static, TextArea

from panelist.errors import PanelistError, ValidationError

FieldKind = Literal["text", "int", "secret", "choice", "bool", "url", "lines"]


@dataclass(frozen=True)
class Field:
    """One line of a form: a label and the widget the kind asks for."""

    name: str
    label: str
    kind: FieldKind = "text"
    value: Any = ""
    choices: tuple[tuple[str, str], ...] = ()
    """(label, value) for a choice."""
    placeholder: str = ""
    help: str = ""
    """Shown in the message line while the field has focus (a provider option's help)."""


FORM_CSS = """
.form-row { height: auto; }
.form-label {
    width: 15; padding: 0 1 0 0; color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis;
}
.form-row Input, .form-row Select { width: 1fr; }
.form-row TextArea { width: 1fr; height: 8; }
.form-error { display: none; height: auto; padding: 0 0 0 15; }
.form-error.-shown { display: block; color: $text-error; }
Checkbox { margin: 0 0 0 14; }
"""


def css_id(name: str) -> str:
    return name.replace(":", "-").replace("_", "-")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def field_widgets(fields: Sequence[Field]) -> list[Any]:
    """The form's rows: label and editor, then the line for its error."""
    widgets: list[Any] = []
    for f in fields:
        ident = f"field-{css_id(f.name)}"
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
        widgets.append(Static(classes="form-error", id=f"error-{css_id(f.name)}"))
    return widgets


def field_values(node: DOMNode, fields: Sequence[Field]) -> dict[str, Any]:
    """What the form's editors hold: text, a choice's value ("" for none), or a bool."""
    found: dict[str, Any] = {}
    for f in fields:
        widget = node.query_one(f"#field-{css_id(f.name)}")
        if isinstance(widget, TextArea):
            found[f.name] = widget.text
        elif isinstance(widget, Input | Checkbox):
            found[f.name] = widget.value
        elif isinstance(widget, Select):
            value = widget.value
            found[f.name] = "" if value is Select.NULL else str(value)
    return found


def show_field_error(
    node: DOMNode, fields: Sequence[Field], error: ValidationError | None, target: str | None
) -> bool:
    """Clear the error lines, then show `error` under the field `target` and focus it;
    False when no field of the form is `target`."""
    for f in fields:
        line = node.query_one(f"#error-{css_id(f.name)}", Static)
        line.update("")
        line.remove_class("-shown")
    if error is None or target not in {f.name for f in fields}:
        return False
    line = node.query_one(f"#error-{css_id(target)}", Static)
    line.update(Text(str(error)))
    line.add_class("-shown")
    node.query_one(f"#field-{css_id(target)}").focus()
    return True


T = TypeVar("T")


class FormDialog(ModalScreen[T | None], Generic[T]):
    """A form on its own: ctrl+s hands the values to `save` (core), whose result the
    dialog is dismissed with; a refusal shows under its field; Escape saves nothing."""

    DEFAULT_CSS = (
        """
    FormDialog { align: center middle; }
    #form-dialog {
        width: 76; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    #form-intro { height: auto; padding: 0 0 1 0; }
    #form-fields { height: auto; max-height: 16; }
    #form-message { height: auto; color: $text-error; }
    """
        + FORM_CSS
    )

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(
        self,
        title: str,
        fields: Sequence[Field],
        save: Callable[[dict[str, Any]], T],
        *,
        intro: str = "",
        cancellable: bool = True,
    ) -> None:
        super().__init__()
        self._title = title
        self.fields = list(fields)
        self._save = save
        self._intro = intro
        self._cancellable = cancellable

    def compose(self) -> ComposeResult:
        with Vertical(id="form-dialog") as dialog:
            dialog.border_title = self._title
            dialog.border_subtitle = "ctrl+s saves" + (", Esc cancels" if self._cancellable else "")
            if self._intro:
                yield Static(Text(self._intro), id="form-intro")
            with VerticalScroll(id="form-fields"):
                yield from field_widgets(self.fields)
            yield Static(id="form-message")

    def on_mount(self) -> None:
        self.focus_next()

    def action_save(self) -> None:
        values = field_values(self, self.fields)
        message = self.query_one("#form-message", Static)
        try:
            result = self._save(values)
        except ValidationError as error:
            shown = show_field_error(self, self.fields, error, error.field)
            message.update("" if shown else Text(str(error)))
            return
        except PanelistError as error:
            show_field_error(self, self.fields, None, None)
            message.update(Text(str(error)))
            return
        self.dismiss(result)

    def action_cancel(self) -> None:
        if self._cancellable:
            self.dismiss(None)
