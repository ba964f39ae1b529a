"""GoTo Meeting as a Panelist conference provider (``gotomeeting``), on httpx: GoTo has no
maintained Python client. See `panelist_gotomeeting.provider` and ``panelist connect
gotomeeting``."""
