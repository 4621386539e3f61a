"""Use case: the offline worked example — seed the starter catalog, make sure a model exists,
pick a film for the two demo friends, and give them web log-ins (accounts with passwords kept in
the database, so every run prints the same) and their friendship."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from reelmates.errors import ReelmatesError
from reelmates.services.accounts import DEMO_SECRET_PREFIX, Passwords
from reelmates.services.progress import Progress, SilentProgress
from reelmates.services.starter import StarterReport, seed_starter_catalog
from reelmates.services.taste import (
    ModelHolder,
    TrainReport,
    train_taste_model,
)
from reelmates.services.together import GroupOptions, GroupPick, pick_together
from reelmates.services.uow import unit_of_work
from reelmates.settings import Settings
from reelmates.store.accounts import AccountRepository, SecretRepository
from reelmates.store.friends import FriendshipRepository
from reelmates.store.people import PersonRepository

DEMO_FRIENDS = ("Jess", "Milly")
DEMO_FRIENDSHIP_SECRET = "demo-friendship"


@dataclass(frozen=True)
class DemoResult:
    starter: StarterReport
    trained: TrainReport | None  # None when an up-to-date model was already there
    pick: GroupPick


def model_is_stale(engine: Engine, settings: Settings) -> bool:
    """True when this database has no usable model, or the database changed after the newest one
    was fitted (what the model file records against the database now, not file times)."""
    try:
        return ModelHolder(settings.effective_model_dir, engine).get().stale_reason is not None
    except ReelmatesError:  # no model of this database, or none that can be loaded
        return True


def run_demo(
    engine: Engine, settings: Settings, *, k: int = 5, progress: Progress | None = None
) -> DemoResult:
    progress = progress or SilentProgress()
    starter = seed_starter_catalog(engine)
    trained = None
    if model_is_stale(engine, settings):
        trained = train_taste_model(engine, settings, progress=progress, now=datetime.now(UTC))
    holder = ModelHolder(settings.effective_model_dir, engine)
    with unit_of_work(engine, read_only=True) as session:
        pick = pick_together(session, holder.get(), DEMO_FRIENDS, GroupOptions(k=k))
    return DemoResult(starter=starter, trained=trained, pick=pick)


# Lower-case letters and digits a reader will not confuse (no l, o, 0, 1): 32 symbols, 5 bits each.
_DEMO_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
DEMO_PASSWORD_GROUPS = 3  # "k7mq-x3vp-9dtr": 12 symbols, 60 bits, typed easily on a phone


@dataclass(frozen=True, slots=True)
class DemoLogIn:
    """A demo friend's log-in as ``reelmates demo`` prints it. ``password`` is None when the
    account's password is not the one the demo made (changed since, or never the demo's)."""

    handle: str
    password: str | None


def demo_password() -> str:
    """A random password to type by hand: three groups of four symbols (60 bits)."""
    return "-".join(
        "".join(secrets.choice(_DEMO_ALPHABET) for _ in range(4))
        for _ in range(DEMO_PASSWORD_GROUPS)
    )


def _demo_secret_name(person_id: int) -> str:
    return f"{DEMO_SECRET_PREFIX}{person_id}"


def demo_log_in(
    session: Session, passwords: Passwords, handle: str, now: datetime
) -> DemoLogIn | None:
    """Give the demo member ``handle`` an account (a plain member) with a random password the
    first time, and keep that password in this database's secrets, so every later run shows the
    same log-in. An account the demo did not make is left alone, its password never shown; so is
    one whose password was changed since. None: no member has this handle."""
    person = PersonRepository(session).by_handle(handle)
    if person is None or person.kind != "member":
        return None
    secret_store = SecretRepository(session)
    name = _demo_secret_name(person.id)
    stored = secret_store.find(name)
    accounts = AccountRepository(session)
    found = accounts.credentials(person.handle.casefold())
    if found is None:
        password = stored or demo_password()
        accounts.add(person.id, passwords.hash(password), "member", now)
        secret_store.put(name, password)
        return DemoLogIn(person.handle, password)
    if stored is not None and passwords.verify(found.password_hash, stored):
        return DemoLogIn(person.handle, stored)
    if stored is not None:  # the friend chose a password of their own: forget the demo's
        secret_store.delete(name)
    return DemoLogIn(person.handle, None)


def demo_log_ins(
    engine: Engine, settings: Settings, *, now: datetime | None = None
) -> tuple[DemoLogIn, ...]:
    """The demo friends' web log-ins: each gets an account with a random password the first
    time (kept in the database, so every run prints the same ones); an account they already had
    is left alone, its password not shown (:func:`demo_log_in`)."""
    passwords = Passwords.from_settings(settings)
    moment = now or datetime.now(UTC)
    with unit_of_work(engine) as session:
        found = [demo_log_in(session, passwords, handle, moment) for handle in DEMO_FRIENDS]
        _befriend_once(session, moment)
        return tuple(log_in for log_in in found if log_in is not None)


def _befriend_once(session: Session, now: datetime) -> None:
    """Lifelong friends are friends in the app too — made once per database, so a friendship one
    of them ends later stays ended."""
    secrets = SecretRepository(session)
    if secrets.find(DEMO_FRIENDSHIP_SECRET) is not None:
        return
    people = PersonRepository(session)
    ids = [p.id for p in (people.by_handle(h) for h in DEMO_FRIENDS) if p is not None]
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            FriendshipRepository(session).add(a, b, now)
    secrets.put(DEMO_FRIENDSHIP_SECRET, "made")
