"""The people, room and app of the fake tenant the Microsoft tests share."""

CLIENT_ID = "11111111-2222-3333-4444-555555555555"
SECRET = "fake~secret.value"
ANA = "ana@contoso.example"
BOB = "bob@contoso.example"
CARL = "carl@contoso.example"  # not licensed for Teams
ROOM = "amstel@contoso.example"
ROOM_LIST = "hq-rooms@contoso.example"
