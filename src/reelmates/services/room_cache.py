"""The per-process cache of swipe rooms' states, handed from one transaction to the next.

A state is taken out of the cache by the transaction that uses it (it may record a swipe in it)
and goes back only when that transaction commits; a rolled-back one's state is dropped, so an
unrecorded swipe never lingers. Within one transaction, taking a room's state again gives the same
state.

The hand-off: the next writer of a room gets the database's row lock the moment the previous one
commits, a moment *before* that one's thread has put the state back. Rather than rebuilding the
room from every swipe it has (slow, and slower with every swipe), a transaction that finds the
state out waits a little for it to come back (``HANDOFF_SECONDS``); only then does it give up and
rebuild.
"""

from __future__ import annotations

import threading
from typing import Any, Generic, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

HANDOFF_SECONDS = 2.0  # how long a transaction waits for a room's state to come back

S = TypeVar("S")


class RoomStateCache(Generic[S]):
    def __init__(self, handoff_seconds: float = HANDOFF_SECONDS) -> None:
        self.handoff_seconds = handoff_seconds
        self._lock = threading.Lock()
        self._returned = threading.Condition(self._lock)
        self._states: dict[int, S] = {}
        self._out: dict[int, tuple[Session, S]] = {}  # room → the transaction using its state

    def take(self, session: Session, room_id: int) -> S | None:
        """The room's cached state (possibly stale: the caller checks it), or None. When another
        transaction has it out, waits a little for it to commit (or roll back) first."""
        with self._lock:
            held = self._out.get(room_id)
            if held is not None and held[0] is session:
                return held[1]
            if room_id not in self._states and held is not None:
                self._returned.wait_for(
                    lambda: room_id in self._states or room_id not in self._out,
                    self.handoff_seconds,
                )
            return self._states.pop(room_id, None)

    def hold(self, session: Session, room_id: int, state: S) -> None:
        """``session``'s transaction uses ``state``: back to the cache when that commits."""
        with self._lock:
            held = self._out.get(room_id)
            if held is not None and held[0] is session and held[1] is state:
                return
            self._out[room_id] = (session, state)
        committed = [False]

        def on_commit(_session: Session) -> None:
            committed[0] = True

        def on_end(_session: Session, transaction: SessionTransaction) -> None:
            if transaction.parent is not None or not listening[0]:
                return  # a savepoint's end, or ours ended already
            listening[0] = False
            with self._lock:
                held = self._out.get(room_id)
                if held is not None and held[0] is session and held[1] is state:
                    del self._out[room_id]
                if committed[0]:
                    self._states[room_id] = state
                self._returned.notify_all()

        listening = [True]
        listeners: list[tuple[str, Any]] = [
            ("after_commit", on_commit),
            ("after_transaction_end", on_end),
        ]
        for name, listener in listeners:
            event.listen(session, name, listener)
