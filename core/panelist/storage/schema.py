"""Core's schema, as migrations. Company records first, the provider cache apart.

Conventions: instants are ISO-8601 strings in UTC ("2026-11-26T09:00:00+00:00")
with the IANA zone kept beside them where a local time matters; dates are
"YYYY-MM-DD"; JSON columns end in nothing special but are documented here.
"""

from __future__ import annotations

from sqlite_utils import Database

from panelist.storage.migrations import MigrationSet, run_script

core_migrations = MigrationSet("core")


@core_migrations
def m001_company(db: Database) -> None:
    run_script(db, _M001)


@core_migrations
def m002_default_roles(db: Database) -> None:
    """A new company starts with the usual recruiting roles; admins may change them."""
    from panelist.permissions import DEFAULT_ROLES, dump_rights

    db.table("recruiting_roles").insert_all(
        {"name": name, "rights": dump_rights(rights)} for name, rights in DEFAULT_ROLES.items()
    )


@core_migrations
def m003_provider_settings(db: Database) -> None:
    """Non-secret provider options (server URLs, tenant ids); secrets never go here."""
    db.execute(
        "CREATE TABLE provider_settings ("
        " provider TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
        " PRIMARY KEY (provider, key))"
    )


@core_migrations
def m004_scheduling(db: Database) -> None:
    """The scheduling service's outbox, evaluation reminders and notices (see _M004)."""
    run_script(db, _M004)


@core_migrations
def m005_reschedule_template(db: Database) -> None:
    """Templates of purpose candidate_reschedule: SQLite cannot change a CHECK, so the
    table is copied. Companies without one use the built-in (scheduling.mails)."""
    run_script(db, _M005)


@core_migrations
def m006_audit_log(db: Database) -> None:
    """Who did what and when, append-only (see _M006 and panelist.audit)."""
    run_script(db, _M006)


@core_migrations
def m007_ssh_keys(db: Database) -> None:
    """The public keys that open a session as an employee over SSH (panelist.services.access)."""
    run_script(db, _M007)


@core_migrations
def m008_calendar_cache(db: Database) -> None:
    """The calendar cache in core (panelist.calendars) replaces cache_events/cache_sync_state:
    only a cache, so nothing is carried over; the next sync fills it."""
    run_script(db, _M008)


@core_migrations
def m009_panel_event(db: Database) -> None:
    """The panel event (panelist.scheduling.panel) is a ref of its own kind, and the room's
    answer is kept where the room answers (a resource attendee at a scheduling server)."""
    run_script(db, _M009)


@core_migrations
def m010_host_checks(db: Database) -> None:
    """When each video provider was last asked about a host (panelist.services.hosts)."""
    run_script(db, "ALTER TABLE video_accounts ADD COLUMN checked_at TEXT;")


@core_migrations
def m011_template_language(db: Database) -> None:
    """Message templates per language (the composer picks by purpose and language); the
    templates a company has are English until an admin says otherwise."""
    run_script(db, "ALTER TABLE message_templates ADD COLUMN language TEXT NOT NULL DEFAULT 'en';")


@core_migrations
def m012_type_reminder(db: Database) -> None:
    """An interview type's evaluation reminder: minutes after the interview ends (NULL: the
    type suggests none); the interview form starts from it (panelist.services.configuration)."""
    run_script(
        db,
        "ALTER TABLE interview_types ADD COLUMN reminder_after_minutes INTEGER"
        " CHECK (reminder_after_minutes IS NULL OR reminder_after_minutes BETWEEN 0 AND 40320);",
    )


@core_migrations
def m013_scheduling_links(db: Database) -> None:
    """Smart scheduling links (panelist.scheduling.links): the link table, message templates
    of purpose scheduling_link (SQLite cannot change a CHECK, so the table is copied), and
    outbox rows that belong to a link instead of an interview (the link's mail)."""
    run_script(db, _M013)


_M009 = """
ALTER TABLE interviews ADD COLUMN room_response TEXT NOT NULL DEFAULT 'needs_action';

CREATE TABLE interview_external_refs_m009 (
    id              INTEGER PRIMARY KEY,
    interview_id    INTEGER NOT NULL REFERENCES interviews(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('interviewer_event', 'panel_event',
                    'room_booking', 'meeting', 'candidate_event')),
    provider        TEXT NOT NULL,
    calendar_id     TEXT,
    external_id     TEXT NOT NULL,
    employee_id     INTEGER REFERENCES employees(id),
    idempotency_key TEXT NOT NULL UNIQUE
);
INSERT INTO interview_external_refs_m009 SELECT * FROM interview_external_refs;
DROP TABLE interview_external_refs;
ALTER TABLE interview_external_refs_m009 RENAME TO interview_external_refs;
"""

_M001 = """
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL            -- JSON
);

CREATE TABLE recruiting_roles (
    id     INTEGER PRIMARY KEY,
    name   TEXT NOT NULL UNIQUE,
    rights TEXT NOT NULL DEFAULT '[]'   -- JSON list of panelist.permissions.Right values
);

CREATE TABLE employees (
    id                INTEGER PRIMARY KEY,
    email             TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name              TEXT NOT NULL CHECK (length(trim(name)) > 0),
    timezone          TEXT NOT NULL,
    -- JSON: {"mon": [["09:00","17:00"]], ...}; a missing day is a day off
    working_hours     TEXT NOT NULL,
    calendar_provider TEXT,            -- NULL: calendar not integrated
    calendar_id       TEXT,
    os_user           TEXT UNIQUE,     -- the OS account that maps to this employee
    company_role_id   INTEGER REFERENCES recruiting_roles(id),
    active            INTEGER NOT NULL DEFAULT 1,
    CHECK ((calendar_provider IS NULL) = (calendar_id IS NULL))
);

CREATE TABLE video_accounts (
    employee_id INTEGER NOT NULL REFERENCES employees(id) ON DELETE CASCADE,
    provider    TEXT NOT NULL,
    account     TEXT NOT NULL,         -- the login at the provider, usually the email
    verified_at TEXT,                  -- NULL: not (yet) verified
    PRIMARY KEY (employee_id, provider)
);

CREATE TABLE rooms (
    id                INTEGER PRIMARY KEY,
    name              TEXT NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
    capacity          INTEGER NOT NULL CHECK (capacity > 0),
    location          TEXT NOT NULL DEFAULT '',
    calendar_provider TEXT,
    calendar_id       TEXT,
    CHECK ((calendar_provider IS NULL) = (calendar_id IS NULL))
);

CREATE TABLE jobs (
    id         INTEGER PRIMARY KEY,
    title      TEXT NOT NULL CHECK (length(trim(title)) > 0),
    department TEXT NOT NULL DEFAULT '',
    location   TEXT NOT NULL DEFAULT '',
    status     TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed'))
);

-- The people responsible for a job, each with the recruiting role they hold for it.
CREATE TABLE job_responsibles (
    job_id      INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    employee_id INTEGER NOT NULL REFERENCES employees(id),
    role_id     INTEGER NOT NULL REFERENCES recruiting_roles(id),
    PRIMARY KEY (job_id, employee_id)
);

CREATE TABLE candidates (
    id       INTEGER PRIMARY KEY,
    name     TEXT NOT NULL CHECK (length(trim(name)) > 0),
    email    TEXT NOT NULL UNIQUE COLLATE NOCASE,
    phone    TEXT NOT NULL DEFAULT '',
    timezone TEXT
);

CREATE TABLE applications (
    id           INTEGER PRIMARY KEY,
    candidate_id INTEGER NOT NULL REFERENCES candidates(id),
    job_id       INTEGER NOT NULL REFERENCES jobs(id),
    stage        TEXT NOT NULL DEFAULT 'new' CHECK (stage IN
                 ('new', 'screening', 'interview', 'offer', 'hired', 'rejected')),
    applied_on   TEXT NOT NULL,
    UNIQUE (candidate_id, job_id)
);
CREATE INDEX applications_job ON applications(job_id, stage);

CREATE TABLE evaluation_forms (
    id        INTEGER PRIMARY KEY,
    name      TEXT NOT NULL UNIQUE,
    questions TEXT NOT NULL DEFAULT '[]'    -- JSON list of strings
);

CREATE TABLE interview_types (
    id                 INTEGER PRIMARY KEY,
    name               TEXT NOT NULL UNIQUE,
    duration_minutes   INTEGER NOT NULL CHECK (duration_minutes BETWEEN 5 AND 1440),
    default_method     TEXT NOT NULL CHECK (default_method IN ('in_person', 'phone', 'video')),
    evaluation_form_id INTEGER REFERENCES evaluation_forms(id)
);

CREATE TABLE message_templates (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL UNIQUE,
    purpose TEXT NOT NULL CHECK (purpose IN
            ('candidate_invitation', 'candidate_cancellation', 'interviewer_cancellation',
             'evaluation_reminder', 'decline_notice')),
    subject TEXT NOT NULL,
    body    TEXT NOT NULL                   -- Jinja2, rendered in a sandbox
);

CREATE TABLE interviews (
    id                 INTEGER PRIMARY KEY,
    application_id     INTEGER NOT NULL REFERENCES applications(id),
    type_id            INTEGER REFERENCES interview_types(id),
    organiser_id       INTEGER NOT NULL REFERENCES employees(id),
    start_utc          TEXT NOT NULL,
    end_utc            TEXT NOT NULL,
    timezone           TEXT NOT NULL,       -- the organiser's zone, shown in brackets
    room_id            INTEGER REFERENCES rooms(id),
    method             TEXT NOT NULL CHECK (method IN ('in_person', 'phone', 'video')),
    video_provider     TEXT,
    video_host_id      INTEGER REFERENCES employees(id),
    video_link         TEXT,
    notes              TEXT NOT NULL DEFAULT '',
    evaluation_form_id INTEGER REFERENCES evaluation_forms(id),
    reminder_policy    TEXT,                -- JSON, e.g. {"first_after_minutes": 60, ...}
    status             TEXT NOT NULL DEFAULT 'scheduled'
                       CHECK (status IN ('scheduled', 'closed', 'cancelled')),
    candidate_status   TEXT NOT NULL DEFAULT 'not_invited'
                       CHECK (candidate_status IN ('not_invited', 'email_sent')),
    sequence           INTEGER NOT NULL DEFAULT 0,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    CHECK (end_utc > start_utc),
    CHECK ((method = 'video') = (video_provider IS NOT NULL))
);
CREATE INDEX interviews_application ON interviews(application_id);
CREATE INDEX interviews_time ON interviews(start_utc);

CREATE TABLE interview_participants (
    interview_id INTEGER NOT NULL REFERENCES interviews(id) ON DELETE CASCADE,
    employee_id  INTEGER NOT NULL REFERENCES employees(id),
    role_id      INTEGER NOT NULL REFERENCES recruiting_roles(id),
    response     TEXT NOT NULL DEFAULT 'needs_action'
                 CHECK (response IN ('needs_action', 'accepted', 'declined', 'tentative')),
    PRIMARY KEY (interview_id, employee_id)
);

-- Every external thing an interview created: calendar events, room bookings, meetings.
CREATE TABLE interview_external_refs (
    id              INTEGER PRIMARY KEY,
    interview_id    INTEGER NOT NULL REFERENCES interviews(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN
                    ('interviewer_event', 'room_booking', 'meeting', 'candidate_event')),
    provider        TEXT NOT NULL,
    calendar_id     TEXT,
    external_id     TEXT NOT NULL,
    employee_id     INTEGER REFERENCES employees(id),
    idempotency_key TEXT NOT NULL UNIQUE
);

CREATE TABLE interview_history (
    id           INTEGER PRIMARY KEY,
    interview_id INTEGER NOT NULL REFERENCES interviews(id) ON DELETE CASCADE,
    start_utc    TEXT NOT NULL,
    end_utc      TEXT NOT NULL,
    changed_at   TEXT NOT NULL
);

CREATE TABLE absences (
    id          INTEGER PRIMARY KEY,
    employee_id INTEGER NOT NULL REFERENCES employees(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,              -- never shown in the grid: only "Absent"
    start_date  TEXT NOT NULL,
    end_date    TEXT NOT NULL,              -- inclusive
    CHECK (end_date >= start_date)
);
CREATE INDEX absences_employee ON absences(employee_id, start_date);

-- Provider data that is only a cache: safe to drop and sync again.
CREATE TABLE cache_sync_state (
    provider    TEXT NOT NULL,
    calendar_id TEXT NOT NULL,
    cursor      TEXT,
    synced_at   TEXT,
    error       TEXT,                       -- last failure; the calendar is stale while set
    PRIMARY KEY (provider, calendar_id)
);

CREATE TABLE cache_events (
    provider      TEXT NOT NULL,
    calendar_id   TEXT NOT NULL,
    uid           TEXT NOT NULL,
    recurrence_id TEXT NOT NULL DEFAULT '', -- '' for a single event or a series master
    data          TEXT NOT NULL,            -- JSON of panelist.providers.CalendarEvent
    etag          TEXT,
    PRIMARY KEY (provider, calendar_id, uid, recurrence_id)
);
"""

# Scheduling (panelist.scheduling). Every external side effect (event, booking, meeting,
# mail) is a row of `outbox`, written under its idempotency key before it is made.
_M004 = """
CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY,
    interview_id INTEGER NOT NULL REFERENCES interviews(id) ON DELETE CASCADE,
    key          TEXT NOT NULL UNIQUE,      -- idempotency key; also seeds the Message-ID
    batch        INTEGER NOT NULL,          -- one operation (invite, reschedule …) per interview
    phase        INTEGER NOT NULL,          -- order inside a batch: meeting, events, mail
    target       TEXT NOT NULL,             -- the thing touched: "interviewer_event-e3", "meeting"
    kind         TEXT NOT NULL CHECK (kind IN
                 ('create_event', 'update_event', 'delete_event', 'create_meeting',
                  'update_meeting', 'delete_meeting', 'send_mail')),
    provider     TEXT NOT NULL,             -- provider id, or 'mail'
    payload      TEXT NOT NULL DEFAULT '{}',-- JSON: the intent; the exact request before a call
    state        TEXT NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'done', 'failed', 'skipped')),
    result       TEXT,                      -- JSON: what the provider answered
    attempts     INTEGER NOT NULL DEFAULT 0,-- calls started; > 0 means it may have happened
    last_error   TEXT,
    claimed_by   TEXT,                      -- "host:pid:token" of the process working on it
    claimed_until TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX outbox_open ON outbox(state, interview_id);
CREATE INDEX outbox_interview ON outbox(interview_id, target);

-- Evaluation reminders still to send, one row per interview and interviewer.
CREATE TABLE evaluation_reminders (
    interview_id INTEGER NOT NULL REFERENCES interviews(id) ON DELETE CASCADE,
    employee_id  INTEGER NOT NULL REFERENCES employees(id),
    next_due_utc TEXT,                      -- NULL: nothing more to send
    sent         INTEGER NOT NULL DEFAULT 0,
    done_at      TEXT,                      -- the evaluation form was marked done
    PRIMARY KEY (interview_id, employee_id)
);
CREATE INDEX evaluation_reminders_due ON evaluation_reminders(next_due_utc);

-- What the TUI tells a user once, e.g. "Sam declined the interview with Ana".
CREATE TABLE scheduling_notices (
    id           INTEGER PRIMARY KEY,
    employee_id  INTEGER NOT NULL REFERENCES employees(id) ON DELETE CASCADE,
    interview_id INTEGER REFERENCES interviews(id) ON DELETE CASCADE,
    key          TEXT NOT NULL UNIQUE,
    message      TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    read_at      TEXT
);
CREATE INDEX scheduling_notices_unread ON scheduling_notices(employee_id, read_at);

-- A client's key for one "Invite interviewers": pressing it twice books once.
ALTER TABLE interviews ADD COLUMN request_key TEXT;
CREATE UNIQUE INDEX interviews_request_key ON interviews(request_key)
    WHERE request_key IS NOT NULL;
-- The candidate's answer to the .ics, when one arrives; it never changes the status.
ALTER TABLE interviews ADD COLUMN candidate_response TEXT NOT NULL DEFAULT 'needs_action'
    CHECK (candidate_response IN ('needs_action', 'accepted', 'declined', 'tentative'));
CREATE INDEX interviews_room_time ON interviews(room_id, start_utc);
CREATE INDEX interviews_host_time ON interviews(video_host_id, start_utc);
"""


_M005 = """
CREATE TABLE message_templates_new (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL UNIQUE,
    purpose TEXT NOT NULL CHECK (purpose IN
            ('candidate_invitation', 'candidate_reschedule', 'candidate_cancellation',
             'interviewer_cancellation', 'evaluation_reminder', 'decline_notice')),
    subject TEXT NOT NULL,
    body    TEXT NOT NULL                   -- Jinja2, rendered in a sandbox
);
INSERT INTO message_templates_new (id, name, purpose, subject, body)
    SELECT id, name, purpose, subject, body FROM message_templates;
DROP TABLE message_templates;
ALTER TABLE message_templates_new RENAME TO message_templates;
"""

# The audit log (panelist.audit): one row per recorded action, written in the transaction
# of the change it records. SQLite itself refuses to change or remove a row.
_M006 = """
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,              -- UTC instant (panelist.storage.instants)
    actor       INTEGER,                    -- employees.id; NULL for the system or an OS account
    actor_label TEXT NOT NULL,              -- "employee 7", "system (resume)"
    actor_email TEXT,                       -- kept so the line reads well after a removal
    action      TEXT NOT NULL,              -- panelist.audit.Action
    subject     TEXT NOT NULL,              -- "interview 12", "template 'Invitation'"
    detail      TEXT NOT NULL DEFAULT ''    -- one plain line: no private titles or secrets
);
CREATE INDEX audit_log_at ON audit_log(at);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only: its rows cannot be changed');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only: its rows cannot be removed');
END;
"""

_M007 = """
-- One row per key granted; a revoked key keeps its row (revoked_at) so the record stays.
CREATE TABLE ssh_keys (
    key_id      TEXT PRIMARY KEY,          -- named in authorized_keys: ssh-session KEY-ID
    employee_id INTEGER NOT NULL REFERENCES employees(id) ON DELETE CASCADE,
    fingerprint TEXT NOT NULL,             -- "SHA256:..." as ssh-keygen -l prints it
    public_key  TEXT NOT NULL,             -- "ssh-ed25519 AAAA...", no options, no comment
    comment     TEXT NOT NULL DEFAULT '',
    added_at    TEXT NOT NULL,
    revoked_at  TEXT
);
CREATE UNIQUE INDEX ssh_keys_live_fingerprint ON ssh_keys(fingerprint) WHERE revoked_at IS NULL;
CREATE INDEX ssh_keys_employee ON ssh_keys(employee_id);
"""

# The calendar cache (panelist.calendars): only a cache of what providers hold, safe to
# drop and sync again. Instants are sortable UTC text ("2026-11-23T09:00:00.000000").
_M008 = """
DROP TABLE IF EXISTS cache_events;
DROP TABLE IF EXISTS cache_sync_state;

CREATE TABLE calendar_objects (
    provider      TEXT NOT NULL,
    calendar_id   TEXT NOT NULL,
    uid           TEXT NOT NULL,
    recurrence_id TEXT NOT NULL DEFAULT '', -- '' for a single event or a series master
    data          TEXT NOT NULL,            -- panelist.providers.ical.event_to_json
    etag          TEXT,
    resource      TEXT,                     -- the provider's name for the object (CalDAV href)
    start_utc     TEXT NOT NULL,            -- bounds that surely contain the event or series,
    end_utc       TEXT,                     -- NULL: a series (or placeholder) read in every window
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (provider, calendar_id, uid, recurrence_id)
);
-- A window read scans the rows that end after its start, plus those without an end.
CREATE INDEX calendar_objects_window ON calendar_objects(provider, calendar_id, end_utc, start_utc);
CREATE INDEX calendar_objects_resource ON calendar_objects(provider, calendar_id, resource)
    WHERE resource IS NOT NULL;

CREATE TABLE calendar_sync (
    provider     TEXT NOT NULL,
    calendar_id  TEXT NOT NULL,
    cursor       TEXT,                      -- the provider's, opaque; NULL: start from scratch
    synced_at    TEXT,                      -- last success (ISO, UTC)
    attempted_at TEXT,                      -- a sync under way or failed since: a short lease
    error        TEXT,                      -- why the calendar is stale; kept until a success
    stale_since  TEXT,
    mode         TEXT NOT NULL DEFAULT 'events' CHECK (mode IN ('events', 'free-busy')),
    window_start TEXT,                      -- the span cached as busy intervals (free-busy)
    window_end   TEXT,
    PRIMARY KEY (provider, calendar_id)
);

-- Busy times of calendars that only share free/busy, over a rolling window.
CREATE TABLE calendar_busy (
    provider     TEXT NOT NULL,
    calendar_id  TEXT NOT NULL,
    start_utc    TEXT NOT NULL,
    end_utc      TEXT NOT NULL,
    transparency TEXT NOT NULL DEFAULT 'busy'
);
CREATE INDEX calendar_busy_window ON calendar_busy(provider, calendar_id, end_utc);
"""


# Smart scheduling links. A link belongs to one application; the database keeps only the
# sha256 of its token. `interview_id` is the interview the candidate booked through it,
# whose request_key is "link-<id>-booking" (so a retried booking books once).
_M013 = """
CREATE TABLE scheduling_links (
    id                 INTEGER PRIMARY KEY,
    application_id     INTEGER NOT NULL REFERENCES applications(id),
    token_hash         TEXT NOT NULL UNIQUE,    -- hex sha256 of the token; never the token
    created_by         INTEGER NOT NULL REFERENCES employees(id),
    organiser_id       INTEGER NOT NULL REFERENCES employees(id),
    type_id            INTEGER REFERENCES interview_types(id),
    participants       TEXT NOT NULL,           -- JSON [[employee_id, role_id], ...]
    room_id            INTEGER REFERENCES rooms(id),
    room_seats         INTEGER,                 -- any free room of this many seats
    method             TEXT NOT NULL CHECK (method IN ('in_person', 'phone', 'video')),
    video_provider     TEXT,
    video_host_id      INTEGER REFERENCES employees(id),
    minutes            INTEGER NOT NULL CHECK (minutes BETWEEN 5 AND 720),
    zone               TEXT NOT NULL,           -- the organiser's: the window's days are theirs
    window_start       TEXT NOT NULL,           -- YYYY-MM-DD
    window_days        INTEGER NOT NULL CHECK (window_days BETWEEN 1 AND 35),
    max_options        INTEGER NOT NULL CHECK (max_options BETWEEN 1 AND 50),
    expires_at         TEXT NOT NULL,
    change_until_hours INTEGER NOT NULL CHECK (change_until_hours BETWEEN 0 AND 720),
    state              TEXT NOT NULL DEFAULT 'draft'
                       CHECK (state IN ('draft', 'sent', 'booked', 'cancelled', 'withdrawn')),
    interview_id       INTEGER REFERENCES interviews(id),
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    sent_at            TEXT,
    CHECK ((method = 'video') = (video_provider IS NOT NULL))
);
CREATE INDEX scheduling_links_application ON scheduling_links(application_id);

CREATE TABLE message_templates_m013 (
    id       INTEGER PRIMARY KEY,
    name     TEXT NOT NULL UNIQUE,
    purpose  TEXT NOT NULL CHECK (purpose IN
             ('candidate_invitation', 'candidate_reschedule', 'candidate_cancellation',
              'interviewer_cancellation', 'evaluation_reminder', 'decline_notice',
              'scheduling_link')),
    subject  TEXT NOT NULL,
    body     TEXT NOT NULL,                 -- Jinja2, rendered in a sandbox
    language TEXT NOT NULL DEFAULT 'en'
);
INSERT INTO message_templates_m013 (id, name, purpose, subject, body, language)
    SELECT id, name, purpose, subject, body, language FROM message_templates;
DROP TABLE message_templates;
ALTER TABLE message_templates_m013 RENAME TO message_templates;

CREATE TABLE outbox_m013 (
    id           INTEGER PRIMARY KEY,
    interview_id INTEGER REFERENCES interviews(id) ON DELETE CASCADE,
    link_id      INTEGER REFERENCES scheduling_links(id) ON DELETE CASCADE,
    key          TEXT NOT NULL UNIQUE,
    batch        INTEGER NOT NULL,
    phase        INTEGER NOT NULL,
    target       TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN
                 ('create_event', 'update_event', 'delete_event', 'create_meeting',
                  'update_meeting', 'delete_meeting', 'send_mail')),
    provider     TEXT NOT NULL,
    payload      TEXT NOT NULL DEFAULT '{}',
    state        TEXT NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'done', 'failed', 'skipped')),
    result       TEXT,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    claimed_by   TEXT,
    claimed_until TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    CHECK ((interview_id IS NULL) != (link_id IS NULL))
);
INSERT INTO outbox_m013 (id, interview_id, key, batch, phase, target, kind, provider, payload,
    state, result, attempts, last_error, claimed_by, claimed_until, created_at, updated_at)
    SELECT id, interview_id, key, batch, phase, target, kind, provider, payload, state, result,
           attempts, last_error, claimed_by, claimed_until, created_at, updated_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_m013 RENAME TO outbox;
CREATE INDEX outbox_open ON outbox(state, interview_id);
CREATE INDEX outbox_interview ON outbox(interview_id, target);
CREATE INDEX outbox_link ON outbox(link_id);
"""
