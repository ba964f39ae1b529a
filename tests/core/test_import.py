"""`panelist import`: all or nothing, errors name the file, row and field."""

import json
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from sqlite_utils import Database

from panelist.errors import ImportFailed
from panelist.importer import import_file
from panelist.models import WorkingHours

PROVIDERS = frozenset({"local"})

EMPLOYEES_CSV = """email,name,timezone,working_hours,calendar_provider,calendar_id,role
rosa@example.com,Rosa Jansen,Europe/Amsterdam,Mon-Fri 09:00-17:00,local,rosa@example.com,Admin
sam@example.com,Sam O'Neil,America/New_York,Mon-Thu 10:00-16:00,,,Interviewer
zoe@example.com,Zoë Łukaszewska,Europe/London,Mon-Fri 09:00-13:00,local,zoe@example.com,
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def count(db: Database, table: str) -> int:
    return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_employees_from_csv_and_reimport_changes_nothing(db: Database, tmp_path: Path) -> None:
    path = write(tmp_path, "employees.csv", EMPLOYEES_CSV)
    first = import_file(db, "employees", path, PROVIDERS)
    assert (first.created, first.updated) == (3, 0)
    zoe = db.execute(
        "SELECT name, timezone, calendar_provider FROM employees WHERE email='zoe@example.com'"
    ).fetchone()
    assert zoe == ("Zoë Łukaszewska", "Europe/London", "local")
    sam = db.execute(
        "SELECT calendar_provider, working_hours FROM employees WHERE email='sam@example.com'"
    ).fetchone()
    assert sam[0] is None and json.loads(sam[1])["thu"] == [["10:00", "16:00"]]
    again = import_file(db, "employees", path, PROVIDERS)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert count(db, "employees") == 3


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "x@example.com,X,Europe/Amsterdm,,,,",
            "row 4, field 'timezone': 'Europe/Amsterdm' is not an IANA time zone",
        ),
        ("not-an-email,X,UTC,,,,", "row 4, field 'email': 'not-an-email' is not an email address"),
        ("x@example.com,,UTC,,,,", "row 4, field 'name': is required"),
        (
            "x@example.com,X,UTC,Mon-Fri 17:00-09:00,,,",
            "row 4, field 'working_hours': working hours on mon: 09:00 is not after 17:00",
        ),
        (
            "x@example.com,X,UTC,Funday 09:00-17:00,,,",
            "row 4, field 'working_hours': 'Funday' is not a weekday",
        ),
        (
            "x@example.com,X,UTC,,google,x@example.com,",
            "row 4, field 'calendar_provider': 'google' is not installed",
        ),
        (
            "x@example.com,X,UTC,,local,,",
            "row 4, field 'calendar_id': calendar_provider and calendar_id go together",
        ),
        ("x@example.com,X,UTC,,,,Wizard", "row 4, field 'role': unknown recruiting role 'Wizard'"),
        ("rosa@example.com,Rosa Again,UTC,,,,", "row 4, field 'email': duplicates row 1"),
    ],
)
def test_one_bad_row_rejects_the_whole_file(
    db: Database, tmp_path: Path, row: str, message: str
) -> None:
    path = write(tmp_path, "employees.csv", EMPLOYEES_CSV + row + "\n")
    with pytest.raises(ImportFailed) as failure:
        import_file(db, "employees", path, PROVIDERS)
    assert str(failure.value).startswith(f"{path} {message}")
    assert str(failure.value).endswith("(nothing was imported)")
    assert count(db, "employees") == 0


def test_several_problems_are_listed_one_per_line(db: Database, tmp_path: Path) -> None:
    path = write(
        tmp_path, "e.csv", "email,name,timezone\nbad,A,UTC\nb@example.com,B,Nowhere/City\n"
    )
    with pytest.raises(ImportFailed) as failure:
        import_file(db, "employees", path, PROVIDERS)
    assert str(failure.value).splitlines() == [
        "2 problems, nothing was imported:",
        f"{path} row 1, field 'email': 'bad' is not an email address"
        " (An email address must have an @-sign)",
        f"{path} row 2, field 'timezone': 'Nowhere/City' is not an IANA time zone (e.g. Europe/Amsterdam)",
    ]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("e.json", "{not json", "not valid JSON (line 1"),
        ("e.json", '{"email": "x"}', "expected a JSON list of objects"),
        ("e.json", "[1]", "row 1: expected an object, got int"),
        ("e.json", "[]", "no records to import"),
        ("e.txt", "email\n", "unknown format .txt"),
        ("e.csv", "", "the CSV file has no header row"),
        ("e.csv", "email,name\na@example.com,A,extra\n", "row 1: more values than columns"),
    ],
)
def test_malformed_files(db: Database, tmp_path: Path, name: str, text: str, message: str) -> None:
    with pytest.raises(ImportFailed, match=message.replace("(", r"\(").replace(".", r"\.")):
        import_file(db, "employees", write(tmp_path, name, text), PROVIDERS)
    assert count(db, "employees") == 0


def test_missing_file(db: Database, tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match="no such file"):
        import_file(db, "employees", tmp_path / "nope.csv", PROVIDERS)


def test_rooms_jobs_and_applications_from_json(db: Database, tmp_path: Path) -> None:
    import_file(db, "employees", write(tmp_path, "e.csv", EMPLOYEES_CSV), PROVIDERS)
    rooms = [
        {
            "name": "Amstel",
            "capacity": 8,
            "calendar_provider": "local",
            "calendar_id": "room:amstel",
        }
    ]
    assert (
        import_file(db, "rooms", write(tmp_path, "r.json", json.dumps(rooms)), PROVIDERS).created
        == 1
    )
    jobs = [
        {
            "title": "Backend Engineer",
            "department": "Engineering",
            "responsibles": ["rosa@example.com=Recruiter", "sam@example.com=Hiring manager"],
        }
    ]
    import_file(db, "jobs", write(tmp_path, "j.json", json.dumps(jobs)), PROVIDERS)
    assert count(db, "job_responsibles") == 2
    apps = (
        "candidate_name,candidate_email,candidate_timezone,job,stage,applied_on\n"
        "Ana Silva,ana@example.org,America/Sao_Paulo,Backend Engineer,screening,2026-11-02\n"
        "李雷,li@example.org,,Backend Engineer,new,\n"
    )
    result = import_file(db, "applications", write(tmp_path, "a.csv", apps), PROVIDERS)
    assert result.created == 2
    assert db.execute(
        "SELECT c.name, a.stage FROM applications a JOIN candidates c ON c.id=a.candidate_id ORDER BY c.name"
    ).fetchall() == [("Ana Silva", "screening"), ("李雷", "new")]


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        ("rooms", "name,capacity\nTiny,0\n", "row 1, field 'capacity': must be more than 0"),
        (
            "rooms",
            "name,capacity\nTiny,many\n",
            "row 1, field 'capacity': 'many' is not a whole number",
        ),
        (
            "jobs",
            "title,responsibles\nCook,nobody@example.com\n",
            "row 1, field 'responsibles': 'nobody@example.com' is not an employee",
        ),
        (
            "applications",
            "candidate_name,candidate_email,job\nA,a@example.org,Astronaut\n",
            "row 1, field 'job': no job titled 'Astronaut'",
        ),
    ],
)
def test_other_kinds_name_row_and_field(
    db: Database, tmp_path: Path, kind: str, text: str, message: str
) -> None:
    with pytest.raises(ImportFailed, match=message):
        import_file(db, kind, write(tmp_path, f"{kind}.csv", text), PROVIDERS)


def test_header_injection_like_values_are_refused(db: Database, tmp_path: Path) -> None:
    rows = [{"email": "x@example.com", "name": "Evil\r\nBcc: all@example.com", "timezone": "UTC"}]
    with pytest.raises(ImportFailed, match="field 'name': must be on one line"):
        import_file(db, "employees", write(tmp_path, "e.json", json.dumps(rows)), PROVIDERS)


def test_working_hours_text() -> None:
    hours = WorkingHours.parse("Mon-Wed 09:00-12:00; Mon 13:00-17:00; Fri 10:00-14:00")
    assert (
        hours.describe()
        == "Mon 09:00–12:00, 13:00–17:00; Tue 09:00–12:00; Wed 09:00–12:00; Fri 10:00–14:00"
    )
    # Days listed with commas (the import files' form) and hours split over the day.
    listed = WorkingHours.parse("Mon, Wed 9:00-12:00, 13:00–17:00")
    assert listed.describe() == "Mon 09:00–12:00, 13:00–17:00; Wed 09:00–12:00, 13:00–17:00"


def test_cli_import_prints_one_line_and_exits_1(tmp_path: Path) -> None:
    db_file = tmp_path / "cli.db"
    bad = write(tmp_path, "employees.csv", "email,name,timezone\nx@example.com,X,Mars/Olympus\n")
    done = subprocess.run(
        [sys.executable, "-m", "panelist", "import", "employees", str(bad), "--db", str(db_file)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"Error: {bad} row 1, field 'timezone': 'Mars/Olympus' is not an IANA time zone"
        " (e.g. Europe/Amsterdam) (nothing was imported)"
    ]
    good = write(tmp_path, "ok.csv", EMPLOYEES_CSV)
    done = subprocess.run(
        [sys.executable, "-m", "panelist", "import", "employees", str(good), "--db", str(db_file)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "employees: 3 created, 0 updated"


# --- edge cases: each refused in one line naming the file, row and field --------------


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "x@b..com,X,UTC,,,,",
            "row 4, field 'email': 'x@b..com' is not an email address"
            " (An email address cannot have two periods in a row)",
        ),
        (
            "x@example.com.,X,UTC,,,,",
            "row 4, field 'email': 'x@example.com.' is not an email address"
            " (An email address cannot end with a period)",
        ),
        (
            "x@example.com,X,localtime,,,,",
            "row 4, field 'timezone': 'localtime' is not an IANA time zone",
        ),
    ],
)
def test_addresses_the_mailer_refuses_and_host_dependent_zones(
    db: Database, tmp_path: Path, row: str, message: str
) -> None:
    path = write(tmp_path, "employees.csv", EMPLOYEES_CSV + row + "\n")
    with pytest.raises(ImportFailed) as failure:
        import_file(db, "employees", path, PROVIDERS)
    assert str(failure.value).startswith(f"{path} {message}")
    assert count(db, "employees") == 0


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "e.csv",
            "email,name,Email\na@example.com,A,b@example.com\n",
            "header, field 'email': appears twice (columns 1 and 3)",
        ),
        (
            "e.csv",
            "email;name;timezone\na@example.com;A;UTC\n",
            "the columns are separated by semicolons",
        ),
        (
            "e.json",
            '[{"email": "a@example.com", "name": "A", "email": "b@example.com"}]',
            "row 1, field 'email': the key appears twice",
        ),
        (
            "e.json",
            '[{"email": "a@example.com", "name": "A", "Email": "b@example.com"}]',
            "row 1, field 'email': the key appears twice",
        ),
        (
            "e.json",
            '[{"email": "a@example.com", "name": "A", "timezone": "UTC",'
            ' "working_hours": {"mon": [["09:00", "17:00"]], "mon": [["00:00", "23:00"]]}}]',
            "row 1, field 'working_hours': the key 'mon' appears twice",
        ),
        ("e.json", "[" * 100_000 + "]" * 100_000, "not valid JSON (nested too deeply)"),
        (
            "e.json",
            '[{"email": "a@example.com", "name": ' + "9" * 5000 + "}]",
            "not valid JSON (Exceeds the limit",
        ),
    ],
)
def test_malformed_files_name_what_is_wrong(
    db: Database, tmp_path: Path, name: str, text: str, message: str
) -> None:
    path = write(tmp_path, name, text)
    with pytest.raises(ImportFailed) as failure:
        import_file(db, "employees", path, PROVIDERS)
    assert str(failure.value).startswith(
        f"{path}{' ' if 'row' in message or 'header' in message else ': '}{message}"
    )
    assert count(db, "employees") == 0


@pytest.mark.parametrize("capacity", [str(2**70), 2**70])
def test_integers_beyond_64_bits_are_refused(
    db: Database, tmp_path: Path, capacity: object
) -> None:
    path = write(tmp_path, "r.json", json.dumps([{"name": "Huge", "capacity": capacity}]))
    with pytest.raises(
        ImportFailed, match=r"row 1, field 'capacity': is too large \(at most 9223372036854775807\)"
    ):
        import_file(db, "rooms", path, PROVIDERS)
    assert count(db, "rooms") == 0


def test_the_same_candidate_twice_must_agree(db: Database, tmp_path: Path) -> None:
    import_file(db, "jobs", write(tmp_path, "j.csv", "title\nCook\nBaker\n"), PROVIDERS)
    apps = (
        "candidate_name,candidate_email,job\n"
        "Ana Silva,ana@example.org,Cook\n"
        "Ana Souza,ANA@example.org,Baker\n"
        "Ana Silva,ana@example.org,Cook\n"
    )
    path = write(tmp_path, "a.csv", apps)
    with pytest.raises(ImportFailed) as failure:
        import_file(db, "applications", path, PROVIDERS)
    assert str(failure.value).splitlines()[1:] == [
        f"{path} row 3, field 'candidate_email': duplicates row 1",
        f"{path} row 2, field 'candidate_name': the same candidate is in row 1 with 'Ana Silva'",
    ]
    assert count(db, "candidates") == 0


# --- the write lock: held only for what changed ---------------------------------------


class LockWatch:
    """From SQLite's statement trace: how long the write lock was held, in total."""

    def __init__(self) -> None:
        self.held = 0.0
        self.since: float | None = None

    def __call__(self, statement: str) -> None:
        words = statement.upper().split()
        now = time.perf_counter()
        if self.since is None and (
            words[:2] == ["BEGIN", "IMMEDIATE"] or words[0] in ("INSERT", "UPDATE", "DELETE")
        ):
            self.since = now
        elif self.since is not None and words[0] in ("COMMIT", "ROLLBACK", "END"):
            self.held += now - self.since
            self.since = None


def test_reimporting_unchanged_rows_hardly_holds_the_write_lock(
    db: Database, tmp_path: Path
) -> None:
    rows = 20_000
    staff = "email,name,timezone\n" + "".join(
        f"p{i}@example.com,Person {i},UTC\n" for i in range(rows)
    )
    path = write(tmp_path, "staff.csv", staff)
    first = LockWatch()
    db.conn.set_trace_callback(first)
    assert import_file(db, "employees", path, PROVIDERS).created == rows
    again = LockWatch()
    db.conn.set_trace_callback(again)
    result = import_file(db, "employees", path, PROVIDERS)
    one_changed = LockWatch()
    db.conn.set_trace_callback(one_changed)
    changed = import_file(
        db,
        "employees",
        write(tmp_path, "one.csv", staff.replace(",Person 7,", ",Person Seven,")),
        PROVIDERS,
    )
    db.conn.set_trace_callback(None)
    assert again.held == 0.0  # nothing to write: the lock is not even taken
    assert one_changed.held < 0.2
    assert first.held < 1.0  # 20,000 new rows in one short transaction
    assert (result.created, result.updated, result.unchanged) == (0, 0, rows)
    assert (changed.updated, changed.unchanged) == (1, rows - 1)


def test_reimporting_applications_keeps_their_dates_and_writes_nothing(
    db: Database, tmp_path: Path
) -> None:
    import_file(db, "jobs", write(tmp_path, "j.csv", "title\nCook\nBaker\n"), PROVIDERS)
    apps = write(
        tmp_path,
        "a.csv",
        "candidate_name,candidate_email,job\n"
        "Ana Silva,ana@example.org,Cook\nAna Silva,ana@example.org,Baker\nLi Lei,li@example.org,Cook\n",
    )
    first = import_file(db, "applications", apps, PROVIDERS, today=date(2026, 11, 2))
    again = import_file(db, "applications", apps, PROVIDERS, today=date(2026, 11, 20))
    assert (first.created, again.created, again.updated, again.unchanged) == (3, 0, 0, 3)
    assert count(db, "candidates") == 2
    assert {d for (d,) in db.execute("SELECT applied_on FROM applications")} == {"2026-11-02"}


def test_an_import_may_not_demote_or_unassign_the_last_admin(db: Database, tmp_path: Path) -> None:
    import_file(db, "employees", write(tmp_path, "staff.csv", EMPLOYEES_CSV), PROVIDERS)
    header = EMPLOYEES_CSV.splitlines()[0]
    for role in ("Recruiter", ""):  # demoted, or the role column left empty
        demoting = write(
            tmp_path,
            "demote.csv",
            f"{header}\nrosa@example.com,Rosa Jansen,Europe/Amsterdam,,,,{role}\n",
        )
        with pytest.raises(ImportFailed) as failed:
            import_file(db, "employees", demoting, PROVIDERS)
        assert str(failed.value) == (
            f"{demoting}: nothing was imported: this would leave no Admin (rosa@example.com"
            " would lose the role); keep at least one employee whose role may configure"
        )
        admin = db.execute(
            "SELECT r.name, e.calendar_provider FROM employees e"
            " JOIN recruiting_roles r ON r.id = e.company_role_id WHERE e.email = ?",
            ["rosa@example.com"],
        ).fetchone()
        assert admin == ("Admin", "local")  # nothing half-written


def test_the_admin_role_may_move_to_someone_else_in_one_import(
    db: Database, tmp_path: Path
) -> None:
    import_file(db, "employees", write(tmp_path, "staff.csv", EMPLOYEES_CSV), PROVIDERS)
    header = EMPLOYEES_CSV.splitlines()[0]
    handover = write(
        tmp_path,
        "handover.csv",
        f"{header}\nrosa@example.com,Rosa Jansen,Europe/Amsterdam,,,,Recruiter\n"
        "sam@example.com,Sam O'Neil,America/New_York,,,,Admin\n",
    )
    assert import_file(db, "employees", handover, PROVIDERS).updated == 2


HOSTILE_TEXT = [
    "=?utf-8?q?Ana=0D=0ABcc:_x@evil.example?=",
    "Ana =?utf-8?b?QmNjOg==?= Silva",
    "Ana\r\nBcc: x@evil.example",
    "Ana\u2028Bcc: x@evil.example",
    "Ana\u2029Silva",
    "Ana\x85Silva",
    "Ana\x1b]0;pwned\x07Silva",
    "Ana\x1b]52;c;cHduZWQ=\x1b\\Silva",
    "Ana\x9b31mSilva",  # C1 CSI
    "Ana\u202eavliS",  # right-to-left override
    "Ana\tSilva",
]
HOSTILE_ROWS = {
    "employees": ("name", {"email": "x@example.com", "timezone": "UTC"}),
    "jobs": ("title", {}),
    "applications": ("candidate_name", {"candidate_email": "a@example.org", "job": "Cook"}),
}


@pytest.mark.parametrize("kind", HOSTILE_ROWS)
@pytest.mark.parametrize("hostile", HOSTILE_TEXT)
def test_control_characters_and_encoded_words_are_refused(
    db: Database, tmp_path: Path, kind: str, hostile: str
) -> None:
    import_file(db, "jobs", write(tmp_path, "cook.csv", "title\nCook\n"), PROVIDERS)
    field, others = HOSTILE_ROWS[kind]
    path = write(tmp_path, f"{kind}.json", json.dumps([others | {field: hostile}]))
    with pytest.raises(ImportFailed) as refused:
        import_file(db, kind, path, PROVIDERS)
    assert str(refused.value).startswith(f"{path} row 1, field '{field}': must ")
    assert str(refused.value).endswith("(nothing was imported)")
    assert (count(db, "employees"), count(db, "jobs"), count(db, "candidates")) == (0, 1, 0)
