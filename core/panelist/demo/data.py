"""The demo company's fixed cast: people, rooms, jobs, names and titles.

Everything random in the demo is drawn from these lists with a seeded
`random.Random`, so the same clock always yields the same company.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

AMSTERDAM: Final = "Europe/Amsterdam"
LONDON: Final = "Europe/London"
NEW_YORK: Final = "America/New_York"
KOLKATA: Final = "Asia/Kolkata"

# Offices: the zone people there live in, the region interview panels are drawn from.
REGION_OF_ZONE: Final = {AMSTERDAM: "eu", LONDON: "eu", NEW_YORK: "us", KOLKATA: "in"}

COMPANY_NAME: Final = "Northwind Labs"
EMAIL_DOMAIN: Final = "example.com"
CANDIDATE_EMAIL_DOMAIN: Final = "example.net"

# Working-hour patterns, as `WorkingHours.from_mapping` takes them.
_WEEK = ("mon", "tue", "wed", "thu", "fri")
HOURS: Final[dict[str, dict[str, list[list[str]]]]] = {
    "office": {day: [["09:00", "17:00"]] for day in _WEEK},
    "early": {day: [["08:00", "16:30"]] for day in _WEEK},
    "late": {day: [["10:00", "18:30"]] for day in _WEEK},
    "long": {day: [["09:00", "17:30"]] for day in _WEEK},
    "mornings": {day: [["09:00", "13:00"]] for day in _WEEK},
    "four_days": {day: [["08:30", "17:30"]] for day in _WEEK[:4]},
    "school_run": {
        **{day: [["09:00", "12:00"], ["13:00", "17:00"]] for day in _WEEK[:2]},
        "wed": [["09:00", "12:30"]],
        **{day: [["09:00", "12:00"], ["13:00", "17:00"]] for day in _WEEK[3:]},
    },
}


@dataclass(frozen=True)
class Person:
    name: str
    zone: str
    department: str
    role: str  # the company-wide recruiting role
    hours: str = "office"
    integrated: bool = True
    email_local: str | None = None  # when the name does not transliterate well
    os_user_slot: bool = False  # this person is the one the OS account maps to


RECRUITER_ON_OS_ACCOUNT: Final = "Rosa Jansen"

PEOPLE: Final = (
    # Management
    Person("Daan de Vries", AMSTERDAM, "Management", "Admin", "long"),
    Person("Oliver Smith", LONDON, "Management", "Admin"),
    # People (recruiting)
    Person(RECRUITER_ON_OS_ACCOUNT, AMSTERDAM, "People", "Recruiter", os_user_slot=True),
    Person("Sanne Bakker", AMSTERDAM, "People", "Recruiter", "four_days"),
    Person("Amelia Jones", LONDON, "People", "Recruiter"),
    Person("Jessica Williams", NEW_YORK, "People", "Recruiter", "long"),
    Person("Ananya Sen", KOLKATA, "People", "Recruiter", "late"),
    Person("Lotte Vos", AMSTERDAM, "People", "Employee", "mornings"),
    # Engineering
    Person("Pieter van Dijk", AMSTERDAM, "Engineering", "Hiring manager"),
    Person("Łukasz Nowak", AMSTERDAM, "Engineering", "Hiring manager", "early"),
    Person("Lucas Smit", AMSTERDAM, "Engineering", "Interviewer"),
    Person("Bram de Boer", AMSTERDAM, "Engineering", "Interviewer", "late"),
    Person("Thijs de Groot", AMSTERDAM, "Engineering", "Interviewer"),
    Person("Søren Kristensen", AMSTERDAM, "Engineering", "Interviewer", "four_days"),
    Person("Björn Lindqvist", AMSTERDAM, "Engineering", "Interviewer"),
    Person("Jesse van Leeuwen", AMSTERDAM, "Engineering", "Employee", "school_run"),
    Person("George Wilson", LONDON, "Engineering", "Interviewer"),
    Person("Kwame Mensah", LONDON, "Engineering", "Interviewer", integrated=False),
    Person("Rohan Chatterjee", KOLKATA, "Engineering", "Hiring manager", "late"),
    Person("Arjun Banerjee", KOLKATA, "Engineering", "Interviewer", "late"),
    Person("Priyanka Das", KOLKATA, "Engineering", "Interviewer", "late"),
    Person("Vikram Iyer", KOLKATA, "Engineering", "Interviewer", "late", integrated=False),
    # Design
    Person("Emma Visser", AMSTERDAM, "Design", "Hiring manager"),
    Person("Zoë Bos", AMSTERDAM, "Design", "Interviewer", "mornings"),
    Person("Chloé Dubois", AMSTERDAM, "Design", "Interviewer"),
    Person("Noor Hendriks", AMSTERDAM, "Design", "Employee", "four_days"),
    # Data
    Person("Harry Taylor", LONDON, "Data", "Hiring manager"),
    Person("Isla Brown", LONDON, "Data", "Interviewer", "early"),
    Person("Priya Patel", LONDON, "Data", "Interviewer"),
    Person("Mila Dekker", AMSTERDAM, "Data", "Interviewer"),
    Person(
        "Ελένη Παπαδοπούλου", AMSTERDAM, "Data", "Interviewer", email_local="eleni.papadopoulou"
    ),
    # Sales
    Person("Michael Johnson", NEW_YORK, "Sales", "Hiring manager", "long"),
    Person("David Rodriguez", NEW_YORK, "Sales", "Interviewer"),
    Person("Marcus Thompson", NEW_YORK, "Sales", "Interviewer", "early"),
    Person("Ryan O'Brien", NEW_YORK, "Sales", "Employee"),
    Person("Chidi Okafor", NEW_YORK, "Sales", "Interviewer", integrated=False),
    # Customer success
    Person("Emily Chen", NEW_YORK, "Customer Success", "Hiring manager"),
    Person("Sofia Rossi", NEW_YORK, "Customer Success", "Interviewer", "mornings"),
    Person("Siobhán O'Connor", LONDON, "Customer Success", "Interviewer"),
    # Marketing
    Person("José García", AMSTERDAM, "Marketing", "Hiring manager"),
    Person("Ana Silva", AMSTERDAM, "Marketing", "Interviewer"),
    Person("Mehmet Yılmaz", AMSTERDAM, "Marketing", "Interviewer", "early"),
    Person("Fatima El Amrani", AMSTERDAM, "Marketing", "Employee", integrated=False),
    # Operations
    Person("Anouk Meijer", AMSTERDAM, "Operations", "Employee"),
    Person("Sem Peters", AMSTERDAM, "Operations", "Employee", "early"),
    Person("Fleur Mulder", AMSTERDAM, "Operations", "Interviewer", "school_run"),
)


@dataclass(frozen=True)
class RoomSpec:
    name: str
    capacity: int
    zone: str
    location: str


ROOMS: Final = (
    RoomSpec("Amstel", 4, AMSTERDAM, "Amsterdam HQ, 2nd floor"),
    RoomSpec("Keizersgracht", 8, AMSTERDAM, "Amsterdam HQ, 2nd floor"),
    RoomSpec("Jordaan", 12, AMSTERDAM, "Amsterdam HQ, 3rd floor"),
    RoomSpec("Boardroom", 20, AMSTERDAM, "Amsterdam HQ, 4th floor"),
    RoomSpec("Phone booth", 2, AMSTERDAM, "Amsterdam HQ, 2nd floor"),
    RoomSpec("Thames", 6, LONDON, "London, Shoreditch"),
    RoomSpec("Soho", 3, LONDON, "London, Shoreditch"),
    RoomSpec("Hudson", 10, NEW_YORK, "New York, Flatiron"),
    RoomSpec("Howrah", 8, KOLKATA, "Kolkata, Salt Lake Sector V"),
)


@dataclass(frozen=True)
class JobSpec:
    title: str
    department: str
    location: str
    region: str
    recruiter: str
    hiring_manager: str
    applicants: int
    open: bool = True


JOBS: Final = (
    JobSpec("Senior Backend Engineer", "Engineering", "Amsterdam", "eu",
            RECRUITER_ON_OS_ACCOUNT, "Pieter van Dijk", 10),
    JobSpec("Frontend Engineer", "Engineering", "Amsterdam", "eu",
            RECRUITER_ON_OS_ACCOUNT, "Łukasz Nowak", 9),
    JobSpec("Product Designer", "Design", "Amsterdam", "eu",
            RECRUITER_ON_OS_ACCOUNT, "Emma Visser", 8),
    JobSpec("Data Analyst", "Data", "London", "eu", "Amelia Jones", "Harry Taylor", 7),
    JobSpec("Account Executive", "Sales", "New York", "us",
            "Jessica Williams", "Michael Johnson", 7),
    JobSpec("Customer Success Manager", "Customer Success", "New York", "us",
            "Jessica Williams", "Emily Chen", 6),
    JobSpec("Site Reliability Engineer", "Engineering", "Remote (Europe)", "eu",
            "Sanne Bakker", "Pieter van Dijk", 6),
    JobSpec("Backend Engineer", "Engineering", "Kolkata", "in",
            "Ananya Sen", "Rohan Chatterjee", 6),
    JobSpec("Content Marketing Manager", "Marketing", "Amsterdam", "eu",
            "Sanne Bakker", "José García", 5),
    JobSpec("Office Manager", "Operations", "Amsterdam", "eu",
            RECRUITER_ON_OS_ACCOUNT, "Daan de Vries", 4, open=False),
)  # fmt: skip

# Candidate names by culture, so first and last names belong together.
CANDIDATE_NAMES: Final = (
    (("Daan", "Julia", "Sven", "Iris", "Ruben", "Femke"),
     ("de Jong", "Jansen", "Bos", "Kok", "van den Berg", "Willems")),
    (("Jürgen", "Lena", "Maximilian", "Anna", "Lukas", "Sophie"),
     ("Müller", "Schäfer", "Becker", "Weiß", "Hoffmann", "Krüger")),
    (("Maëlle", "Théo", "Inès", "Hugo", "Léa", "Mathis"),
     ("Lefèvre", "Moreau", "Girard", "Rousseau", "Fontaine", "Bernard")),
    (("Agnieszka", "Paweł", "Katarzyna", "Michał", "Zofia", "Jakub"),
     ("Wiśniewska", "Kowalski", "Wójcik", "Zieliński", "Lewandowska", "Dąbrowski")),
    (("João", "Inês", "Tomás", "Beatriz", "Nuno", "Marta"),
     ("Gonçalves", "Pereira", "Simões", "Araújo", "Ferreira", "Lopes")),
    (("Aditi", "Karan", "Meera", "Siddharth", "Kavya", "Rahul"),
     ("Sharma", "Reddy", "Nair", "Gupta", "Menon", "Kulkarni")),
    (("Olivia", "Jack", "Charlotte", "Noah", "Grace", "Ethan"),
     ("Harris", "Clarke", "Walker", "Wright", "Robinson", "Hughes")),
    (("Sigrún", "Ólafur", "Ingrid", "Magnus", "Astrid", "Erik"),
     ("Jónsdóttir", "Haraldsson", "Berg", "Nilsen", "Lund", "Dahl")),
    (("Yuki", "Haruto", "Mei", "Wei", "Min-jun", "Seo-yeon"),
     ("Tanaka", "Sato", "Lin", "Zhang", "Kim", "Park")),
    (("Amara", "Tunde", "Zanele", "Kofi", "Nia", "Emeka"),
     ("Adeyemi", "Nkosi", "Owusu", "Diallo", "Eze", "Mwangi")),
    (("Carmen", "Álvaro", "Lucía", "Diego", "Sofía", "Pablo"),
     ("Muñoz", "Fernández", "López", "Martínez", "Núñez", "Ortega")),
)  # fmt: skip

CANDIDATE_ZONES: Final = (
    AMSTERDAM, "Europe/Berlin", "Europe/Paris", "Europe/Warsaw", "Europe/Lisbon",
    LONDON, NEW_YORK, "America/Chicago", "America/Los_Angeles", KOLKATA, "Asia/Tokyo",
)  # fmt: skip

MEETING_TITLES: Final = (
    "Sync", "Pairing session", "Roadmap check-in", "Architecture review", "Design critique",
    "Customer call", "Vendor demo", "Budget review", "Project kick-off", "Brainstorm",
    "Incident review", "Quarterly planning", "Coffee chat", "Hiring sync", "Contract review",
)  # fmt: skip

TEAM_MEETINGS: Final = ("Sprint planning", "Team retro", "Team sync", "Demo day prep")

PRIVATE_TITLES: Final = (
    "Doctor", "Dentist", "Physiotherapy", "School pick-up", "Bank appointment",
    "Parent-teacher meeting", "Haircut", "Notary",
)  # fmt: skip

ROOM_BOOKINGS: Final = (
    "Board meeting", "Client visit", "Workshop", "Training", "Interview practice", "Town hall prep",
    "Partner meeting", "Onboarding session",
)  # fmt: skip

CONFERENCES: Final = ("PyData Amsterdam", "KubeCon EU", "Config", "SaaStr Europa", "UX Live")

ABSENCE_KINDS: Final = ("holiday", "sick", "holiday", "parental_leave", "training", "holiday")
