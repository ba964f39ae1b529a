"""The people and room of the fake Google domain every test here starts with (conftest's
`google` fixture). A module of its own: ``from conftest import`` picks whichever conftest
pytest imported first when the whole suite runs."""

ANA = "ana@example.com"
BOB = "bob@example.com"
ADMIN = "admin@example.com"
ROOM = "amstel@resource.calendar.google.com"
