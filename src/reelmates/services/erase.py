"""Delete my account: the member and every row of theirs (ratings, seen marks, watchlist,
vetoes, account, log-in sessions, API tokens, swipes, invites, imports...), in the caller's one
transaction. Which rows those are is read from the schema (:mod:`reelmates.store.erase`), so a
table added later is covered without a change here.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from reelmates.errors import ReelmatesError
from reelmates.services.accounts import Identity
from reelmates.store.erase import erase_person


@dataclass(frozen=True, slots=True)
class Erased:
    handle: str
    rows: dict[str, int]  # table → rows deleted (or, for shared rows, unlinked)


def delete_account(session: Session, me: Identity, confirm_handle: str) -> Erased:
    """Erase the caller, who typed their handle to confirm (any case)."""
    if confirm_handle.strip().casefold() != me.holder.handle.casefold():
        raise ReelmatesError(
            "the handle you typed is not yours, so nothing was deleted",
            hint=f"Type {me.holder.handle} to confirm that you want your account deleted.",
        )
    return Erased(me.holder.handle, erase_person(session, me.person_id))
