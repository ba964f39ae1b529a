"""Zoom as a Panelist conference provider (``zoom``), on the zoomus library: Server-to-Server
OAuth (account id, client id and a secret), meetings with a waiting room, a host verified as
an active, verified Zoom user, and the host's own meetings read for "one meeting at a time"."""
