"""Upgrading a database that holds data, from every earlier revision to head, on both databases.

Rows are written with plain SQL in every table that exists at the base revision (the models
describe head, not the past; see migration_rows.py), including the tables and columns the base
revision itself added; the upgrade must keep every one of those rows as it was, leave the tables
it adds empty (but those it fills itself) and fill the new columns. Each revision declares what
it added, checked against the schema at each base; a revision or a table nobody fills fails the
coverage test, so a new migration comes with its rows. Head is a base too: its fillers run
against the real schema, ready for the next revision.
"""

from __future__ import annotations

import re

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from migration_rows import ADDS, FILL, FILLED_BY_MIGRATIONS, FILLED_WITH, T_FRIENDS
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


def _counts(conn: Connection, tables: list[str]) -> dict[str, int]:
    return {t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in tables}


def _rows(conn: Connection, columns: dict[str, list[str]]) -> dict[str, list[tuple[object, ...]]]:
    """Every row of each table, in the given columns (those it had at the base revision)."""
    return {
        table: sorted(
            (tuple(r) for r in conn.execute(text(f"SELECT {', '.join(cols)} FROM {table}"))),
            key=repr,
        )
        for table, cols in columns.items()
    }


def _added_until(base: str) -> tuple[set[str], set[str]]:
    """The tables and the table.column pairs that the revisions up to ``base`` added."""
    tables: set[str] = set()
    columns: set[str] = set()
    for revision in REVISIONS[: REVISIONS.index(base) + 1]:
        tables.update(ADDS[revision][0])
        columns.update(ADDS[revision][1])
    return tables, columns


@pytest.mark.parametrize("base", REVISIONS)
def test_upgrading_a_database_with_data_keeps_it_and_fills_new_columns(
    db_url: str, base: str
) -> None:
    engine: Engine = create_db_engine(db_url)
    try:
        command.upgrade(alembic_config(engine), base)
        assert current_revision(engine) == base
        inspector = inspect(engine)
        present = set(inspector.get_table_names()) - {"alembic_version"}
        tables, added_columns = _added_until(base)
        assert present == tables  # each revision added what ADDS says, no more, no less
        columns = {t: [c["name"] for c in inspector.get_columns(t)] for t in sorted(present)}
        later = {c for _, cols in ADDS.values() for c in cols} - added_columns
        assert {f"{t}.{c}" for t, cols in columns.items() for c in cols} >= added_columns
        assert not {f"{t}.{c}" for t, cols in columns.items() for c in cols} & later
        filled = [t for t in FILL if t in present]
        assert {"films", "persons", "ratings"} <= set(filled)
        with engine.begin() as conn:
            for table in filled:
                FILL[table](conn)
            before = _counts(conn, filled)
            rows_before = _rows(conn, columns)
            assert all(rows_before[t] for t in present)  # a row in every table of the base
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
            rows_after = _rows(conn, columns)
            for table in columns:  # every row written at the base, as it was
                assert rows_after[table] == rows_before[table], table
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
            # database has its own CSRF key.
            assert conn.execute(text("SELECT count(*) FROM accounts")).scalar_one() == (
                2 if "accounts" in filled else 0
            )
            new_tables = sorted(set(Base.metadata.tables) - present - FILLED_BY_MIGRATIONS)
            assert _counts(conn, new_tables) == dict.fromkeys(new_tables, 0)
            keys = conn.execute(text("SELECT name, value FROM app_secrets")).all()
            assert len(keys) == 1 and keys[0][0] == "csrf"
            assert re.fullmatch(r"[0-9a-f]{64}", keys[0][1])
            if "swipe_sessions" in filled:  # a room made before join links gets one of its own
                rooms = conn.execute(
                    text("SELECT join_token, accepted_pick_id FROM swipe_sessions")
                ).all()
                assert len(rooms) == 1
                if "swipe_sessions.join_token" in added_columns:  # written at the base
                    first_pick = conn.execute(text("SELECT min(id) FROM group_picks")).scalar()
                    assert tuple(rooms[0]) == ("a-room-link-made-at-revision-8-x", first_pick)
                else:
                    assert rooms[0][1] is None
                    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", rooms[0][0])
                joined = conn.execute(
                    text("SELECT joined_after FROM swipe_session_members ORDER BY position")
                )
                # Before 0008 both were there from the start; at 0008 Zoë joined later.
                linked = "swipe_session_members.joined_after" in added_columns
                assert joined.scalars().all() == ([0, 1] if linked else [0, 0])
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
        expected = {(min(jess_id, zoe_id), max(jess_id, zoe_id))}
        if "friendships" in filled:  # the pair written at the base revision is still there
            expected.add((min(jess_id, other_id), max(jess_id, other_id)))
        assert {tuple(p) for p in pairs} == expected
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


def test_every_revision_says_what_it_added_and_every_table_gets_rows() -> None:
    """A new revision fails here until ADDS lists what it adds and FILL writes rows there."""
    assert list(ADDS) == REVISIONS
    assert all(tables or columns for tables, columns in ADDS.values())
    added = [t for tables, _ in ADDS.values() for t in tables]
    assert len(added) == len(set(added)) and set(added) == set(Base.metadata.tables)
    for _, columns in ADDS.values():
        for column in columns:
            table, name = column.split(".")
            assert name in Base.metadata.tables[table].columns, column
    covered = set(FILL) | set(FILLED_WITH) | FILLED_BY_MIGRATIONS
    assert covered == set(Base.metadata.tables)
    assert set(FILLED_WITH.values()) <= set(FILL)
