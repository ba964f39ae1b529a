"""`panelist import KIND FILE`: employees, rooms, jobs and applications from CSV or JSON.

All or nothing: every row is validated and compared with the database first, then
what changed is written in one short transaction, so other Panelists wait for the
write lock only that long. Records are matched on their natural key (employee and
candidate email, room name, job title) so importing the same file twice writes nothing.
Errors name the file, the row (1 = first data row) and the field.
"""

from __future__ import annotations

import csv
import getpass
import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlite_utils import Database

from panelist import audit
from panelist.errors import ImportFailed, ValidationError
from panelist.models import Stage, WorkingHours
from panelist.permissions import admins, keep_an_admin
from panelist.storage.transaction import immediate
from panelist.text import plain_text_problem
from panelist.timezones import zone_or_none

KINDS = ("employees", "rooms", "jobs", "applications")
# What makes a row the same record, for a row another process inserted meanwhile.
_NATURAL_KEYS = {
    "employees": "email",
    "rooms": "name",
    "candidates": "email",
    "applications": "candidate_id, job_id",
}
MAX_REPORTED_ERRORS = 20


@dataclass
class ImportResult:
    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class _Row:
    number: int
    values: dict[str, Any]
    errors: list[str] = field(default_factory=list)


class _RowError(Exception):
    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field_name = field_name


# (provider id, calendar id) -> what is wrong with the id, in one line; None when it is fine.
CalendarIdCheck = Callable[[str, str], str | None]


def import_file(
    db: Database,
    kind: str,
    path: Path,
    known_calendar_providers: frozenset[str] = frozenset(),
    today: date | None = None,
    *,
    check_calendar_id: CalendarIdCheck | None = None,
    actor: audit.Actor | None = None,
) -> ImportResult:
    """Import `path`; `check_calendar_id` asks each row's provider about its calendar id.

    A change is written with its audit line by `actor` (default: the OS account running it).
    """
    if kind not in KINDS:
        raise ImportFailed(f"unknown kind {kind!r}: choose one of {', '.join(KINDS)}")
    rows = list(_read_rows(path))
    if not rows:
        raise ImportFailed(f"{path}: no records to import")
    importer = _Importer(
        db,
        path,
        known_calendar_providers,
        today or date.today(),
        check_calendar_id,
        actor or audit.Actor.os_account(getpass.getuser()),
    )
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
        data = json.loads(text, object_pairs_hook=_JsonObject)
    except json.JSONDecodeError as exc:
        raise ImportFailed(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
    except RecursionError:
        raise ImportFailed(f"{path}: not valid JSON (nested too deeply)") from None
    except ValueError as exc:  # e.g. a number of more than 4300 digits
        raise ImportFailed(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, list):
        raise ImportFailed(f"{path}: expected a JSON list of objects")
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise ImportFailed(
                f"{path} row {number}: expected an object, got {type(item).__name__}"
            )
        yield _Row(number, _json_fields(f"{path} row {number}", item))


def _json_fields(where: str, item: dict[str, Any]) -> dict[str, Any]:
    """The row's fields by lower-case name; a key given twice, at any depth, is refused."""
    if isinstance(item, _JsonObject) and item.repeated:
        raise ImportFailed(f"{where}, field {item.repeated!r}: the key appears twice")
    values: dict[str, Any] = {}
    for key, value in item.items():
        name = str(key).strip().lower()
        if name in values:
            raise ImportFailed(f"{where}, field {name!r}: the key appears twice")
        nested = _repeated_key(value)
        if nested:
            raise ImportFailed(f"{where}, field {name!r}: the key {nested!r} appears twice")
        values[name] = value
    return values


class _JsonObject(dict[str, Any]):
    """A JSON object that remembers a key given twice (json keeps the last one silently)."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        self.repeated = ""
        if len(self) < len(pairs):
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen:
                    self.repeated = key
                    break
                seen.add(key)


def _repeated_key(value: Any) -> str:
    """The first key repeated anywhere inside `value` (a field's nested objects), or ""."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, _JsonObject):
            if item.repeated:
                return item.repeated
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return ""


def _csv_rows(path: Path, text: str) -> Iterator[_Row]:
    reader = csv.DictReader(text.splitlines())
    if not reader.fieldnames:
        raise ImportFailed(f"{path}: the CSV file has no header row")
    _check_header(path, reader.fieldnames)
    try:
        for number, record in enumerate(reader, start=1):
            if None in record:
                raise ImportFailed(f"{path} row {number}: more values than columns in the header")
            yield _Row(number, {k.strip().lower(): (v or "").strip() for k, v in record.items()})
    except csv.Error as exc:
        raise ImportFailed(f"{path}: malformed CSV ({exc})") from None


def _check_header(path: Path, names: Sequence[str]) -> None:
    if len(names) == 1 and ";" in names[0]:
        raise ImportFailed(
            f"{path}: the columns are separated by semicolons; save the file with commas"
        )
    first_column: dict[str, int] = {}
    for column, raw in enumerate(names, start=1):
        name = raw.strip().lower()
        if name in first_column:
            raise ImportFailed(
                f"{path} header, field {name!r}: appears twice "
                f"(columns {first_column[name]} and {column})"
            )
        first_column[name] = column


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
    try:
        # The syntax the mailer will accept; whether the domain takes mail is not checked.
        address = validate_email(value, check_deliverability=False, test_environment=True)
    except EmailNotValidError as exc:
        reason = str(exc).rstrip(".")
        raise _RowError(name, f"{value!r} is not an email address ({reason})") from None
    return address.normalized.lower()


def _zone(row: _Row, name: str, required: bool) -> str | None:
    value = _text(row, name, required=required)
    if not value:
        return None
    if zone_or_none(value) is None:
        raise _RowError(name, f"{value!r} is not an IANA time zone (e.g. Europe/Amsterdam)")
    return value


# SQLite stores integers in 64 bits.
_MAX_INTEGER = 2**63 - 1


def _positive_int(row: _Row, name: str) -> int:
    value = row.values.get(name)
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise _RowError(name, f"{value!r} is not a whole number") from None
    if number <= 0:
        raise _RowError(name, f"must be more than 0, got {number}")
    if number > _MAX_INTEGER:
        raise _RowError(name, f"is too large (at most {_MAX_INTEGER})")
    return number


def _working_hours(row: _Row, name: str) -> WorkingHours:
    value = row.values.get(name)
    try:
        if isinstance(value, dict):
            return WorkingHours.from_mapping(value)
        if value is None or (isinstance(value, str) and not value.strip()):
            return WorkingHours.office()
        return WorkingHours.parse(str(value))
    except ValidationError as exc:
        raise _RowError(name, str(exc)) from None


# --- per kind ----------------------------------------------------------------


class _Plan:
    """What an import would change: rows to insert and rows to update, per table."""

    def __init__(self, kind: str) -> None:
        self.result = ImportResult(kind)
        self.inserts: dict[str, list[dict[str, Any]]] = {}
        self.updates: dict[str, list[tuple[int, dict[str, Any]]]] = {}

    @property
    def empty(self) -> bool:
        return not any(self.inserts.values()) and not any(self.updates.values())

    def compare(
        self,
        table: str,
        existing: dict[Any, dict[str, Any]],
        key: Any,
        record: dict[str, Any],
        result: ImportResult,
        changed: bool = False,
    ) -> None:
        """Plan `record` against the row stored under `key`, if any; count it in `result`.

        `changed`: something stored elsewhere (a job's responsibles) changes too."""
        stored = existing.get(key)
        if stored is None:
            self.inserts.setdefault(table, []).append(record)
            result.created += 1
        elif changed or any(stored[column] != value for column, value in record.items()):
            self.updates.setdefault(table, []).append((stored["id"], record))
            result.updated += 1
        else:
            result.unchanged += 1


class _Importer:
    """Three phases: read and validate the rows, compare them with the stored ones, write
    only the difference. The first two only read, so the write lock is held for the
    changed rows alone (a re-import of an unchanged file does not take it at all).
    A record another process inserted in between is matched on its natural key."""

    def __init__(
        self,
        db: Database,
        path: Path,
        providers: frozenset[str],
        today: date,
        check_calendar_id: CalendarIdCheck | None,
        actor: audit.Actor,
    ) -> None:
        self.db = db
        self.path = path
        self.providers = providers
        self.today = today
        self.check_calendar_id = check_calendar_id
        self.candidate_ids: dict[str, int] = {}
        self.actor = actor

    def run(self, kind: str, rows: list[_Row]) -> ImportResult:
        plan = self._plan(kind, rows)
        if not plan.empty:
            self._write(kind, plan)
        return plan.result

    def _plan(self, kind: str, rows: list[_Row]) -> _Plan:
        self._load_lookups()
        records = self._validate(kind, rows)
        plan = _Plan(kind)
        diff: Callable[[list[dict[str, Any]], _Plan], None] = getattr(self, f"_diff_{kind}")
        diff(records, plan)
        return plan

    def _write(self, kind: str, plan: _Plan) -> None:
        write: Callable[[_Plan], None] = getattr(self, f"_write_{kind}", self._write_tables)
        try:
            with immediate(self.db):
                admins_before = admins(self.db)
                write(plan)
                keep_an_admin(self.db, admins_before)
                self._audit(kind, plan.result)
        except (sqlite3.IntegrityError, ValidationError) as exc:  # rules across the rows
            raise ImportFailed(f"{self.path}: nothing was imported: {exc}") from None

    def _audit(self, kind: str, result: ImportResult) -> None:
        counts = f"{result.created} created, {result.updated} updated"
        audit.record(
            self.db, self.actor, audit.Action.IMPORT, f"{kind} from {self.path.name}", counts
        )

    # --- phase 1: read and validate -------------------------------------------

    def _load_lookups(self) -> None:
        self.roles = {
            name.casefold(): role_id
            for role_id, name in self.db.execute("SELECT id, name FROM recruiting_roles")
        }
        self.jobs = {
            title: job_id for job_id, title in self.db.execute("SELECT id, title FROM jobs")
        }
        self.employees = {
            email.lower(): employee_id
            for employee_id, email in self.db.execute("SELECT id, email FROM employees")
        }

    def _validate(self, kind: str, rows: list[_Row]) -> list[dict[str, Any]]:
        parse: Callable[[_Row], dict[str, Any]] = getattr(self, f"_parse_{kind}")
        records, problems = [], []
        for row in rows:
            try:
                records.append(parse(row))
            except _RowError as exc:
                problems.append(f"{self.path} row {row.number}, field {exc.field_name!r}: {exc}")
        problems.extend(self._duplicates(kind, rows, records) if not problems else [])
        if problems:
            raise ImportFailed(_summarise(problems))
        return records

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
        if kind == "applications":
            problems.extend(self._candidates_that_disagree(rows, records))
        return problems

    def _candidates_that_disagree(
        self, rows: list[_Row], records: list[dict[str, Any]]
    ) -> list[str]:
        """One candidate on several rows (several jobs) must be the same person on each."""
        first: dict[str, tuple[int, dict[str, Any]]] = {}
        problems = []
        for row, record in zip(rows, records, strict=True):
            number, earlier = first.setdefault(record["candidate_email"], (row.number, record))
            for name in ("candidate_name", "candidate_timezone"):
                if earlier[name] != record[name]:
                    problems.append(
                        f"{self.path} row {row.number}, field {name!r}: the same candidate "
                        f"is in row {number} with {earlier[name]!r}"
                    )
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
        if provider and calendar_id and self.check_calendar_id is not None:
            problem = self.check_calendar_id(provider, calendar_id)
            if problem:
                raise _RowError("calendar_id", problem)
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
            employee_id = self.employees.get(email.strip().lower())
            if employee_id is None:
                raise _RowError("responsibles", f"{email.strip()!r} is not an employee")
            role_name = role.strip() or "Recruiter"
            if role_name.casefold() not in self.roles:
                raise _RowError("responsibles", f"unknown recruiting role {role_name!r}")
            found.append((employee_id, self.roles[role_name.casefold()]))
        return found

    # applications (with their candidates)
    def _parse_applications(self, row: _Row) -> dict[str, Any]:
        job_title = _text(row, "job", required=True)
        job_id = self.jobs.get(job_title)
        if job_id is None:
            raise _RowError("job", f"no job titled {job_title!r}")
        stage = _text(row, "stage", default="new").lower()
        if stage not in {s.value for s in Stage}:
            raise _RowError("stage", f"{stage!r} is not one of {', '.join(s.value for s in Stage)}")
        applied = _text(row, "applied_on") or None
        try:
            date.fromisoformat(applied or "2000-01-01")
        except ValueError:
            raise _RowError("applied_on", f"{applied!r} is not a date (YYYY-MM-DD)") from None
        return {
            "candidate_name": _text(row, "candidate_name", required=True),
            "candidate_email": _email(row, "candidate_email"),
            "candidate_timezone": _zone(row, "candidate_timezone", required=False),
            "job": job_id,
            "stage": stage,
            "applied_on": applied,
        }

    # --- phase 2: compare with the database ---------------------------------------

    def _stored(
        self, table: str, columns: list[str], key: Callable[[dict[str, Any]], Any]
    ) -> dict[Any, dict[str, Any]]:
        """Every row of `table` (id and `columns`) by its natural key."""
        names = ["id", *columns]
        cursor = self.db.execute(f"SELECT {', '.join(names)} FROM {table}")
        rows = (dict(zip(names, values, strict=True)) for values in cursor)
        return {key(row): row for row in rows}

    def _diff_simple(
        self, table: str, key: str, records: list[dict[str, Any]], plan: _Plan
    ) -> None:
        def fold(record: dict[str, Any]) -> Any:
            return record[key].lower() if key == "email" else record[key]

        stored = self._stored(table, list(records[0]), fold)
        for record in records:
            plan.compare(table, stored, fold(record), record, plan.result)

    def _diff_employees(self, records: list[dict[str, Any]], plan: _Plan) -> None:
        self._diff_simple("employees", "email", records, plan)

    def _diff_rooms(self, records: list[dict[str, Any]], plan: _Plan) -> None:
        self._diff_simple("rooms", "name", records, plan)

    def _diff_jobs(self, records: list[dict[str, Any]], plan: _Plan) -> None:
        jobs = [{k: v for k, v in r.items() if k != "responsibles"} for r in records]
        stored = self._stored("jobs", list(jobs[0]), lambda r: r["title"])
        assigned = {
            (job_id, employee_id): role_id
            for job_id, employee_id, role_id in self.db.execute(
                "SELECT job_id, employee_id, role_id FROM job_responsibles"
            )
        }
        for job, record in zip(jobs, records, strict=True):
            job_id = stored[job["title"]]["id"] if job["title"] in stored else None
            missing = [
                {"job": job["title"], "employee_id": employee_id, "role_id": role_id}
                for employee_id, role_id in record["responsibles"]
                if assigned.get((job_id, employee_id)) != role_id
            ]
            plan.inserts.setdefault("job_responsibles", []).extend(missing)
            plan.compare("jobs", stored, job["title"], job, plan.result, changed=bool(missing))

    def _diff_applications(self, records: list[dict[str, Any]], plan: _Plan) -> None:
        candidates = self._stored(
            "candidates", ["name", "email", "timezone"], lambda r: r["email"].lower()
        )
        email_of = {row["id"]: email for email, row in candidates.items()}
        # By candidate email and job, as a new candidate has no id before phase 3.
        applications = {
            (email_of[row["candidate_id"]], row["job_id"]): {
                **row,
                "candidate": email_of[row["candidate_id"]],
            }
            for row in self._stored(
                "applications", ["candidate_id", "job_id", "stage", "applied_on"], _row_id
            ).values()
        }
        self.candidate_ids = {email: row["id"] for email, row in candidates.items()}
        not_counted = ImportResult("candidates")
        compared: set[str] = set()
        for record in records:
            email = record["candidate_email"]
            candidate = {
                "name": record["candidate_name"],
                "email": email,
                "timezone": record["candidate_timezone"],
            }
            if email not in compared:  # one candidate, several jobs
                plan.compare("candidates", candidates, email, candidate, not_counted)
                compared.add(email)
            key = (email, record["job"])
            stored = applications.get(key)
            # No applied_on in the file: keep the stored date (today's only for a new one).
            applied = record["applied_on"] or (
                stored["applied_on"] if stored else self.today.isoformat()
            )
            application = {
                "candidate": email,
                "job_id": record["job"],
                "stage": record["stage"],
                "applied_on": applied,
            }
            plan.compare("applications", applications, key, application, plan.result)

    # --- phase 3: write the changes (under the write lock) -----------------------

    def _write_tables(self, plan: _Plan) -> None:
        for table, records in plan.inserts.items():
            self._insert(table, records)
        for table, changes in plan.updates.items():
            self._update(table, changes)

    def _insert(self, table: str, records: list[dict[str, Any]]) -> None:
        """Insert `records`; one that another process inserted since phase 2 is updated."""
        if not records:
            return
        columns = list(records[0])
        values = f"({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        if table == "jobs":  # titles are not unique in the schema
            values = (
                f"({', '.join(columns)}) SELECT {', '.join('?' * len(columns))}"
                " WHERE NOT EXISTS (SELECT 1 FROM jobs WHERE title = ?)"
            )
            columns.append("title")
        else:
            assignments = ", ".join(f"{c} = excluded.{c}" for c in columns)
            values += f" ON CONFLICT ({_NATURAL_KEYS[table]}) DO UPDATE SET {assignments}"
        self.db.conn.executemany(
            f"INSERT INTO {table} {values}", [[r[c] for c in columns] for r in records]
        )

    def _update(self, table: str, changes: list[tuple[int, dict[str, Any]]]) -> None:
        if not changes:
            return
        columns = list(changes[0][1])
        self.db.conn.executemany(
            f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in columns)} WHERE id = ?",
            [[record[c] for c in columns] + [row_id] for row_id, record in changes],
        )

    def _write_jobs(self, plan: _Plan) -> None:
        responsibles = plan.inserts.pop("job_responsibles", [])
        self._write_tables(plan)
        ids = dict(self.db.execute("SELECT title, id FROM jobs").fetchall())
        self.db.conn.executemany(
            "INSERT INTO job_responsibles (job_id, employee_id, role_id) VALUES (?, ?, ?)"
            " ON CONFLICT (job_id, employee_id) DO UPDATE SET role_id = excluded.role_id",
            [(ids[r["job"]], r["employee_id"], r["role_id"]) for r in responsibles],
        )

    def _write_applications(self, plan: _Plan) -> None:
        new_candidates = plan.inserts.get("candidates", [])
        self._insert("candidates", new_candidates)
        self._update("candidates", plan.updates.get("candidates", []))
        ids = self.candidate_ids
        if new_candidates:  # their ids exist from now on
            ids = {
                email.lower(): i for i, email in self.db.execute("SELECT id, email FROM candidates")
            }
        inserts = plan.inserts.get("applications", [])
        updates = plan.updates.get("applications", [])
        self._insert("applications", [_with_candidate_id(a, ids) for a in inserts])
        self._update("applications", [(i, _with_candidate_id(a, ids)) for i, a in updates])


def _row_id(row: dict[str, Any]) -> Any:
    return row["id"]


def _with_candidate_id(application: dict[str, Any], ids: dict[str, int]) -> dict[str, Any]:
    """`candidate` (an email) replaced by the candidate's id, known once candidates are written."""
    row = {k: v for k, v in application.items() if k != "candidate"}
    return {"candidate_id": ids[application["candidate"]], **row}


def _summarise(problems: list[str]) -> str:
    if len(problems) == 1:
        return f"{problems[0]} (nothing was imported)"
    shown = problems[:MAX_REPORTED_ERRORS]
    more = len(problems) - len(shown)
    lines = [*shown, f"… and {more} more"] if more else shown
    return f"{len(problems)} problems, nothing was imported:\n" + "\n".join(lines)
