"""Message templates: save-time checks with line numbers, the sandbox, rendering, time wording."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlite_utils import Database

from panelist.errors import ValidationError
from panelist.mail.templates import (
    PLACEHOLDERS,
    PURPOSE_PLACEHOLDERS,
    format_when,
    link_context,
    message_context,
    render_template,
    save_template,
    templates_for,
    validate_template,
)

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # Tuesday, 10:00 in Amsterdam
END = datetime(2026, 12, 1, 10, 30, tzinfo=UTC)


def context(**overrides: str | None) -> dict[str, object]:
    values: dict[str, str | None] = {
        "interviewer_name": "Pieter van Dijk",
        "form_name": "General evaluation",
        "video_link": "https://meet.jit.si/Panelist-abc",
    } | overrides
    return message_context(
        candidate_name="Zoë Müller",
        job_title="Frontend Engineer",
        company_name="Northwind Labs",
        organiser_name="Rosa Jansen",
        organiser_email="rosa.jansen@northwind.example",
        interview_type="Technical interview",
        method="video",
        start=START,
        end=END,
        candidate_zone="Europe/Berlin",
        local_zone="Europe/Amsterdam",
        location="",
        video_link=values["video_link"],
        interviewer_name=values["interviewer_name"],
        form_name=values["form_name"],
        previous=(START - timedelta(days=1), END - timedelta(days=1)),
        link=link_context(
            url="https://jobs.northwind.example/s/abc",
            type_name="Technical interview",
            minutes=90,
            first=START.date(),
            last=START.date() + timedelta(days=13),
            expires="Monday 7 December 2026, 17:00 (Europe/Berlin)",
        ),
    )


def rejection(subject: str, body: str, purpose: str | None = None) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validate_template(subject, body, purpose=purpose)
    return caught.value


# --------------------------------------------------------------------------- validation


def test_an_unknown_placeholder_is_reported_with_its_line() -> None:
    error = rejection("Hello", "Dear {{ candidate.name }},\n\nWelcome, {{ candidate.nmae }}.\n")
    assert str(error) == "body line 3: unknown placeholder 'candidate.nmae'"
    assert error.field == "body"


def test_a_syntax_error_is_reported_with_its_line() -> None:
    error = rejection("Hello", "Dear {{ candidate.name }},\nsee you {{ interview.start_local }\n")
    assert str(error) == "body line 2: syntax error: unexpected '}'"


@pytest.mark.parametrize(
    ("subject", "body", "purpose", "expected"),
    [
        ("Hi {{ candidat.name }}", "x", None, "subject: unknown placeholder 'candidat'"),
        ("Hi", "x\n{{ job.title | shout }}", None, "body line 2: no filter named 'shout'"),
        (
            "Hi",
            "{% if job.title %}\nx\n",
            None,
            "body line 1: syntax error: Unexpected end of template. Jinja was looking for the following tags: 'elif' or 'else' or 'endif'. The innermost block that needs to be closed is 'if'",
        ),
        (
            "Hi",
            "x\n{{ candidate }}",
            None,
            "body line 2: placeholder 'candidate' needs an attribute, e.g. candidate.name",
        ),
        (
            "Hi",
            "{{ candidate['email'] }}",
            None,
            "body line 1: unknown placeholder 'candidate.email'",
        ),
        (
            "Hi",
            "x\n\n{{ interviewer.name }}",
            "candidate_invitation",
            "body line 3: placeholder 'interviewer' is not available in a candidate invitation message",
        ),
        (
            "Hi",
            "{{ form.name }}",
            "decline_notice",
            "body line 1: placeholder 'form' is not available in a decline notice message",
        ),
        ("Hi", "x", "invitation", "unknown template purpose 'invitation'"),
    ],
)
def test_mistakes_are_named(subject: str, body: str, purpose: str | None, expected: str) -> None:
    assert str(rejection(subject, body, purpose)) == expected


@pytest.mark.parametrize(
    "body",
    [
        "{{ candidate.name.__class__.__mro__ }}",
        "{{ candidate['__class__'] }}",
        "{{ cycler.__init__.__globals__ }}",
    ],
)
def test_dunder_attributes_are_refused_at_save_time(body: str) -> None:
    error = rejection("Hi", "Dear you,\n" + body)
    assert str(error).startswith("body line 2: attribute '__")
    assert str(error).endswith("' is not allowed")


def test_the_first_mistake_is_reported_first() -> None:
    error = rejection("Hi", "{{ candidate.name }}\n{{ job.titel }}\n{{ foo }}")
    assert str(error) == "body line 2: unknown placeholder 'job.titel'"


def test_a_template_may_set_variables_loop_and_use_filters() -> None:
    body = (
        "{% set who = candidate.name | upper %}{{ who }}\n"
        "{% for step in range(2) %}{{ loop.index }}{% endfor %}\n"
        "{{ interview.type | lower }} ({{ interview.duration_minutes }} min)\n"
    )
    validate_template("{{ job.title }}", body, purpose="candidate_invitation")
    assert render_template("x", body, context()).text == (
        "ZOË MÜLLER\n12\ntechnical interview (90 min)\n"
    )


def test_every_placeholder_is_offered_by_some_purpose_and_given_by_message_context() -> None:
    offered = set().union(*PURPOSE_PLACEHOLDERS.values())
    assert offered == set(PLACEHOLDERS)
    given = context()
    body = "\n".join(
        f"{{{{ {name}.{attribute} }}}}"
        for name, attrs in PLACEHOLDERS.items()
        for attribute in attrs
    )
    validate_template("x", body)
    rendered = render_template("x", body, given).text.splitlines()
    assert rendered == [
        "Zoë Müller",
        "Frontend Engineer",
        "Northwind Labs",
        "Rosa Jansen",
        "rosa.jansen@northwind.example",
        "Pieter van Dijk",
        "General evaluation",
        "Technical interview",
        "video",
        "Tuesday 1 December 2026, 10:00–11:30 (Europe/Berlin)",
        "Tuesday 1 December 2026, 10:00–11:30 (Europe/Amsterdam)",
        "90",
        "",
        "https://meet.jit.si/Panelist-abc",
        "Monday 30 November 2026, 10:00–11:30 (Europe/Berlin)",
        "Monday 30 November 2026, 10:00–11:30 (Europe/Amsterdam)",
        "https://jobs.northwind.example/s/abc",
        "Technical interview",
        "90",
        "Tuesday 1 December to Monday 14 December 2026",
        "Monday 7 December 2026, 17:00 (Europe/Berlin)",
    ]


# --------------------------------------------------------------------------- rendering


def test_the_sandbox_blocks_internals_even_in_a_template_that_skipped_validation() -> None:
    with pytest.raises(ValidationError) as caught:
        render_template("x", "Hi\n\n{{ cycler.__init__.__globals__ }}", context())
    assert str(caught.value).startswith("body line 3: not allowed: access to attribute '__init__'")


def test_the_sandbox_is_immutable() -> None:
    shared = context()
    with pytest.raises(ValidationError) as caught:
        render_template(
            "x", "{{ interview.update({'video_link': 'https://evil.example'}) }}", shared
        )
    assert "not allowed" in str(caught.value)
    interview = shared["interview"]
    assert isinstance(interview, dict)
    assert interview["video_link"] == "https://meet.jit.si/Panelist-abc"


def test_a_placeholder_missing_at_render_time_names_its_line() -> None:
    without_interviewer = context(interviewer_name=None)
    with pytest.raises(ValidationError) as caught:
        render_template("x", "Hi\n{{ interviewer.name }}", without_interviewer)
    assert str(caught.value) == "body line 2: not available here: 'interviewer' is undefined"


def test_a_failing_expression_names_its_line() -> None:
    with pytest.raises(ValidationError) as caught:
        render_template("x", "a\nb\n{{ interview.duration_minutes / 0 }}", context())
    assert str(caught.value) == "body line 3: division by zero"


def test_the_subject_is_one_line_whatever_the_data() -> None:
    hostile = context()
    hostile["candidate"] = {"name": "Eve\r\nBcc: all@example.com\x00\u2028x"}
    rendered = render_template("Interview {{ candidate.name }}\n", "x", hostile)
    assert rendered.subject == "Interview Eve Bcc: all@example.com x"


def test_html_is_escaped_with_paragraphs_and_links() -> None:
    hostile = context()
    hostile["candidate"] = {"name": "<script>alert(1)</script> & co"}
    body = "Dear {{ candidate.name }},\n\n\n\nJoin at {{ interview.video_link }}.\nBye"
    rendered = render_template("x", body, hostile)
    assert rendered.text == (
        "Dear <script>alert(1)</script> & co,\n\nJoin at https://meet.jit.si/Panelist-abc.\nBye\n"
    )
    assert "<script>" not in rendered.html
    assert "<p>Dear &lt;script&gt;alert(1)&lt;/script&gt; &amp; co,</p>" in rendered.html
    assert (
        '<p>Join at <a href="https://meet.jit.si/Panelist-abc">https://meet.jit.si/Panelist-abc</a>.'
        "<br>\nBye</p>"
    ) in rendered.html


def test_a_separate_html_template_is_autoescaped() -> None:
    hostile = context()
    hostile["candidate"] = {"name": "<b>Eve</b>"}
    rendered = render_template(
        "x", "Dear {{ candidate.name }}", hostile, html_body="<h1>{{ candidate.name }}</h1>"
    )
    assert rendered.html == "<h1>&lt;b&gt;Eve&lt;/b&gt;</h1>"
    assert rendered.text == "Dear <b>Eve</b>\n"


def test_every_demo_template_validates_and_renders(demo_db: Database) -> None:
    stored = [t for purpose in PURPOSE_PLACEHOLDERS for t in templates_for(demo_db, purpose)]
    assert len(stored) == 9
    assert {t.purpose for t in stored} == set(PURPOSE_PLACEHOLDERS)
    for template in stored:
        validate_template(template.subject, template.body, purpose=template.purpose)
        rendered = render_template(template.subject, template.body, context())
        assert "Zoë Müller" in rendered.subject + rendered.text, template.name
        assert "{" not in rendered.text and "\n" not in rendered.subject, template.name
        assert rendered.html.count("<p>") >= 2, template.name


def test_the_demo_invitation_offers_the_video_link_or_the_address(demo_db: Database) -> None:
    (invitation,) = [
        t
        for t in templates_for(demo_db, "candidate_invitation")
        if t.name == "Interview invitation"
    ]
    by_video = render_template(invitation.subject, invitation.body, context())
    in_person = render_template(invitation.subject, invitation.body, context(video_link=None))
    assert "Join the video call at https://meet.jit.si/Panelist-abc" in by_video.text
    assert "on Tuesday 1 December 2026, 10:00–11:30 (Europe/Berlin)" in by_video.text
    assert by_video.subject == "Your interview for Frontend Engineer at Northwind Labs"
    assert "meet.jit.si" not in in_person.text
    assert "We will call you" in in_person.text


# --------------------------------------------------------------------------- storage


def test_save_template_inserts_then_updates_by_name(db: Database) -> None:
    first = save_template(db, "Invite", "candidate_invitation", "Hi", "Dear {{ candidate.name }}")
    again = save_template(
        db, " Invite ", "candidate_invitation", "Hello", "Hi {{ candidate.name }}"
    )
    assert first == again
    (saved,) = templates_for(db, "candidate_invitation")
    assert (saved.name, saved.subject, saved.body) == ("Invite", "Hello", "Hi {{ candidate.name }}")


def test_save_template_writes_nothing_when_invalid(db: Database) -> None:
    save_template(db, "Invite", "candidate_invitation", "Hi", "Dear {{ candidate.name }}")
    with pytest.raises(ValidationError) as caught:
        save_template(db, "Invite", "candidate_invitation", "Hi", "Dear\n{{ candidate.nmae }}")
    assert str(caught.value) == "body line 2: unknown placeholder 'candidate.nmae'"
    with pytest.raises(ValidationError, match="needs a name"):
        save_template(db, " \n", "candidate_invitation", "Hi", "Dear {{ candidate.name }}")
    with pytest.raises(ValidationError, match="unknown template purpose 'newsletter'"):
        save_template(db, "News", "newsletter", "Hi", "Dear {{ candidate.name }}")
    assert [t.body for t in templates_for(db, "candidate_invitation")] == [
        "Dear {{ candidate.name }}"
    ]


@pytest.mark.parametrize(
    ("subject", "problem"),
    [
        ("=?utf-8?q?Hi=0D=0ABcc:_x@evil.example?=", "must not hold MIME encoded-word syntax"),
        ("Hi\x1b]0;pwned\x07 {{ candidate.name }}", "must not hold the control character U+001B"),
        ("Hi\u2028Bcc: x@evil.example", "must be on one line (it holds the line break U+2028)"),
    ],
)
def test_a_subject_must_be_plain_text_on_one_line(db: Database, subject: str, problem: str) -> None:
    with pytest.raises(ValidationError) as caught:
        save_template(db, "Invite", "candidate_invitation", subject, "Dear {{ candidate.name }}")
    assert str(caught.value).startswith(f"subject {problem}")
    assert templates_for(db, "candidate_invitation") == []


# --------------------------------------------------------------------------- times


def test_format_when_shows_the_wall_clock_of_each_zone() -> None:
    assert format_when(START, END, "Europe/Amsterdam") == (
        "Tuesday 1 December 2026, 10:00–11:30 (Europe/Amsterdam)"
    )
    assert format_when(START, END, "America/New_York") == (
        "Tuesday 1 December 2026, 04:00–05:30 (America/New_York)"
    )
    assert format_when(START, END, "Asia/Tokyo") == (
        "Tuesday 1 December 2026, 18:00–19:30 (Asia/Tokyo)"
    )
    assert format_when(START, None, "UTC") == "Tuesday 1 December 2026, 09:00 (UTC)"


def test_format_when_across_the_dst_change() -> None:
    # Amsterdam leaves summer time on Sunday 25 October 2026 at 03:00 CEST (01:00 UTC).
    before = datetime(2026, 10, 23, 9, 0, tzinfo=UTC)
    after = datetime(2026, 10, 26, 9, 0, tzinfo=UTC)
    hour = after.replace(hour=10) - after
    assert format_when(before, before + hour, "Europe/Amsterdam") == (
        "Friday 23 October 2026, 11:00–12:00 (Europe/Amsterdam)"
    )
    assert format_when(after, after + hour, "Europe/Amsterdam") == (
        "Monday 26 October 2026, 10:00–11:00 (Europe/Amsterdam)"
    )
    # Two real hours across the change show as one hour of wall clock.
    night = datetime(2026, 10, 25, 0, 0, tzinfo=UTC)
    assert format_when(night, night + 2 * hour, "Europe/Amsterdam") == (
        "Sunday 25 October 2026, 02:00–03:00 (Europe/Amsterdam)"
    )
    # New York changes a week later: the same instant is 5 hours behind Amsterdam, not 6.
    assert format_when(after, after + hour, "America/New_York") == (
        "Monday 26 October 2026, 05:00–06:00 (America/New_York)"
    )


def test_format_when_names_both_days_of_a_span_past_midnight() -> None:
    late = datetime(2026, 12, 1, 22, 30, tzinfo=UTC)
    assert format_when(late, late + (END - START), "Europe/Amsterdam") == (
        "Tuesday 1 December 2026, 23:30 – Wednesday 2 December 2026, 01:00 (Europe/Amsterdam)"
    )


def test_format_when_refuses_naive_times_and_unknown_zones() -> None:
    with pytest.raises(ValidationError, match="unknown timezone 'Mars/Olympus'"):
        format_when(START, END, "Mars/Olympus")
    with pytest.raises(ValidationError, match="start: a time without a timezone"):
        format_when(START.replace(tzinfo=None), END, "UTC")


def test_message_context_uses_each_readers_zone() -> None:
    given = message_context(
        candidate_name="Kavya Gupta",
        job_title="Data Engineer",
        company_name="Northwind Labs",
        organiser_name="Rosa Jansen",
        organiser_email="rosa@northwind.example",
        interview_type="Phone screen",
        method="in_person",
        start=START,
        end=END,
        candidate_zone="Europe/London",
        local_zone="Asia/Kolkata",
        location="Amsterdam HQ",
    )
    interview = given["interview"]
    assert isinstance(interview, dict)
    assert interview["start_candidate"] == "Tuesday 1 December 2026, 09:00–10:30 (Europe/London)"
    assert interview["start_local"] == "Tuesday 1 December 2026, 14:30–16:00 (Asia/Kolkata)"
    assert (interview["method"], interview["video_link"]) == ("in person", "")
    assert "interviewer" not in given and "form" not in given
