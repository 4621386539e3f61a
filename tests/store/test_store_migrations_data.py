"""Upgrading a database that holds data, from every earlier revision to head, on both databases.

Rows are written with plain SQL for the tables that exist at the base revision (the models
describe head, not the past), then the upgrade must keep them and fill the new columns.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from reelmates.errors import ConflictError
from reelmates.services import people
from reelmates.services.uow import unit_of_work
from reelmates.store.db import create_db_engine
from reelmates.store.films import InstallationRepository
from reelmates.store.friends import FriendshipRepository
from reelmates.store.migrate import MIGRATIONS_DIR, alembic_config, current_revision
from reelmates.store.models import Base
from reelmates.store.people import PersonRepository


def _revisions() -> list[str]:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    script = ScriptDirectory.from_config(cfg)
    return [r.revision for r in reversed(list(script.walk_revisions()))]  # oldest first


REVISIONS = _revisions()
HEAD = REVISIONS[-1]
MEMBERS = ("Jess", "jess", "Zoë")
T_FRIENDS = datetime(2026, 12, 10, 20, 0, tzinfo=UTC)


def _ids(conn: Connection, table: str, key: str) -> dict[str, int]:
    return {k: i for i, k in conn.execute(text(f"SELECT id, {key} FROM {table}"))}


def _films(conn: Connection) -> None:
    conn.execute(
        text(
            "INSERT INTO films (title, title_key, year, imdb_id, movielens_id) VALUES "
            "('Alien', 'alien', 1979, 'tt0078748', 1214), ('Heat', 'heat', 1995, NULL, 6)"
        )
    )


def _film_genres(conn: Connection) -> None:
    films = _ids(conn, "films", "title")
    for title, genre in (("Alien", "Horror"), ("Alien", "Sci-Fi"), ("Heat", "Crime")):
        conn.execute(
            text("INSERT INTO film_genres (film_id, genre) VALUES (:f, :g)"),
            {"f": films[title], "g": genre},
        )


def _persons(conn: Connection) -> None:
    for handle in MEMBERS:  # two spellings of one name, made before handles were case-free
        conn.execute(
            text("INSERT INTO persons (handle, kind) VALUES (:h, 'member')"), {"h": handle}
        )
    conn.execute(
        text("INSERT INTO persons (handle, kind, source) VALUES ('ml:1', 'community', 'ml')")
    )
    if "handle_key" in {c["name"] for c in inspect(conn).get_columns("persons")}:
        # From 0002 on: the keys as 0002 left them (the second spelling keeps a suffixed key).
        for handle, key in (("Jess", "jess"), ("Zoë", "zoë")):
            conn.execute(
                text("UPDATE persons SET handle_key = :k WHERE handle = :h"),
                {"k": key, "h": handle},
            )
        conn.execute(text("UPDATE persons SET handle_key = 'jess~' || id WHERE handle = 'jess'"))


def _per_person_film(table: str, extra: str, value: object) -> Callable[[Connection], None]:
    def insert(conn: Connection) -> None:
        persons = _ids(conn, "persons", "handle")
        films = _ids(conn, "films", "title")
        conn.execute(
            text(f"INSERT INTO {table} (person_id, film_id, {extra}) VALUES (:p, :f, :v)"),
            {"p": persons["jess"], "f": films["Alien"], "v": value},
        )

    return insert


def _ratings(conn: Connection) -> None:
    persons = _ids(conn, "persons", "handle")
    films = _ids(conn, "films", "title")
    for handle, title, half in (("Jess", "Alien", 9), ("jess", "Heat", 4), ("ml:1", "Alien", 6)):
        conn.execute(
            text(
                "INSERT INTO ratings (person_id, film_id, half_stars, rated_at) "
                "VALUES (:p, :f, :h, 1700000000)"
            ),
            {"p": persons[handle], "f": films[title], "h": half},
        )


def _import_runs(conn: Connection) -> None:
    conn.execute(
        text(
            "INSERT INTO import_runs (kind, source, dataset, films_added, films_matched, "
            "persons_added, ratings_added, finished_at) VALUES "
            "('movielens', 'ml.zip', 'ml-latest-small', 2, 0, 1, 1, '2026-01-01 10:00:00')"
        )
    )


def _genre_vetoes(conn: Connection) -> None:
    persons = _ids(conn, "persons", "handle")
    conn.execute(
        text("INSERT INTO genre_vetoes (person_id, genre) VALUES (:p, 'Horror')"),
        {"p": persons["Zoë"]},
    )


def _accounts(conn: Connection) -> None:
    persons = _ids(conn, "persons", "handle")
    for handle, role in (("Jess", "operator"), ("Zoë", "member")):
        conn.execute(
            text(
                "INSERT INTO accounts (person_id, password_hash, role, created_at) "
                "VALUES (:p, 'argon2-hash', :r, '2026-12-01 10:00:00')"
            ),
            {"p": persons[handle], "r": role},
        )


def _signup_invites(conn: Connection) -> None:
    persons = _ids(conn, "persons", "handle")
    conn.execute(
        text(
            "INSERT INTO signup_invites (token_hash, created_by, created_at, expires_at) "
            "VALUES (:h, :p, '2026-12-01 10:00:00', '2026-12-08 10:00:00')"
        ),
        {"h": "a" * 64, "p": persons["Jess"]},
    )


def _swipe_sessions(conn: Connection) -> None:
    persons = _ids(conn, "persons", "handle")
    films = _ids(conn, "films", "title")
    linked = "join_token" in {c["name"] for c in inspect(conn).get_columns("swipe_sessions")}
    conn.execute(
        text(
            "INSERT INTO swipe_sessions (created_by, seed, at_least, options"
            + (", join_token) " if linked else ") ")
            + "VALUES (:p, 3, NULL, '{}'"
            + (", 'a-room-link-made-at-revision-8-x')" if linked else ")")
        ),
        {"p": persons["Jess"]},
    )
    room = conn.execute(text("SELECT max(id) FROM swipe_sessions")).scalar_one()
    for n, handle in enumerate(("Jess", "Zoë")):
        conn.execute(
            text(
                "INSERT INTO swipe_session_members (session_id, person_id, position) "
                "VALUES (:s, :p, :n)"
            ),
            {"s": room, "p": persons[handle], "n": n},
        )
    conn.execute(
        text("INSERT INTO swipes (session_id, person_id, film_id, liked) VALUES (:s, :p, :f, :l)"),
        {"s": room, "p": persons["Jess"], "f": films["Heat"], "l": True},
    )


# Table -> how to fill it, in foreign-key order; a table the base revision lacks is skipped.
FILL: dict[str, Callable[[Connection], None]] = {
    "films": _films,
    "film_genres": _film_genres,
    "persons": _persons,
    "ratings": _ratings,
    "seen_marks": _per_person_film("seen_marks", "seen_on", "2024-01-02"),
    "watchlist_entries": _per_person_film("watchlist_entries", "added_on", "2024-03-01"),
    "import_runs": _import_runs,
    "genre_vetoes": _genre_vetoes,
    "accounts": _accounts,
    "signup_invites": _signup_invites,
    "swipe_sessions": _swipe_sessions,  # its members and a swipe with it
}


def _counts(conn: Connection, tables: list[str]) -> dict[str, int]:
    return {t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in tables}


@pytest.mark.parametrize("base", REVISIONS[:-1])
def test_upgrading_a_database_with_data_keeps_it_and_fills_new_columns(
    db_url: str, base: str
) -> None:
    engine: Engine = create_db_engine(db_url)
    try:
        command.upgrade(alembic_config(engine), base)
        assert current_revision(engine) == base
        present = set(inspect(engine).get_table_names())
        filled = [t for t in FILL if t in present]
        assert {"films", "persons", "ratings"} <= set(filled)
        with engine.begin() as conn:
            for table in filled:
                FILL[table](conn)
            before = _counts(conn, filled)
            ratings_before = sorted(
                conn.execute(
                    text("SELECT person_id, film_id, half_stars, rated_at FROM ratings")
                ).tuples()
            )

        command.upgrade(alembic_config(engine), "head")
        assert current_revision(engine) == HEAD

        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
            assert _counts(conn, filled) == before
            ratings_after = sorted(
                conn.execute(
                    text("SELECT person_id, film_id, half_stars, rated_at FROM ratings")
                ).tuples()
            )
            assert ratings_after == ratings_before
            rows = conn.execute(
                text("SELECT id, handle, handle_key, display_name, private FROM persons")
            ).all()
            installation = conn.execute(text("SELECT id FROM installation")).scalars().all()
            # Nobody can log in until they sign up (accounts made at 0003 are kept); every
            # database has its own CSRF key. Nobody has friends yet, nor answered onboarding.
            assert conn.execute(text("SELECT count(*) FROM accounts")).scalar_one() == (
                2 if "accounts" in filled else 0
            )
            new_tables = [
                "friendships",
                "friend_invites",
                "group_picks",
                "group_pick_members",
                "onboarding_cards",
                "refit_lease",  # nobody is refitting
                "nights",
                "night_members",
                "night_times",
                "night_votes",
                "member_calendars",
                "calendar_feeds",
            ]
            assert _counts(conn, new_tables) == dict.fromkeys(new_tables, 0)
            keys = conn.execute(text("SELECT name, value FROM app_secrets")).all()
            assert len(keys) == 1 and keys[0][0] == "csrf"
            assert re.fullmatch(r"[0-9a-f]{64}", keys[0][1])
            if "swipe_sessions" in filled:  # a room made before join links gets one of its own
                rooms = conn.execute(
                    text("SELECT join_token, accepted_pick_id FROM swipe_sessions")
                ).all()
                assert len(rooms) == 1 and rooms[0][1] is None
                assert re.fullmatch(r"[A-Za-z0-9_-]{32}", rooms[0][0])
                joined = conn.execute(text("SELECT joined_after FROM swipe_session_members"))
                assert joined.scalars().all() == [0, 0]  # both were there from the start
        by_handle = {handle: (pid, key, name, bool(priv)) for pid, handle, key, name, priv in rows}
        # Members get their casefolded handle; the second spelling of a taken one a distinct key.
        jess_id, jess_key, _, _ = by_handle["Jess"]
        other_id, other_key, _, _ = by_handle["jess"]
        assert jess_key == "jess"
        assert other_key == f"jess~{other_id}" and jess_id < other_id
        assert by_handle["Zoë"][1] == "zoë"
        assert by_handle["ml:1"][1] is None  # community raters keep no key
        assert all(name is None and not priv for _, _, name, priv in by_handle.values())
        assert len(installation) == 1 and re.fullmatch(r"[0-9a-f]{32}", installation[0])

        with unit_of_work(engine, read_only=True) as session:
            assert InstallationRepository(session).database_id() == installation[0]
            # "JESS" now means the first Jess; both are still listed, display name = handle.
            found = PersonRepository(session).by_handle("JESS")
            assert found is not None and found.id == jess_id
            listed = {m.handle: (m.display_name, m.ratings) for m in people.list_people(session)}
        assert listed == {"Jess": ("Jess", 1), "jess": ("jess", 1), "Zoë": ("Zoë", 0)}
        with pytest.raises(ConflictError), unit_of_work(engine) as session:
            people.add_member(session, "ZOË")
        with unit_of_work(engine) as session:  # new rows get fresh ids after the old ones
            added = people.add_member(session, "sam")
        assert added.id > max(pid for pid, _, _, _ in by_handle.values())
        zoe_id = by_handle["Zoë"][0]
        with unit_of_work(engine) as session:  # the 0004 tables take rows; a pair is stored once
            friendships = FriendshipRepository(session)
            assert friendships.add(zoe_id, jess_id, T_FRIENDS)
            assert not friendships.add(jess_id, zoe_id, T_FRIENDS)
        with engine.connect() as conn:
            pairs = conn.execute(text("SELECT person_lo, person_hi FROM friendships")).all()
        assert [tuple(p) for p in pairs] == [(min(jess_id, zoe_id), max(jess_id, zoe_id))]
        with pytest.raises(IntegrityError), engine.begin() as conn:  # the higher id first
            conn.execute(
                text(
                    "INSERT INTO friendships (person_lo, person_hi, created_at) "
                    "VALUES (:hi, :lo, '2026-12-01 10:00:00')"
                ),
                {"lo": min(jess_id, added.id), "hi": max(jess_id, added.id)},
            )
    finally:
        engine.dispose()


def test_there_is_an_earlier_revision_to_upgrade_from() -> None:
    assert len(REVISIONS) >= 2 and REVISIONS[0] == "0001"
