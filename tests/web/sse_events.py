"""Reading a swipe room's event stream (server-sent events) as a test client does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any


def room_events(lines: list[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """The ``room`` events (id, data) in lines of the stream; comments (``: still here``, the
    heartbeat) and other fields are skipped; an event ends at its blank line."""
    fields: dict[str, str] = {}
    for line in lines:
        if line:
            name, _, value = line.partition(":")
            if name:  # ":" starts a comment (the heartbeat)
                fields[name] = value.removeprefix(" ")
            continue
        if fields.get("event") == "room":
            yield int(fields["id"]), json.loads(fields["data"])
        fields = {}
