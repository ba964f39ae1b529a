"""The candidate's invitation, update and cancellation, whole, as text files to review.

Deterministic: the frozen clock gives Date and DTSTAMP, the outbox keys the Message-IDs,
the interview id the UID. Regenerate with ``pytest
tests/core/scheduling/test_sched_invitation_snapshots.py --snapshot-update`` and read the
diff in ``__snapshots__/`` before committing it. Each mail is also read by icalendar and
by vobject with validation, as two clients would.
"""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import icalendar
import pytest
import scheduling_helpers as h
import vobject
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from panelist.models import Method
from panelist.scheduling import SchedulingService

pytestmark = pytest.mark.anyio
LATER = h.TUESDAY_10 + timedelta(days=1, hours=3)
HEADERS = ("From", "Sender", "To", "Reply-To", "Subject", "Date", "Message-ID")


class TextSnapshot(SingleFileSnapshotExtension):
    _file_extension = "txt"
    _write_mode = WriteMode.TEXT


def as_text(message: EmailMessage) -> str:
    """The headers a reader sees, the MIME layout, the text and the .ics (LF line ends)."""
    lines = [f"{name}: {message[name]}" for name in HEADERS if message[name] is not None]
    layout = []
    sections = []
    for part in message.walk():
        method = part.get_param("method")
        layout.append(part.get_content_type() + (f"; method={method}" if method else ""))
        if part.get_content_type() in ("text/plain", "text/calendar"):
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            body = payload.decode().replace("\r\n", "\n")
            sections.append(f"----- {part.get_content_type()}\n{body}")
    return "\n".join([*lines, "Layout: " + ", ".join(layout), "", *sections])


def calendar_bytes(message: EmailMessage) -> bytes:
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload


def sequence(message: EmailMessage) -> int:
    (event,) = icalendar.Calendar.from_ical(calendar_bytes(message)).walk("VEVENT")
    return int(event["SEQUENCE"])


def read_by_two_parsers(message: EmailMessage) -> None:
    payload = calendar_bytes(message)
    (event,) = icalendar.Calendar.from_ical(payload).walk("VEVENT")
    parsed = vobject.readOne(payload.decode(), validate=True)
    assert parsed.vevent.uid.value == str(event["UID"])
    assert parsed.vevent.dtstart.value == event.decoded("DTSTART")


async def test_invitation_update_and_cancellation(
    service: SchedulingService, maildir: Path, snapshot: SnapshotAssertion
) -> None:
    record = await service.invite(h.request("sam", method=Method.IN_PERSON, room="amstel"))
    await service.send_candidate_invitation(record.id)
    await service.reschedule(record.id, LATER, LATER + timedelta(hours=1))
    await service.cancel(record.id)

    mails = [m for m in h.read_maildir(maildir) if "daan@candidate.example" in str(m["To"])]
    mails.sort(key=sequence)  # Maildir names do not keep the order of sending
    assert len(mails) == 3
    for name, message in zip(("invitation", "update", "cancellation"), mails, strict=True):
        read_by_two_parsers(message)
        assert as_text(message) == snapshot(name=name, extension_class=TextSnapshot)
