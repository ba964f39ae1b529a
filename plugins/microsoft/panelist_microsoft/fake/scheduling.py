"""Exchange as a scheduling server: the organiser's event is copied into each attendee's
mailbox (own id, same iCalUId), rooms answer by themselves, answers reach the organiser."""

from __future__ import annotations

import copy
import urllib.parse
from typing import TYPE_CHECKING

from panelist_microsoft.fake.events import blocks, instances, span
from panelist_microsoft.fake.state import Mailbox
from panelist_microsoft.fake.wire import JSON, change_key, ical_uid, new_id, odata_time

if TYPE_CHECKING:
    from panelist_microsoft.fake.server import FakeGraph

NEVER = "0001-01-01T00:00:00Z"


def store(fake: FakeGraph, mailbox: Mailbox, event: JSON) -> None:
    event["changeKey"] = change_key()
    event["lastModifiedDateTime"] = odata_time(fake.now())
    mailbox.events[event["id"]] = event
    mailbox.changed[event["id"]] = fake.tick()


def remove(fake: FakeGraph, mailbox: Mailbox, event_id: str) -> None:
    event = mailbox.events.pop(event_id)
    stamp = fake.tick()
    mailbox.changed[event_id] = stamp
    mailbox.removed[event_id] = (stamp, event)
    for key, value in list(mailbox.transactions.items()):
        if value == event_id:
            del mailbox.transactions[key]


def new_event(fake: FakeGraph, mailbox: Mailbox, body: JSON) -> JSON:
    now = odata_time(fake.now())
    event_id = new_id()
    event: JSON = {
        "@odata.type": "#microsoft.graph.event",
        "id": event_id,
        "createdDateTime": now,
        "lastModifiedDateTime": now,
        "changeKey": "",
        "categories": [],
        "transactionId": None,
        "originalStartTimeZone": body.get("start", {}).get("timeZone", "UTC"),
        "originalEndTimeZone": body.get("end", {}).get("timeZone", "UTC"),
        "iCalUId": ical_uid(),
        "uid": None,
        "reminderMinutesBeforeStart": 15,
        "isReminderOn": True,
        "hasAttachments": False,
        "subject": "",
        "bodyPreview": "",
        "importance": "normal",
        "sensitivity": "normal",
        "isAllDay": False,
        "isCancelled": False,
        "isOrganizer": True,
        "responseRequested": True,
        "seriesMasterId": None,
        "showAs": "busy",
        "type": "singleInstance",
        "webLink": "https://outlook.office365.com/owa/?itemid="
        + urllib.parse.quote(event_id, safe="")
        + "&exvsurl=1&path=/calendar/item",
        "onlineMeetingUrl": None,
        "isOnlineMeeting": False,
        "onlineMeetingProvider": "unknown",
        "allowNewTimeProposals": True,
        "isDraft": False,
        "hideAttendees": False,
        "recurrence": None,
        "onlineMeeting": None,
        "responseStatus": {"response": "organizer", "time": NEVER},
        "body": {"contentType": "html", "content": ""},
        "location": {"displayName": "", "locationType": "default", "uniqueIdType": "unknown"},
        "locations": [],
        "attendees": [],
        "organizer": {"emailAddress": {"name": mailbox.name, "address": mailbox.email}},
    }
    return event


def apply(fake: FakeGraph, mailbox: Mailbox, event: JSON, body: JSON, *, creating: bool) -> None:
    """Write a client's (checked) body onto a stored event, as Exchange fills it in."""
    previous_attendees = {
        a["emailAddress"]["address"].lower(): a for a in event.get("attendees", [])
    }
    for key, value in body.items():
        if key in ("@odata.type",):
            continue
        event[key] = copy.deepcopy(value)
    if "start" in body:
        event["originalStartTimeZone"] = body["start"].get("timeZone", "UTC")
    if "end" in body:
        event["originalEndTimeZone"] = body["end"].get("timeZone", "UTC")
    if "body" in body:
        content = (body["body"] or {}).get("content") or ""
        event["bodyPreview"] = content[:255]
    if "location" in body:
        location = event["location"] or {}
        location.setdefault("locationType", "default")
        location.setdefault("uniqueIdType", "unknown")
        if location.get("locationEmailAddress"):
            location["uniqueId"] = location["locationEmailAddress"]
            location["uniqueIdType"] = "directory"
        event["locations"] = [copy.deepcopy(location)] if location.get("displayName") else []
    if "recurrence" in body:
        event["type"] = "seriesMaster" if body["recurrence"] else "singleInstance"
    attendees = []
    for person in event.get("attendees", []):
        address = (person.get("emailAddress") or {}).get("address", "")
        known = previous_attendees.get(address.lower())
        person.setdefault("type", "required")
        person["status"] = copy.deepcopy(
            (known or {}).get("status") or {"response": "none", "time": NEVER}
        )
        attendees.append(person)
    event["attendees"] = attendees
    # Teams: only for an organiser licensed for it; else the event is made without one
    # (an attendee's copy keeps the organiser's meeting)
    if not event.get("isOrganizer"):
        return
    wants_teams = event.get("isOnlineMeeting") and event.get("onlineMeetingProvider") in (
        "teamsForBusiness",
    )
    if wants_teams and mailbox.teams:
        if not event.get("onlineMeeting"):
            thread = new_id("19:meeting_")[:40]
            event["onlineMeeting"] = {
                "joinUrl": "https://teams.microsoft.com/l/meetup-join/"
                + urllib.parse.quote(f"{thread}@thread.v2", safe="")
                + "/0?context=%7b%22Tid%22%3a%22"
                + fake.tenant_of(mailbox)
                + "%22%7d",
                "conferenceId": str(abs(hash(thread)) % 10**9),
                "tollNumber": "+31 20 000 0000",
            }
    else:
        event["isOnlineMeeting"] = False
        event["onlineMeetingProvider"] = "unknown"
        event["onlineMeeting"] = None


def propagate(fake: FakeGraph, organiser: Mailbox, event: JSON, *, times_changed: bool) -> None:
    """The organiser's event reaches each attendee's mailbox the fake knows; rooms answer."""
    if not event.get("isOrganizer"):
        return
    invited: set[str] = set()
    for person in event.get("attendees", []):
        address = person["emailAddress"]["address"].lower()
        other = fake.mailbox_or_none(address)
        if other is None or other is organiser or not other.has_mailbox:
            continue
        invited.add(other.id)
        if times_changed and not other.is_room:
            person["status"] = {"response": "none", "time": NEVER}
        if (
            other.is_room
            and other.auto_accept
            and not event.get("isCancelled")
            and (times_changed or person["status"]["response"] == "none")
        ):
            busy = room_busy(other, event)
            person["status"] = {
                "response": "declined" if busy else "accepted",
                "time": odata_time(fake.now()),
            }
    for other in fake.mailboxes.values():
        if other is organiser:
            continue
        copy_id = find_by_uid(other, event["iCalUId"])
        if other.id in invited:
            mine = next(
                p for p in event["attendees"]
                if p["emailAddress"]["address"].lower() == other.email.lower()
            )  # fmt: skip
            if other.is_room and mine["status"]["response"] == "declined":
                if copy_id is not None:
                    remove(fake, other, copy_id)
                continue
            store(fake, other, attendee_copy(fake, event, other, copy_id, mine))
        elif copy_id is not None and not other.events[copy_id].get("isCancelled"):
            cancel_copy(fake, other, copy_id)


def attendee_copy(
    fake: FakeGraph, event: JSON, mailbox: Mailbox, copy_id: str | None, mine: JSON
) -> JSON:
    previous = mailbox.events.get(copy_id or "")
    out = copy.deepcopy(event)
    out["id"] = copy_id or new_id()
    out["isOrganizer"] = False
    out["transactionId"] = None
    out["webLink"] = (
        "https://outlook.office365.com/owa/?itemid="
        + urllib.parse.quote(out["id"], safe="")
        + "&exvsurl=1&path=/calendar/item"
    )
    response = mine["status"]["response"]
    if mailbox.is_room or (previous is not None and response != "none"):
        out["responseStatus"] = copy.deepcopy(mine["status"])
    else:
        out["responseStatus"] = {"response": "notResponded", "time": NEVER}
    out["showAs"] = copy_show_as(event, out["responseStatus"]["response"])
    if previous is not None:
        out["createdDateTime"] = previous["createdDateTime"]
        for key in ("isReminderOn", "reminderMinutesBeforeStart", "categories"):
            out[key] = previous.get(key)
    return out


def copy_show_as(event: JSON, response: str) -> str:
    """How an invitation shows in the attendee's calendar: tentative until answered (as
    Outlook puts a new meeting request in), the organiser's showAs once accepted, free when
    declined."""
    shown = str(event.get("showAs", "busy"))
    if shown == "free" or response == "accepted":
        return shown
    return "free" if response == "declined" else "tentative"


def cancel_copy(fake: FakeGraph, mailbox: Mailbox, copy_id: str) -> None:
    """The organiser cancelled, or took this attendee off: the copy says so and stays
    (``isCancelled``) until its owner removes it."""
    item = mailbox.events[copy_id]
    item["isCancelled"] = True
    if not item.get("subject", "").startswith("Canceled: "):
        item["subject"] = "Canceled: " + item.get("subject", "")
    store(fake, mailbox, item)


def find_by_uid(mailbox: Mailbox, uid: str) -> str | None:
    for event_id, event in mailbox.events.items():
        if event.get("iCalUId") == uid:
            return event_id
    return None


def room_busy(room: Mailbox, event: JSON) -> bool:
    start, end = span(event)
    for other in room.events.values():
        if other.get("iCalUId") == event.get("iCalUId") or not blocks(other):
            continue
        for item in instances(other, start, end):
            if blocks(item):
                return True
    return False


def respond(fake: FakeGraph, mailbox: Mailbox, uid: str, response: str) -> None:
    """An attendee answers from their own Outlook: their copy and the organiser's
    ``attendees[].status`` change."""
    copy_id = find_by_uid(mailbox, uid)
    if copy_id is None:
        raise KeyError(f"{mailbox.email} holds no event {uid}")
    status = {"response": response, "time": odata_time(fake.now())}
    mine = mailbox.events[copy_id]
    mine["responseStatus"] = dict(status)
    organiser_event = next(
        (
            box.events[i]
            for box in fake.mailboxes.values()
            if (i := find_by_uid(box, uid)) is not None and box.events[i].get("isOrganizer")
        ),
        mine,
    )
    mine["showAs"] = copy_show_as(organiser_event, response)
    store(fake, mailbox, mine)
    for organiser in fake.mailboxes.values():
        event_id = find_by_uid(organiser, uid)
        if event_id is None or not organiser.events[event_id].get("isOrganizer"):
            continue
        event = organiser.events[event_id]
        for person in event.get("attendees", []):
            if person["emailAddress"]["address"].lower() == mailbox.email.lower():
                person["status"] = dict(status)
        store(fake, organiser, event)
        for other in fake.mailboxes.values():  # the other copies show the answer too
            other_id = find_by_uid(other, uid)
            if other is organiser or other_id is None:
                continue
            other.events[other_id]["attendees"] = copy.deepcopy(event["attendees"])
            store(fake, other, other.events[other_id])
