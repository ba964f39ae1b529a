"""`panelist import KIND FILE`: employees, rooms, jobs and applications from CSV or JSON.

All or nothing: every row is validated first, then everything is written in one
transaction. Records are matched on their natural key (employee and candidate
email, room name, job title) so importing the same file twice changes nothing.
Errors name the file, the row (1 = first data row) and the field.
"""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import available_timezones

from sqlite_utils import Database

from panelist.errors import ImportFailed, ValidationError
from panelist.models import WEEKDAYS, Stage, WorkingHours
from panelist.permissions import admins, keep_an_admin
from panelist.text import plain_text_problem

KINDS = ("employees", "rooms", "jobs", "applications")
MAX_REPORTED_ERRORS = 20
_EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")


@dataclass
class ImportResult:
    kind: str
    created: int = 0
    updated: int = 0


@dataclass
class _Row:
    number: int
    values: dict[str, Any]
    errors: list[str] = field(default_factory=list)


class _RowError(Exception):
    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field_name = field_name


def import_file(
    db: Database,
    kind: str,
    path: Path,
    known_calendar_providers: frozenset[str] = frozenset(),
    today: date | None = None,
) -> ImportResult:
    if kind not in KINDS:
        raise ImportFailed(f"unknown kind {kind!r}: choose one of {', '.join(KINDS)}")
    rows = list(_read_rows(path))
    if not rows:
        raise ImportFailed(f"{path}: no records to import")
    importer = _Importer(db, path, known_calendar_providers, today or date.today())
    return importer.run(kind, rows)


# --- reading ---------------------------------------------------------------


def _read_rows(path: Path) -> Iterator[_Row]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ImportFailed(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFailed(f"{path}: cannot be read as UTF-8 text ({exc})") from None
    suffix = path.suffix.lower()
    if suffix == ".json":
        yield from _json_rows(path, text)
    elif suffix == ".csv":
        yield from _csv_rows(path, text)
    else:
        raise ImportFailed(f"{path}: unknown format {suffix or '(none)'}; use .csv or .json")


def _json_rows(path: Path, text: str) -> Iterator[_Row]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFailed(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(data, list):
        raise ImportFailed(f"{path}: expected a JSON list of objects")
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise ImportFailed(
                f"{path} row {number}: expected an object, got {type(item).__name__}"
            )
        yield _Row(number, {str(k).strip().lower(): v for k, v in item.items()})


def _csv_rows(path: Path, text: str) -> Iterator[_Row]:
    reader = csv.DictReader(text.splitlines())
    if not reader.fieldnames:
        raise ImportFailed(f"{path}: the CSV file has no header row")
    try:
        for number, record in enumerate(reader, start=1):
            if None in record:
                raise ImportFailed(f"{path} row {number}: more values than columns in the header")
            yield _Row(number, {k.strip().lower(): (v or "").strip() for k, v in record.items()})
    except csv.Error as exc:
        raise ImportFailed(f"{path}: malformed CSV ({exc})") from None


# --- field parsers -----------------------------------------------------------


def _text(row: _Row, name: str, required: bool = False, default: str = "") -> str:
    value = row.values.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise _RowError(name, "is required")
        return default
    if not isinstance(value, (str, int, float)):
        raise _RowError(name, f"expected text, got {type(value).__name__}")
    text = str(value).strip()
    if len(text) > 500:
        raise _RowError(name, "is longer than 500 characters")
    problem = plain_text_problem(text)
    if problem is not None:
        raise _RowError(name, problem)
    return text


def _email(row: _Row, name: str) -> str:
    value = _text(row, name, required=True)
    if not _EMAIL.match(value):
        raise _RowError(name, f"{value!r} is not an email address")
    return value.lower()


_ZONES: set[str] = set()


def _zone(row: _Row, name: str, required: bool) -> str | None:
    value = _text(row, name, required=required)
    if not value:
        return None
    if not _ZONES:
        _ZONES.update(available_timezones())
    if value not in _ZONES:
        raise _RowError(name, f"{value!r} is not an IANA time zone (e.g. Europe/Amsterdam)")
    return value


def _positive_int(row: _Row, name: str) -> int:
    value = row.values.get(name)
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise _RowError(name, f"{value!r} is not a whole number") from None
    if number <= 0:
        raise _RowError(name, f"must be more than 0, got {number}")
    return number


_DAY_RANGE = re.compile(r"^(\w{3})(?:\s*-\s*(\w{3}))?$")


def parse_working_hours(text: str) -> WorkingHours:
    """ "Mon-Fri 09:00-17:00; Sat 10:00-12:00" → WorkingHours. Days are Mon..Sun."""
    mapping: dict[str, list[list[str]]] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        try:
            days_text, span = part.rsplit(" ", 1)
            start, end = (t.strip() for t in span.split("-"))
        except ValueError:
            raise ValidationError(f"{part!r} is not like 'Mon-Fri 09:00-17:00'") from None
        for day in _expand_days(days_text.strip()):
            mapping.setdefault(day, []).append([start, end])
    return WorkingHours.from_mapping(mapping)


def _expand_days(text: str) -> list[str]:
    days: list[str] = []
    for piece in text.split(","):
        match = _DAY_RANGE.match(piece.strip().lower())
        if (
            not match
            or match.group(1) not in WEEKDAYS
            or (match.group(2) and match.group(2) not in WEEKDAYS)
        ):
            raise ValidationError(f"{piece.strip()!r} is not a weekday or range like Mon-Fri")
        first = WEEKDAYS.index(match.group(1))
        last = WEEKDAYS.index(match.group(2)) if match.group(2) else first
        if last < first:
            raise ValidationError(f"{piece.strip()!r}: the range runs backwards")
        days.extend(WEEKDAYS[first : last + 1])
    return days


def _working_hours(row: _Row, name: str) -> WorkingHours:
    value = row.values.get(name)
    try:
        if isinstance(value, dict):
            return WorkingHours.from_mapping(value)
        if value is None or (isinstance(value, str) and not value.strip()):
            return WorkingHours.office()
        return parse_working_hours(str(value))
    except ValidationError as exc:
        raise _RowError(name, str(exc)) from None


# --- per kind ----------------------------------------------------------------


class _Importer:
    def __init__(self, db: Database, path: Path, providers: frozenset[str], today: date) -> None:
        self.db = db
        self.path = path
        self.providers = providers
        self.today = today
        self.roles = {
            name.casefold(): role_id
            for role_id, name in db.execute("SELECT id, name FROM recruiting_roles").fetchall()
        }

    def run(self, kind: str, rows: list[_Row]) -> ImportResult:
        parse: Callable[[_Row], dict[str, Any]] = getattr(self, f"_parse_{kind}")
        write: Callable[[list[dict[str, Any]], ImportResult], None] = getattr(
            self, f"_write_{kind}"
        )
        records, problems = [], []
        for row in rows:
            try:
                records.append(parse(row))
            except _RowError as exc:
                problems.append(f"{self.path} row {row.number}, field {exc.field_name!r}: {exc}")
        problems.extend(self._duplicates(kind, rows, records) if not problems else [])
        if problems:
            raise ImportFailed(_summarise(problems))
        result = ImportResult(kind)
        admins_before = admins(self.db)
        try:
            with self.db.atomic():
                write(records, result)
                keep_an_admin(self.db, admins_before)
        except (sqlite3.IntegrityError, ValidationError) as exc:  # rules across the rows
            raise ImportFailed(f"{self.path}: nothing was imported: {exc}") from None
        return result

    def _duplicates(self, kind: str, rows: list[_Row], records: list[dict[str, Any]]) -> list[str]:
        key_field = {"employees": "email", "rooms": "name", "jobs": "title"}.get(kind)
        keys: Callable[[dict[str, Any]], Any]
        if key_field is None:
            key_field, keys = "candidate_email", lambda r: (r["candidate_email"], r["job"])
        else:
            keys = lambda r: str(r[key_field]).casefold()  # noqa: E731
        seen: dict[Any, int] = {}
        problems = []
        for row, record in zip(rows, records, strict=True):
            key = keys(record)
            if key in seen:
                problems.append(
                    f"{self.path} row {row.number}, field {key_field!r}: duplicates row {seen[key]}"
                )
            seen.setdefault(key, row.number)
        return problems

    def _role(self, row: _Row, name: str, required: bool = False) -> int | None:
        role = _text(row, name, required=required)
        if not role:
            return None
        if role.casefold() not in self.roles:
            known = ", ".join(sorted(n.title() for n in self.roles)) or "none defined"
            raise _RowError(name, f"unknown recruiting role {role!r} (known: {known})")
        return int(self.roles[role.casefold()])

    def _calendar(self, row: _Row) -> tuple[str | None, str | None]:
        provider = _text(row, "calendar_provider") or None
        calendar_id = _text(row, "calendar_id") or None
        if provider and provider not in self.providers:
            known = ", ".join(sorted(self.providers)) or "none"
            raise _RowError(
                "calendar_provider", f"{provider!r} is not installed (installed: {known})"
            )
        if bool(provider) != bool(calendar_id):
            missing = "calendar_id" if provider else "calendar_provider"
            raise _RowError(missing, "calendar_provider and calendar_id go together")
        return provider, calendar_id

    # employees
    def _parse_employees(self, row: _Row) -> dict[str, Any]:
        provider, calendar_id = self._calendar(row)
        return {
            "email": _email(row, "email"),
            "name": _text(row, "name", required=True),
            "timezone": _zone(row, "timezone", required=True),
            "working_hours": _working_hours(row, "working_hours").to_json(),
            "calendar_provider": provider,
            "calendar_id": calendar_id,
            "company_role_id": self._role(row, "role"),
            "os_user": _text(row, "os_user") or None,
        }

    def _write_employees(self, records: list[dict[str, Any]], result: ImportResult) -> None:
        for record in records:
            self._upsert("employees", "email = ? COLLATE NOCASE", [record["email"]], record, result)

    # rooms
    def _parse_rooms(self, row: _Row) -> dict[str, Any]:
        provider, calendar_id = self._calendar(row)
        return {
            "name": _text(row, "name", required=True),
            "capacity": _positive_int(row, "capacity"),
            "location": _text(row, "location"),
            "calendar_provider": provider,
            "calendar_id": calendar_id,
        }

    def _write_rooms(self, records: list[dict[str, Any]], result: ImportResult) -> None:
        for record in records:
            self._upsert("rooms", "name = ?", [record["name"]], record, result)

    # jobs: responsibles as "email=Role; email=Role"
    def _parse_jobs(self, row: _Row) -> dict[str, Any]:
        status = _text(row, "status", default="open").lower()
        if status not in ("open", "closed"):
            raise _RowError("status", f"{status!r} is not open or closed")
        return {
            "title": _text(row, "title", required=True),
            "department": _text(row, "department"),
            "location": _text(row, "location"),
            "status": status,
            "responsibles": self._responsibles(row),
        }

    def _responsibles(self, row: _Row) -> list[tuple[int, int]]:
        raw = row.values.get("responsibles") or ""
        entries = raw if isinstance(raw, list) else [p for p in str(raw).split(";") if p.strip()]
        found = []
        for entry in entries:
            email, _, role = str(entry).partition("=")
            employee = self.db.execute(
                "SELECT id FROM employees WHERE email = ? COLLATE NOCASE", [email.strip()]
            ).fetchone()
            if employee is None:
                raise _RowError("responsibles", f"{email.strip()!r} is not an employee")
            role_name = role.strip() or "Recruiter"
            if role_name.casefold() not in self.roles:
                raise _RowError("responsibles", f"unknown recruiting role {role_name!r}")
            found.append((employee[0], self.roles[role_name.casefold()]))
        return found

    def _write_jobs(self, records: list[dict[str, Any]], result: ImportResult) -> None:
        for record in records:
            responsibles = record.pop("responsibles")
            job_id = self._upsert("jobs", "title = ?", [record["title"]], record, result)
            for employee_id, role_id in responsibles:
                self.db.table("job_responsibles").upsert(
                    {"job_id": job_id, "employee_id": employee_id, "role_id": role_id},
                    pk=("job_id", "employee_id"),
                )

    # applications (with their candidates)
    def _parse_applications(self, row: _Row) -> dict[str, Any]:
        job_title = _text(row, "job", required=True)
        job = self.db.execute("SELECT id FROM jobs WHERE title = ?", [job_title]).fetchone()
        if job is None:
            raise _RowError("job", f"no job titled {job_title!r}")
        stage = _text(row, "stage", default="new").lower()
        if stage not in {s.value for s in Stage}:
            raise _RowError("stage", f"{stage!r} is not one of {', '.join(s.value for s in Stage)}")
        applied = _text(row, "applied_on", default=self.today.isoformat())
        try:
            date.fromisoformat(applied)
        except ValueError:
            raise _RowError("applied_on", f"{applied!r} is not a date (YYYY-MM-DD)") from None
        return {
            "candidate_name": _text(row, "candidate_name", required=True),
            "candidate_email": _email(row, "candidate_email"),
            "candidate_timezone": _zone(row, "candidate_timezone", required=False),
            "job": job[0],
            "stage": stage,
            "applied_on": applied,
        }

    def _write_applications(self, records: list[dict[str, Any]], result: ImportResult) -> None:
        scratch = ImportResult("candidates")
        for record in records:
            candidate = {
                "name": record["candidate_name"],
                "email": record["candidate_email"],
                "timezone": record["candidate_timezone"],
            }
            candidate_id = self._upsert(
                "candidates", "email = ? COLLATE NOCASE", [candidate["email"]], candidate, scratch
            )
            self._upsert(
                "applications",
                "candidate_id = ? AND job_id = ?",
                [candidate_id, record["job"]],
                {
                    "candidate_id": candidate_id,
                    "job_id": record["job"],
                    "stage": record["stage"],
                    "applied_on": record["applied_on"],
                },
                result,
            )

    def _upsert(
        self,
        table: str,
        where: str,
        params: list[Any],
        record: dict[str, Any],
        result: ImportResult,
    ) -> int:
        existing = self.db.execute(f"SELECT id FROM {table} WHERE {where}", params).fetchone()
        if existing is None:
            result.created += 1
            return int(self.db.table(table).insert(record).last_pk or 0)
        self.db.table(table).update(existing[0], record)
        result.updated += 1
        return int(existing[0])


def _summarise(problems: list[str]) -> str:
    if len(problems) == 1:
        return f"{problems[0]} (nothing was imported)"
    shown = problems[:MAX_REPORTED_ERRORS]
    more = len(problems) - len(shown)
    lines = [*shown, f"… and {more} more"] if more else shown
    return f"{len(problems)} problems, nothing was imported:\n" + "\n".join(lines)
