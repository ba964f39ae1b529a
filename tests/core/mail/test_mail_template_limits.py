"""Templates cannot run long, make huge text or print Python objects (issue 10, item 7)."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from sqlite_utils import Database

from panelist.demo.company import MESSAGE_TEMPLATES
from panelist.errors import ValidationError
from panelist.mail.templates import render_template, sample_context, save_template, templates_for

MAX_SECONDS = 2.0
MAX_BYTES = 30 * 1024 * 1024

# The hostile part goes on line 3 of the body; every refusal must say so.
HOSTILE = {
    "nested loops": "{% for i in range(100000) %}{% for j in range(100000) %}x"
    "{% endfor %}{% endfor %}",
    "capped but nested loops": "{% for i in range(1000) %}{% for j in range(1000) %}"
    "{% for k in range(1000) %}{% endfor %}{% endfor %}{% endfor %}",
    "loops over a stored range": "{% set r = range(1000) %}{% for i in r %}{% for j in r %}"
    "{% for k in r %}{% endfor %}{% endfor %}{% endfor %}",
    "long output": "{% for i in range(1000) %}{% for j in range(1000) %}0123456789"
    "{% endfor %}{% endfor %}",
    "center method": "{{ 'x'.center(10**9) }}",
    "center filter": "{{ 'x'|center(1000000000) }}",
    "ljust on a placeholder": "{{ candidate.name.ljust(10**9) }}",
    "zfill": "{{ job.title.zfill(10**9) }}",
    "repetition": "{{ 'x' * 10**9 }}",
    "printf width": "{{ '%1000000000s' % 'x' }}",
    "format width": "{{ '{:>1000000000}'.format('x') }}",
    "replace with empty": "{{ candidate.name|replace('', 'x' * 99999) }}",
    "huge power": "{{ 10 ** (10 ** 10) }}",
    "huge range": "{% for i in range(10 ** 30) %}{% endfor %}",
    "doubling by ~": "{% set a = 'xxxxxxxxxxxxxxxx' %}"
    + "{% set a = a ~ a %}" * 40
    + "{{ a|length }}",
    "doubling macro": "{% macro d(s, n) %}{{ d(s ~ s, n - 1) if n else s }}{% endmacro %}"
    "{{ d('x', 60) }}",
    "lipsum": "{{ lipsum }}",
    "lipsum call": "{{ lipsum(5) }}",
    "self": "{{ self }}",
    "cycler": "{{ cycler('a', 'b') }}",
    "joiner": "{{ joiner() }}",
    "namespace": "{{ namespace() }}",
    "a method's repr": "{{ candidate.name.upper }}",
    "a method's repr joined": "{{ 'name: ' ~ candidate.name.upper }}",
    "a method's repr as string": "{{ candidate.name.upper|string }}",
    "a method's repr formatted": "{{ '%s' % candidate.name.upper }}",
}


@contextmanager
def bounded() -> Iterator[None]:
    """Fail unless the block is quick and small."""
    tracemalloc.start()
    started = time.monotonic()
    try:
        yield
    finally:
        seconds = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert seconds < MAX_SECONDS, f"took {seconds:.1f} s"
    assert peak < MAX_BYTES, f"used {peak // 1024 // 1024} MB"


def body_with(hostile: str) -> str:
    return f"Dear {{{{ candidate.name }}}},\n\n{hostile}\n\n{{{{ organiser.name }}}}\n"


@pytest.mark.parametrize("hostile", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_template_is_refused_on_save_quickly_naming_its_line(
    db: Database, hostile: str
) -> None:
    with bounded(), pytest.raises(ValidationError) as caught:
        save_template(db, "Hostile", "candidate_invitation", "Hi", body_with(hostile))
    assert str(caught.value).startswith("body line 3: "), str(caught.value)
    assert templates_for(db, "candidate_invitation") == []


@pytest.mark.parametrize("hostile", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_template_stored_earlier_fails_its_mail_quickly(hostile: str) -> None:
    """Limits hold at send time too, for templates saved before they existed."""
    with bounded(), pytest.raises(ValidationError, match=r"^body line 3: "):
        render_template("Hi", body_with(hostile), sample_context())


def test_the_subject_is_limited_too(db: Database) -> None:
    with bounded(), pytest.raises(ValidationError) as caught:
        save_template(db, "Hostile", "candidate_invitation", "{{ 'x' * 10**9 }}", "Hello")
    assert str(caught.value) == "subject: repeating a text 1000000000 times makes it too long"


def test_the_messages_say_what_was_too_much(db: Database) -> None:
    def refusal(hostile: str) -> str:
        with pytest.raises(ValidationError) as caught:
            save_template(db, "Hostile", "candidate_invitation", "Hi", body_with(hostile))
        return str(caught.value)

    assert refusal(HOSTILE["nested loops"]) == (
        "body line 3: a range of more than 1000 numbers is not allowed"
    )
    assert refusal(HOSTILE["capped but nested loops"]) == (
        "body line 3: the template took longer than 1 s to render"
    )
    assert refusal(HOSTILE["long output"]) == (
        "body line 3: the message would be longer than 100000 characters"
    )
    assert refusal(HOSTILE["center method"]) == (
        "body line 3: a center width of 1000000000 is more than 1000"
    )
    assert refusal(HOSTILE["lipsum"]) == "body line 3: unknown placeholder 'lipsum'"
    assert refusal(HOSTILE["self"]) == "body line 3: unknown placeholder 'self'"
    assert refusal(HOSTILE["a method's repr"]) == (
        "body line 3: a builtin_function_or_method cannot be shown, only text and numbers"
    )


FRIENDLY = (
    "{% for i in range(3) %}{{ loop.index }}. {{ 'x'.center(5) }}|{% endfor %}",
    "{{ interview.type|lower }}, {{ ['a', 'b']|join(', ') }}, {{ '%s!' % job.title }}",
    "{{ '{} ({})'.format(job.title, interview.duration_minutes) }} {{ 'ab' * 3 }}",
    "{{ candidate.name|wordwrap(10) }} {{ job.title|indent(2) }} {{ job.title|replace('e', 'E') }}",
    "{% set s %}{{ candidate.name }}{% endset %}{{ s ~ ' / ' ~ s|length }} {{ 2 ** 10 }}",
)


@pytest.mark.parametrize("body", FRIENDLY)
def test_ordinary_template_code_renders_as_stock_jinja_renders_it(db: Database, body: str) -> None:
    save_template(db, "Friendly", "candidate_invitation", "Hi", body)
    assert render_template("Hi", body, sample_context()).text == stock_render(body)


@pytest.mark.parametrize("template", MESSAGE_TEMPLATES, ids=lambda t: t[0])
def test_the_demo_templates_render_as_stock_jinja_renders_them(
    template: tuple[str, str, str, str],
) -> None:
    _, _, subject, body = template
    rendered = render_template(subject, body, sample_context())
    assert rendered.subject == stock_render(subject).strip()
    assert rendered.text == stock_render(body)


def stock_render(source: str) -> str:
    """Jinja2's own sandbox, without limits, tidied the way render_template tidies text."""
    environment = ImmutableSandboxedEnvironment(
        undefined=StrictUndefined, keep_trailing_newline=True
    )
    text = environment.from_string(source).render(sample_context())
    lines = [line.rstrip() for line in text.split("\n")]
    while "" in lines[:1]:
        lines.pop(0)
    kept = [line for i, line in enumerate(lines) if line or (i and lines[i - 1])]
    return "\n".join(kept).strip("\n") + "\n"


def test_lazy_values_are_joined_whole() -> None:
    """Measuring what join gets must not use it up."""
    body = "{{ range(3)|map('string')|join('-') }} {{ '+'.join(range(3)|map('string')) }}"
    assert render_template("Hi", body, sample_context()).text == "0-1-2 0+1+2\n"
