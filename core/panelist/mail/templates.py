"""Message templates: the placeholders they may use, checking them at save time, rendering.

Templates are written by admins, so they are Jinja2 rendered in an immutable
sandbox with `StrictUndefined` and limits (panelist.mail.sandbox): a template
cannot reach Python internals, change the data it is given, silently print
nothing for a misspelt placeholder, run too long or make too much text. The
checks in `validate_template` run when a template is saved, so a mistake is
reported to the admin with its line number instead of failing a mail later.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from types import TracebackType
from typing import cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import (
    StrictUndefined,
    Template,
    TemplateAssertionError,
    TemplateSyntaxError,
    UndefinedError,
    meta,
    nodes,
)
from jinja2.exceptions import SecurityError
from markupsafe import escape
from sqlite_utils import Database

from panelist.errors import ValidationError
from panelist.mail.headers import one_line
from panelist.mail.sandbox import LimitedSandbox, TemplateLimitError, check_output, time_budget
from panelist.text import require_plain

# Every placeholder a template may use: top-level name → attribute → what it holds.
PLACEHOLDERS: Mapping[str, Mapping[str, str]] = {
    "candidate": {"name": "the candidate's full name"},
    "job": {"title": "the title of the job applied for"},
    "company": {"name": "the company's name (setting company_name)"},
    "organiser": {
        "name": "the organiser's full name",
        "email": "the organiser's email address",
    },
    "interviewer": {"name": "the colleague the message is for"},
    "form": {"name": "the evaluation form to fill in"},
    "interview": {
        "type": "the interview type, e.g. 'Technical interview'",
        "method": "'in person', 'phone' or 'video'",
        "start_candidate": "date, time and zone for the candidate (see format_when)",
        "start_local": "date, time and zone for the colleague reading it (see format_when)",
        "duration_minutes": "the length in minutes, a number",
        "location": "the room's address; empty unless in person",
        "video_link": "the video-call link; empty unless video",
    },
    "previous": {
        "start_candidate": "the time it was moved from, for the candidate (see format_when)",
        "start_local": "the time it was moved from, for the colleague reading it",
    },
    "link": {
        "url": "the smart scheduling link the candidate opens to pick a time",
        "type": "the interview type, e.g. 'Technical interview'",
        "duration_minutes": "the interview's length in minutes, a number",
        "window": "the days the candidate may choose from, e.g. 'Monday 23 November to"
        " Friday 4 December 2026'",
        "expires": "until when the link can be used, for the candidate (see format_when)",
    },
}

_FOR_CANDIDATE = frozenset({"candidate", "job", "company", "organiser", "interview"})
# Which top-level names each purpose offers: a candidate mail has no single interviewer.
PURPOSE_PLACEHOLDERS: Mapping[str, frozenset[str]] = {
    "candidate_invitation": _FOR_CANDIDATE,
    "candidate_reschedule": _FOR_CANDIDATE | {"previous"},
    "candidate_cancellation": _FOR_CANDIDATE,
    "interviewer_cancellation": _FOR_CANDIDATE | {"interviewer"},
    "evaluation_reminder": _FOR_CANDIDATE | {"interviewer", "form"},
    "decline_notice": _FOR_CANDIDATE | {"interviewer"},
    # A scheduling link has no interview yet: the candidate picks its time.
    "scheduling_link": frozenset({"candidate", "job", "company", "organiser", "link"}),
}
PURPOSES = tuple(PURPOSE_PLACEHOLDERS)

_METHOD_WORDS = {"in_person": "in person", "phone": "phone", "video": "video"}
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
# http(s) links, without the punctuation that usually ends the sentence around them.
_LINK = re.compile(r"https?://[^\s<>\"']+?(?=[.,;:!?)\]]*(?:\s|$))")

_TEXT_ENV = LimitedSandbox(undefined=StrictUndefined, keep_trailing_newline=True)
_HTML_ENV = LimitedSandbox(undefined=StrictUndefined, autoescape=True)
# Names Jinja2 resolves by itself rather than from the context: none is a placeholder.
_BUILT_IN_NAMES = frozenset({"self"})


@dataclass(frozen=True)
class RenderedMessage:
    subject: str  # one line, safe for the Subject header
    text: str
    html: str


@dataclass(frozen=True)
class MessageTemplate:
    id: int
    name: str
    purpose: str
    subject: str
    body: str
    language: str = "en"


LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[A-Z]{2})?")


def check_language(language: str) -> str:
    """`language` as stored: a tag like 'en', 'nl' or 'pt-BR'; `ValidationError` otherwise."""
    tag = language.strip()
    if not LANGUAGE.fullmatch(tag):
        raise ValidationError(
            f"language {language!r} is not a language tag like 'en', 'nl' or 'pt-BR'",
            field="language",
        )
    return tag


# --------------------------------------------------------------------------- validation


def validate_template(
    subject: str, body: str, *, purpose: str | None = None, strict: bool = False
) -> None:
    """Raise `ValidationError` naming the part and line of the first mistake.

    With `purpose`, placeholders that purpose does not offer are mistakes too
    (``interviewer.name`` in a candidate invitation). With `strict`, a template that
    does not render with the sample data for any reason is refused, not only one that
    breaks a limit (the settings screen saves that way: save refuses what does not render).
    """
    if purpose is not None and purpose not in PURPOSE_PLACEHOLDERS:
        raise ValidationError(f"unknown template purpose {purpose!r}", field="purpose")
    allowed = PURPOSE_PLACEHOLDERS[purpose] if purpose else frozenset(PLACEHOLDERS)
    for part, source in (("subject", subject), ("body", body)):
        found = _first_problem(source, allowed, purpose)
        if found is not None:
            line, problem = found
            raise ValidationError(f"{_where(part, source, line)}: {problem}", field=part)
    _trial_render(subject, body, strict=strict)


def _trial_render(subject: str, body: str, *, strict: bool = False) -> None:
    """Render with sample data: a template that breaks the limits with it is refused now.

    Only limit breaches are refused: other errors may depend on the data
    (an empty location, a short name) and are reported when a real mail is made.
    """
    try:
        render_template(subject, body, sample_context())
    except ValidationError as exc:
        if strict or isinstance(exc.__cause__, TemplateLimitError):
            raise


def _where(part: str, source: str, line: int | None) -> str:
    if line is None or (part == "subject" and "\n" not in source):
        return part
    return f"{part} line {line}"


def _first_problem(
    source: str, allowed: frozenset[str], purpose: str | None
) -> tuple[int, str] | None:
    try:
        tree = _TEXT_ENV.parse(source)
        placeholders = meta.find_undeclared_variables(tree)  # compiles: finds unknown filters
    except TemplateSyntaxError as exc:
        return exc.lineno, _syntax_problem(exc)
    problems = sorted(_placeholder_problems(tree, placeholders, allowed, purpose))
    return problems[0] if problems else None


def _syntax_problem(exc: TemplateSyntaxError) -> str:
    message = (exc.message or "").rstrip(".")
    if isinstance(exc, TemplateAssertionError):  # "No filter named 'x'."
        return message[:1].lower() + message[1:]
    return f"syntax error: {message}"


def _placeholder_problems(
    tree: nodes.Template, placeholders: set[str], allowed: frozenset[str], purpose: str | None
) -> list[tuple[int, str]]:
    """Problems with the names the template uses but does not {% set %} itself."""
    problems, with_attribute = _attribute_problems(tree, placeholders)
    for name in tree.find_all(nodes.Name):
        if name.ctx == "load" and name.name in _BUILT_IN_NAMES:
            problems.append((name.lineno, f"unknown placeholder {name.name!r}"))
        if name.ctx != "load" or name.name not in placeholders:
            continue
        problem = _name_problem(name.name, id(name) in with_attribute, allowed, purpose)
        if problem:
            problems.append((name.lineno, problem))
    return problems


def _attribute_problems(
    tree: nodes.Template, placeholders: set[str]
) -> tuple[list[tuple[int, str]], set[int]]:
    """Private or unknown attributes, and the ids of the placeholder names that have one."""
    problems: list[tuple[int, str]] = []
    with_attribute: set[int] = set()
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        assert isinstance(node, nodes.Getattr | nodes.Getitem)  # find_all's type is too wide
        attribute = _attribute_name(node)
        if attribute is None:
            continue
        if attribute.startswith("_"):  # the sandbox refuses these too; say so at save time
            problems.append((node.lineno, f"attribute {attribute!r} is not allowed"))
        owner = node.node
        if isinstance(owner, nodes.Name) and owner.name in placeholders:
            with_attribute.add(id(owner))
            known = PLACEHOLDERS.get(owner.name)
            if known is not None and attribute not in known:
                problems.append((node.lineno, f"unknown placeholder '{owner.name}.{attribute}'"))
    return problems, with_attribute


def _attribute_name(node: nodes.Getattr | nodes.Getitem) -> str | None:
    if isinstance(node, nodes.Getattr):
        return node.attr
    key = node.arg
    return key.value if isinstance(key, nodes.Const) and isinstance(key.value, str) else None


def _name_problem(
    name: str, has_attribute: bool, allowed: frozenset[str], purpose: str | None
) -> str:
    if name not in PLACEHOLDERS:
        return f"unknown placeholder {name!r}"
    if name not in allowed:
        return f"placeholder {name!r} is not available in a {purpose_words(purpose)} message"
    if not has_attribute:
        example = next(iter(PLACEHOLDERS[name]))
        return f"placeholder {name!r} needs an attribute, e.g. {name}.{example}"
    return ""


def placeholders_for(purpose: str) -> list[tuple[str, str]]:
    """The placeholders a template of `purpose` may use, as ('interview.type', what it holds)."""
    offered = PURPOSE_PLACEHOLDERS.get(purpose, frozenset())
    return [
        (f"{name}.{attribute}", words)
        for name, attributes in PLACEHOLDERS.items()
        if name in offered
        for attribute, words in attributes.items()
    ]


def purpose_words(purpose: str | None) -> str:
    """How a purpose reads in a sentence: 'candidate_invitation' → 'candidate invitation'."""
    return (purpose or "").replace("_", " ")


# --------------------------------------------------------------------------- rendering


def render_template(
    subject: str,
    body: str,
    context: Mapping[str, object],
    *,
    html_body: str | None = None,
) -> RenderedMessage:
    """Render in the sandbox; the HTML comes from `html_body` when given, else from the text.

    Raises `ValidationError` naming part and line when a placeholder is missing
    from `context` or the template tries something the sandbox forbids.
    """
    text = _tidy(_render("body", body, context, html=False))
    if html_body is None:
        html = text_to_html(text)
    else:
        html = _render("html body", html_body, context, html=True)
    return RenderedMessage(
        subject=one_line(_render("subject", subject, context, html=False)),
        text=text,
        html=html,
    )


@functools.lru_cache(maxsize=64)
def _compiled(source: str, html: bool) -> Template:
    environment = _HTML_ENV if html else _TEXT_ENV
    return environment.from_string(environment.prepare(environment.parse(source)))


def _limited_render(template: Template, context: Mapping[str, object]) -> str:
    """Render within the time budget, stopping as soon as the output is too long.

    A limit breach seen here is thrown into the template's generator, so it
    carries the template line that was running, like an error inside it.
    """
    pieces: list[str] = []
    length = 0
    with time_budget():
        chunks = cast(Generator[str, None, None], template.generate(context))  # typed too wide
        for chunk in chunks:
            pieces.append(chunk)
            length += len(chunk)
            try:
                check_output(length)
            except TemplateLimitError as exc:
                chunks.throw(exc)
    return "".join(pieces)


def _render(part: str, source: str, context: Mapping[str, object], *, html: bool) -> str:
    try:
        return _limited_render(_compiled(source, html), context)
    except TemplateSyntaxError as exc:
        where = _where(part, source, exc.lineno)
        raise ValidationError(f"{where}: {_syntax_problem(exc)}", field=part) from None
    except UndefinedError as exc:
        where = _where(part, source, _template_line(exc.__traceback__))
        raise ValidationError(f"{where}: not available here: {exc.message}", field=part) from None
    except TemplateLimitError as exc:
        where = _where(part, source, _template_line(exc.__traceback__))
        raise ValidationError(f"{where}: {exc}", field=part) from exc
    except SecurityError as exc:
        where = _where(part, source, _template_line(exc.__traceback__))
        raise ValidationError(f"{where}: not allowed: {exc}", field=part) from None
    except Exception as exc:  # admin-written expressions can fail in any way (1 / 0, 'a' + 1)
        where = _where(part, source, _template_line(exc.__traceback__))
        raise ValidationError(f"{where}: {exc}", field=part) from None


def _template_line(traceback: TracebackType | None) -> int | None:
    """The template line that failed: Jinja2 rewrites tracebacks to point into the template."""
    line = None
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == "<template>":
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line


def _tidy(text: str) -> str:
    """Line breaks as \\n, no trailing spaces, at most one blank line in a row (left by tags)."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    joined = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return joined.strip("\n") + "\n"


def text_to_html(text: str) -> str:
    """A small HTML version of plain text: escaped, blank lines as paragraphs, links clickable."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    body = "\n".join(
        "<p>" + "<br>\n".join(_linked(line) for line in p.splitlines()) + "</p>" for p in paragraphs
    )
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head>'
        f"<body>\n{body}\n</body></html>\n"
    )


def _linked(line: str) -> str:
    html, done = [], 0
    for match in _LINK.finditer(line):
        url = match.group(0)
        html += [
            str(escape(line[done : match.start()])),
            f'<a href="{escape(url)}">{escape(url)}</a>',
        ]
        done = match.end()
    html.append(str(escape(line[done:])))
    return "".join(html)


# --------------------------------------------------------------------------- placeholder values


def format_when(start: datetime, end: datetime | None, zone_name: str) -> str:
    """'Tuesday 1 December 2026, 10:00–11:00 (Europe/Amsterdam)': wall-clock times in the zone.

    English and independent of the OS locale. A span that ends on a later day
    names both days; without `end` only the start is shown.
    """
    tz = _zone(zone_name)
    local_start = _aware(start, "start").astimezone(tz)
    if end is None:
        return f"{_day(local_start)}, {local_start:%H:%M} ({zone_name})"
    local_end = _aware(end, "end").astimezone(tz)
    if local_end.date() == local_start.date():
        return f"{_day(local_start)}, {local_start:%H:%M}–{local_end:%H:%M} ({zone_name})"
    return (
        f"{_day(local_start)}, {local_start:%H:%M} – "
        f"{_day(local_end)}, {local_end:%H:%M} ({zone_name})"
    )


def _aware(value: datetime, what: str) -> datetime:
    if value.tzinfo is None:
        raise ValidationError(f"{what}: a time without a timezone cannot be shown", field=what)
    return value


def _zone(name: str) -> ZoneInfo:
    # Not panelist.providers.ical.zone: that module loads icalendar, which templates never need.
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"unknown timezone {name!r}", field="timezone") from None


def _day(value: datetime) -> str:
    return f"{_DAYS[value.weekday()]} {value.day} {_MONTHS[value.month - 1]} {value.year}"


def message_context(
    *,
    candidate_name: str,
    job_title: str,
    company_name: str,
    organiser_name: str,
    organiser_email: str,
    interview_type: str,
    method: str,
    start: datetime,
    end: datetime,
    candidate_zone: str,
    local_zone: str,
    location: str = "",
    video_link: str | None = None,
    interviewer_name: str | None = None,
    form_name: str | None = None,
    previous: tuple[datetime, datetime] | None = None,
    link: Mapping[str, object] | None = None,
) -> dict[str, object]:
    """The context `render_template` expects, with exactly the names in `PLACEHOLDERS`.

    `candidate_zone` is the candidate's zone (the organiser's when unknown);
    `local_zone` the zone of the colleague reading it. `interviewer`, `form` and
    `previous` (the start and end a reschedule moved from) are present only when
    given, so a template that needs them fails clearly.
    """
    context: dict[str, object] = {
        "candidate": {"name": candidate_name},
        "job": {"title": job_title},
        "company": {"name": company_name},
        "organiser": {"name": organiser_name, "email": organiser_email},
        "interview": {
            "type": interview_type,
            "method": _METHOD_WORDS.get(method, method),
            "start_candidate": format_when(start, end, candidate_zone),
            "start_local": format_when(start, end, local_zone),
            "duration_minutes": round((end - start).total_seconds() / 60),
            "location": location,
            "video_link": video_link or "",
        },
    }
    if interviewer_name is not None:
        context["interviewer"] = {"name": interviewer_name}
    if form_name is not None:
        context["form"] = {"name": form_name}
    if previous is not None:
        context["previous"] = {
            "start_candidate": format_when(*previous, candidate_zone),
            "start_local": format_when(*previous, local_zone),
        }
    if link is not None:
        context["link"] = dict(link)
    return context


def format_days(first: date, last: date) -> str:
    """'Monday 23 November to Friday 4 December 2026': a span of days, English, no zone."""
    if first == last:
        return _day_of(first)
    if first.year == last.year:
        return f"{_DAYS[first.weekday()]} {first.day} {_MONTHS[first.month - 1]} to {_day_of(last)}"
    return f"{_day_of(first)} to {_day_of(last)}"


def _day_of(value: date) -> str:
    return f"{_DAYS[value.weekday()]} {value.day} {_MONTHS[value.month - 1]} {value.year}"


def link_context(
    *, url: str, type_name: str, minutes: int, first: date, last: date, expires: str
) -> dict[str, object]:
    """The `link` placeholder of a scheduling link mail; `expires` as `format_when` words it."""
    return {
        "url": url,
        "type": type_name,
        "duration_minutes": minutes,
        "window": format_days(first, last),
        "expires": expires,
    }


def sample_context() -> dict[str, object]:
    """Made-up values for every placeholder, for trying a template before it is saved."""
    start = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)
    return message_context(
        candidate_name="Alex Example-Sample",
        job_title="Senior Backend Engineer",
        company_name="Example Company Ltd",
        organiser_name="Robin Recruiter",
        organiser_email="robin.recruiter@example.com",
        interview_type="Technical interview",
        method="video",
        start=start,
        end=start + timedelta(hours=1),
        candidate_zone="Europe/Amsterdam",
        local_zone="Europe/Amsterdam",
        location="Example Street 1, 1000 AA Example City",
        video_link="https://meet.example.com/panelist-sample",
        interviewer_name="Sam Interviewer",
        form_name="General evaluation",
        previous=(start - timedelta(days=1), start - timedelta(days=1) + timedelta(hours=1)),
        link=sample_link(start),
    )


def sample_link(start: datetime) -> dict[str, object]:
    """A made-up scheduling link, for trying and previewing a template."""
    return link_context(
        url="https://panelist.example.com/s/sample-link",
        type_name="Technical interview",
        minutes=60,
        first=start.date(),
        last=start.date() + timedelta(days=13),
        expires=format_when(start + timedelta(days=12), None, "Europe/Amsterdam"),
    )


# --------------------------------------------------------------------------- storage


def save_template(
    db: Database,
    name: str,
    purpose: str,
    subject: str,
    body: str,
    language: str = "en",
    *,
    strict: bool = False,
    template_id: int | None = None,
) -> int:
    """Validate, then insert or update the template called `name` (with `template_id`:
    update that template, renaming it); returns its id. `strict`: refuse it unless it
    renders with the sample data (`validate_template`)."""
    clean_name = one_line(name)
    if not clean_name:
        raise ValidationError("a template needs a name", field="name")
    if purpose not in PURPOSE_PLACEHOLDERS:
        raise ValidationError(f"unknown template purpose {purpose!r}", field="purpose")
    if not subject.strip():
        raise ValidationError("a template needs a subject", field="subject")
    require_plain(subject.strip(), "subject")
    if not body.strip():
        raise ValidationError("a template needs a body", field="body")
    tag = check_language(language)
    validate_template(subject, body, purpose=purpose, strict=strict)
    record = {
        "name": clean_name,
        "purpose": purpose,
        "subject": subject,
        "body": body,
        "language": tag,
    }
    with db.atomic():
        row = db.execute("SELECT id FROM message_templates WHERE name = ?", [clean_name]).fetchone()
        if template_id is not None:  # this template, renamed or not
            if row is not None and row[0] != template_id:
                raise ValidationError(f"another template is named {clean_name!r}", field="name")
            if db.execute("SELECT 1 FROM message_templates WHERE id = ?", [template_id]).fetchone():
                db.table("message_templates").update(template_id, record)
                return template_id
            raise ValidationError(f"template {template_id} no longer exists", field="name")
        if row is None:
            return int(db.table("message_templates").insert(record).last_pk or 0)
        db.table("message_templates").update(row[0], record)
        return int(row[0])


def templates_for(db: Database, purpose: str) -> list[MessageTemplate]:
    """The templates of one purpose, by name, for a picker."""
    rows = db.execute(
        "SELECT id, name, purpose, subject, body, language FROM message_templates"
        " WHERE purpose = ? ORDER BY name",
        [purpose],
    ).fetchall()
    return [MessageTemplate(*row) for row in rows]
