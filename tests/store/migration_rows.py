"""Rows written with plain SQL into a database at an earlier schema revision (the models
describe head, not the past): one filler per table, and what each revision added.

Used by test_store_migrations_data.py; kept apart so that the test module stays readable.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Connection, inspect, text

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


def _columns(conn: Connection, table: str) -> set[str]:
    return {c["name"] for c in inspect(conn).get_columns(table)}


def _swipe_sessions(conn: Connection) -> None:
    persons = _ids(conn, "persons", "handle")
    films = _ids(conn, "films", "title")
    linked = "join_token" in _columns(conn, "swipe_sessions")  # from 0008 on
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
    if linked:  # 0008: Zoë joined after the first swipe; the match they accepted
        conn.execute(
            text("UPDATE swipe_session_members SET joined_after = 1 WHERE person_id = :p"),
            {"p": persons["Zoë"]},
        )
        pick = conn.execute(text("SELECT min(id) FROM group_picks")).scalar_one()
        conn.execute(text("UPDATE swipe_sessions SET accepted_pick_id = :k"), {"k": pick})


def _film_vetoes(conn: Connection) -> None:
    persons, films = _ids(conn, "persons", "handle"), _ids(conn, "films", "title")
    conn.execute(
        text("INSERT INTO film_vetoes (person_id, film_id) VALUES (:p, :f)"),
        {"p": persons["Zoë"], "f": films["Heat"]},
    )


def _login_sessions(conn: Connection) -> None:
    persons = _ids(conn, "persons", "handle")
    conn.execute(
        text(
            "INSERT INTO login_sessions (token_hash, person_id, created_at, last_seen_at, "
            "expires_at) VALUES (:h, :p, :t, :t, '2026-12-08 10:00:00')"
        ),
        {"h": "b" * 64, "p": persons["Jess"], "t": "2026-12-01 10:00:00"},
    )


def _api_tokens(conn: Connection) -> None:
    persons = _ids(conn, "persons", "handle")
    conn.execute(
        text(
            "INSERT INTO api_tokens (token_hash, person_id, name, created_at) "
            "VALUES (:h, :p, 'script', '2026-12-01 10:00:00')"
        ),
        {"h": "c" * 64, "p": persons["Jess"]},
    )


def _friendships(conn: Connection) -> None:  # 0004: Jess and the other jess (lower id first)
    persons = _ids(conn, "persons", "handle")
    lo, hi = sorted((persons["Jess"], persons["jess"]))
    conn.execute(
        text(
            "INSERT INTO friendships (person_lo, person_hi, created_at) "
            "VALUES (:lo, :hi, '2026-12-02 10:00:00')"
        ),
        {"lo": lo, "hi": hi},
    )


def _friend_invites(conn: Connection) -> None:
    persons = _ids(conn, "persons", "handle")
    conn.execute(
        text(
            "INSERT INTO friend_invites (inviter_id, token_hash, code_hash, created_at, "
            "expires_at, code_expires_at, code_failures, outcome, used_by, ended_at) VALUES "
            "(:p, :t, :c, '2026-12-02 10:00:00', '2026-12-09 10:00:00', "
            "'2026-12-02 10:15:00', 1, 'accepted', :u, '2026-12-02 10:05:00')"
        ),
        {"p": persons["Zoë"], "t": "d" * 64, "c": "e" * 64, "u": persons["Jess"]},
    )


def _group_picks(conn: Connection) -> None:  # 0005: a pick and its members
    persons, films = _ids(conn, "persons", "handle"), _ids(conn, "films", "title")
    conn.execute(
        text(
            "INSERT INTO group_picks (chooser_id, film_id, strategy, created_at) "
            "VALUES (:p, :f, 'fair', '2026-12-03 20:00:00')"
        ),
        {"p": persons["Jess"], "f": films["Alien"]},
    )
    pick = conn.execute(text("SELECT max(id) FROM group_picks")).scalar_one()
    for n, handle in enumerate(("Jess", "Zoë")):
        conn.execute(
            text(
                "INSERT INTO group_pick_members (pick_id, person_id, position) VALUES (:k, :p, :n)"
            ),
            {"k": pick, "p": persons[handle], "n": n},
        )


def _onboarding_cards(conn: Connection) -> None:  # 0006
    persons, films = _ids(conn, "persons", "handle"), _ids(conn, "films", "title")
    conn.execute(
        text(
            "INSERT INTO onboarding_cards (person_id, film_id, skipped, answered_at) "
            "VALUES (:p, :f, :s, '2026-12-04 10:00:00')"
        ),
        {"p": persons["Zoë"], "f": films["Alien"], "s": True},
    )


def _refit_lease(conn: Connection) -> None:  # 0007: a refit that was running
    conn.execute(
        text(
            "INSERT INTO refit_lease (name, holder, expires_at) "
            "VALUES ('taste-model', 'host:4242', '2026-12-05 10:00:00')"
        )
    )


def _nights(conn: Connection) -> None:  # 0009: a fixed night, its members, poll and votes
    persons, films = _ids(conn, "persons", "handle"), _ids(conn, "films", "title")
    pick = conn.execute(text("SELECT min(id) FROM group_picks")).scalar_one()
    conn.execute(
        text(
            "INSERT INTO nights (uid, film_id, pick_id, organiser_id, chooser_id, place_kind, "
            "place, time_zone, status, starts_at, sequence, created_at, updated_at) VALUES "
            "('night-1@reelmates', :f, :k, :o, :o, 'cinema', 'The Rio, screen 2', "
            "'Europe/London', 'fixed', '2026-12-12 19:30:00+00', 2, '2026-12-05 10:00:00+00', "
            "'2026-12-06 10:00:00+00')"
        ),
        {"f": films["Heat"], "k": pick, "o": persons["Jess"]},
    )
    night = conn.execute(text("SELECT max(id) FROM nights")).scalar_one()
    for n, (handle, rsvp) in enumerate((("Jess", "yes"), ("Zoë", "maybe"))):
        conn.execute(
            text(
                "INSERT INTO night_members (night_id, person_id, position, rsvp, rsvp_at, "
                "rating_skipped) VALUES (:n, :p, :i, :r, '2026-12-06 11:00:00+00', :s)"
            ),
            {"n": night, "p": persons[handle], "i": n, "r": rsvp, "s": n == 1},
        )
    for when in ("2026-12-12 19:30:00+00", "2026-12-13 19:30:00+00"):
        conn.execute(
            text("INSERT INTO night_times (night_id, starts_at) VALUES (:n, :w)"),
            {"n": night, "w": when},
        )
    times = conn.execute(text("SELECT id FROM night_times ORDER BY id")).scalars().all()
    for time_id, answer in zip(times, ("yes", "if-need-be"), strict=True):
        conn.execute(
            text("INSERT INTO night_votes (time_id, person_id, answer) VALUES (:t, :p, :a)"),
            {"t": time_id, "p": persons["Zoë"], "a": answer},
        )


def _member_calendars(conn: Connection) -> None:  # 0009
    persons = _ids(conn, "persons", "handle")
    conn.execute(
        text(
            "INSERT INTO member_calendars (person_id, time_zone, email, email_in_calendar) "
            "VALUES (:p, 'Europe/Paris', 'zoe@example.org', :e)"
        ),
        {"p": persons["Zoë"], "e": True},
    )
    conn.execute(
        text(
            "INSERT INTO calendar_feeds (person_id, token_hash, created_at) "
            "VALUES (:p, :h, '2026-12-06 10:00:00+00')"
        ),
        {"p": persons["Zoë"], "h": "f" * 64},
    )


def _media_servers(conn: Connection) -> None:  # 0010: Zoë's own server and all below it
    persons, films = _ids(conn, "persons", "handle"), _ids(conn, "films", "title")
    conn.execute(
        text(
            "INSERT INTO media_servers (kind, name, base_url, credentials, owner_id, "
            "sync_minutes, created_at, last_sync_at, last_sync_ok, last_good_sync_at) VALUES "
            "('jellyfin', 'Zoë''s Jellyfin', 'http://jellyfin.lan:8096', 'gAAAA-not-a-key', :p, "
            "60, '2026-12-04 10:00:00+00', '2026-12-04 11:00:00+00', :ok, "
            "'2026-12-04 11:00:00+00')"
        ),
        {"p": persons["Zoë"], "ok": True},
    )
    server = conn.execute(text("SELECT max(id) FROM media_servers")).scalar_one()
    conn.execute(
        text(
            "INSERT INTO media_libraries (server_id, external_id, name, enabled, synced_at) "
            "VALUES (:s, 'lib-1', 'Films', :e, '2026-12-04 11:00:00+00')"
        ),
        {"s": server, "e": True},
    )
    library = conn.execute(text("SELECT max(id) FROM media_libraries")).scalar_one()
    conn.execute(
        text(
            "INSERT INTO media_user_maps (server_id, person_id, user_external_id, user_name) "
            "VALUES (:s, :p, 'u-1', 'zoe')"
        ),
        {"s": server, "p": persons["Jess"]},
    )
    conn.execute(
        text(
            "INSERT INTO media_items (server_id, library_id, external_id, film_id, title, year, "
            "web_url) VALUES (:s, :l, 'item-1', :f, 'Alien', 1979, 'http://jellyfin.lan/x')"
        ),
        {"s": server, "l": library, "f": films["Alien"]},
    )
    conn.execute(
        text(
            "INSERT INTO media_sync_runs (server_id, started_at, finished_at, full_sync, fetched, "
            "matched_by_id, matched_by_title, added, removed, unmatched_count, unmatched) VALUES "
            "(:s, '2026-12-04 11:00:00+00', '2026-12-04 11:00:05+00', :t, 2, 1, 0, 0, 0, 1, "
            '\'[{"title": "Heat", "year": null, "reason": "ambiguous"}]\')'
        ),
        {"s": server, "t": True},
    )


def _media_marks(conn: Connection) -> None:  # 0010
    persons, films = _ids(conn, "persons", "handle"), _ids(conn, "films", "title")
    conn.execute(
        text(
            "INSERT INTO media_marks (person_id, film_id, kind, note, created_at) "
            "VALUES (:p, :f, 'disc', 'the Blu-ray', '2026-12-04 10:00:00+00')"
        ),
        {"p": persons["jess"], "f": films["Heat"]},
    )


def _media_requests(conn: Connection) -> None:  # 0011: Heat asked of Radarr from the night
    persons, films = _ids(conn, "persons", "handle"), _ids(conn, "films", "title")
    night = conn.execute(text("SELECT max(id) FROM nights")).scalar_one()
    conn.execute(
        text(
            "INSERT INTO media_requests (service, film_id, night_id, requested_by, external_id, "
            "status, status_detail, created_at, checked_at) VALUES ('radarr', :f, :n, :p, '17', "
            "'wanted', 'could not reach Radarr', '2026-12-06 21:00:00+00', "
            "'2026-12-06 22:00:00+00')"
        ),
        {"f": films["Heat"], "n": night, "p": persons["Zoë"]},
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
    "film_vetoes": _film_vetoes,
    "accounts": _accounts,
    "login_sessions": _login_sessions,
    "api_tokens": _api_tokens,
    "signup_invites": _signup_invites,
    "friendships": _friendships,
    "friend_invites": _friend_invites,
    "group_picks": _group_picks,  # and its members
    "onboarding_cards": _onboarding_cards,
    "refit_lease": _refit_lease,
    "swipe_sessions": _swipe_sessions,  # its members and a swipe with it (and, at 0008, more)
    "nights": _nights,  # its members, proposed times and votes
    "member_calendars": _member_calendars,  # and the member's calendar feed
    "media_servers": _media_servers,  # its libraries, user maps, items and sync runs
    "media_marks": _media_marks,
    "media_requests": _media_requests,
}
# Tables the fillers above write as part of another table's.
FILLED_WITH = {
    "group_pick_members": "group_picks",
    "swipe_session_members": "swipe_sessions",
    "swipes": "swipe_sessions",
    "night_members": "nights",
    "night_times": "nights",
    "night_votes": "nights",
    "calendar_feeds": "member_calendars",
    "media_libraries": "media_servers",
    "media_user_maps": "media_servers",
    "media_items": "media_servers",
    "media_sync_runs": "media_servers",
}
# Tables a migration fills itself (one row each); nothing to write before upgrading.
FILLED_BY_MIGRATIONS = {"installation", "app_secrets"}

# What each revision adds: its new tables, and the columns it adds to older tables. Every
# revision in the script directory must be listed (a test checks), and every table filled.
ADDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "0001": (
        (
            "films",
            "film_genres",
            "persons",
            "ratings",
            "seen_marks",
            "watchlist_entries",
            "import_runs",
        ),
        (),
    ),
    "0002": (
        (
            "installation",
            "genre_vetoes",
            "film_vetoes",
            "swipe_sessions",
            "swipe_session_members",
            "swipes",
        ),
        ("persons.handle_key", "persons.display_name", "persons.private"),
    ),
    "0003": (("accounts", "login_sessions", "api_tokens", "signup_invites", "app_secrets"), ()),
    "0004": (("friendships", "friend_invites"), ()),
    "0005": (("group_picks", "group_pick_members"), ()),
    "0006": (("onboarding_cards",), ()),
    "0007": (("refit_lease",), ()),
    "0008": (
        (),
        (
            "swipe_sessions.join_token",
            "swipe_sessions.accepted_pick_id",
            "swipe_session_members.joined_after",
        ),
    ),
    "0009": (
        (
            "nights",
            "night_members",
            "night_times",
            "night_votes",
            "member_calendars",
            "calendar_feeds",
        ),
        (),
    ),
    "0010": (
        (
            "media_servers",
            "media_libraries",
            "media_user_maps",
            "media_items",
            "media_sync_runs",
            "media_marks",
        ),
        (),
    ),
    "0011": (("media_requests",), ()),
}
