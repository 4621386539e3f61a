"""SQLAlchemy 2 models: the catalog, people, their ratings, seen marks and watchlists.

Stars are stored as half-star integers (1..10) so that a rating is exact and a CHECK can hold it;
rating times are UTC unix seconds, compact enough for tens of millions of community ratings.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reelmates.catalog.records import SOURCE_MAX_CHARS, TITLE_MAX_CHARS
from reelmates.store.base import Base as Base

PERSON_KINDS = ("member", "community")
HANDLE_MAX = 120
DISPLAY_NAME_MAX = 120
JOIN_TOKEN_MAX = 64  # characters of a swipe room's join token
IMPORT_SOURCE_MAX = 500  # characters of an import's source label (a path or URL)


class Film(Base):
    __tablename__ = "films"
    __table_args__ = (
        CheckConstraint("year IS NULL OR (year >= 1870 AND year <= 2100)", name="year_range"),
        CheckConstraint(
            "runtime_minutes IS NULL OR (runtime_minutes > 0 AND runtime_minutes < 1500)",
            name="runtime_range",
        ),
        Index("ix_films_title_key_year", "title_key", "year"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX_CHARS))
    title_key: Mapped[str] = mapped_column(
        String(TITLE_MAX_CHARS)
    )  # catalog.identity.normalise_title
    year: Mapped[int | None] = mapped_column(SmallInteger)
    runtime_minutes: Mapped[int | None] = mapped_column(SmallInteger)
    director: Mapped[str | None] = mapped_column(String(200))
    leading_cast: Mapped[str | None] = mapped_column(String(400))  # "|"-joined, billing order
    premise: Mapped[str | None] = mapped_column(Text)
    imdb_id: Mapped[str | None] = mapped_column(String(16), unique=True)
    tmdb_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    # MovieLens has two id spaces: 100K's own, and the one 1M/latest/25M/32M share.
    movielens_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    ml100k_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    genres: Mapped[list[FilmGenre]] = relationship(
        back_populates="film", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def genre_names(self) -> tuple[str, ...]:
        return tuple(sorted(g.genre for g in self.genres))


class FilmGenre(Base):
    __tablename__ = "film_genres"
    __table_args__ = (Index("ix_film_genres_genre", "genre"),)

    film_id: Mapped[int] = mapped_column(
        ForeignKey("films.id", ondelete="CASCADE"), primary_key=True
    )
    genre: Mapped[str] = mapped_column(String(20), primary_key=True)

    film: Mapped[Film] = relationship(back_populates="genres")


class Person(Base):
    """An app member (has a name) or a community rater imported from a dataset."""

    __tablename__ = "persons"
    __table_args__ = (CheckConstraint("kind IN ('member', 'community')", name="kind_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Unique handle: a member's log-in name ("jess"), or "<source>:<id>" for a community rater.
    handle: Mapped[str] = mapped_column(String(HANDLE_MAX), unique=True)
    # A member's handle case-folded: unique, so "Jess" and "jess" are one person. NULL for
    # community raters (their handles are unique already, and bulk imports skip this column).
    handle_key: Mapped[str | None] = mapped_column(String(HANDLE_MAX), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(DISPLAY_NAME_MAX))  # free text
    kind: Mapped[str] = mapped_column(String(12))
    source: Mapped[str | None] = mapped_column(String(SOURCE_MAX_CHARS), index=True)
    # Private taste: others see that a film suits them, never what they rated (see privacy.py).
    private: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PersonFilmKey:
    """Primary key of every per-person, per-film fact (rating, seen mark, watchlist entry)."""

    person_id: Mapped[int] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True
    )
    film_id: Mapped[int] = mapped_column(
        ForeignKey("films.id", ondelete="CASCADE"), primary_key=True
    )


class Rating(PersonFilmKey, Base):
    __tablename__ = "ratings"
    __table_args__ = (
        CheckConstraint("half_stars BETWEEN 1 AND 10", name="half_stars_range"),
        Index("ix_ratings_film_id", "film_id"),
        {"sqlite_with_rowid": False},
    )

    half_stars: Mapped[int] = mapped_column(SmallInteger)
    rated_at: Mapped[int | None] = mapped_column(BigInteger)  # UTC unix seconds

    @property
    def stars(self) -> float:
        return self.half_stars / 2


class SeenMark(PersonFilmKey, Base):
    """Seen without a rating (a rating implies seen; this records the rest)."""

    __tablename__ = "seen_marks"

    seen_on: Mapped[date | None] = mapped_column(Date)


class OnboardingCard(PersonFilmKey, Base):
    """A card the member answered on the onboarding page: rated (the stars are in ``ratings``)
    or skipped ("haven't seen it"). See 0006."""

    __tablename__ = "onboarding_cards"

    skipped: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WatchlistEntry(PersonFilmKey, Base):
    __tablename__ = "watchlist_entries"

    added_on: Mapped[date | None] = mapped_column(Date)


class ImportRun(Base):
    """What was imported, from where, and what it changed: provenance for models and users."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # movielens | letterboxd | starter
    source: Mapped[str] = mapped_column(String(IMPORT_SOURCE_MAX))
    dataset: Mapped[str | None] = mapped_column(String(SOURCE_MAX_CHARS))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    films_added: Mapped[int] = mapped_column(Integer, default=0)
    films_matched: Mapped[int] = mapped_column(Integer, default=0)
    persons_added: Mapped[int] = mapped_column(Integer, default=0)
    ratings_added: Mapped[int] = mapped_column(BigInteger, default=0)
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Installation(Base):
    """One row: this database's identity, written by the migration that created it. Model files
    record it, so a model is only ever served against the database it was fitted on."""

    __tablename__ = "installation"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # uuid4 hex
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class GenreVeto(Base):
    """A member never wants to be offered films of this genre (applies to every group)."""

    __tablename__ = "genre_vetoes"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True
    )
    genre: Mapped[str] = mapped_column(String(20), primary_key=True)


class FilmVeto(PersonFilmKey, Base):
    """A member never wants to be offered this film (applies to every group)."""

    __tablename__ = "film_vetoes"


class SwipeSession(Base):
    """A room: members swiping one shared deck. Its state is a function of its swipes."""

    __tablename__ = "swipe_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    seed: Mapped[int] = mapped_column(Integer, default=0)
    at_least: Mapped[int | None] = mapped_column(SmallInteger)  # match rule; None: everyone
    options: Mapped[str] = mapped_column(Text, default="{}")  # JSON: filters, seen policy
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # The secret of the room's join link. Not hashed: any member may show the link (and its QR
    # code) again while the room is open, and it lets someone into this room only.
    join_token: Mapped[str] = mapped_column(String(JOIN_TOKEN_MAX), unique=True)
    # The group pick made when the members accepted a match (the night is planned from it).
    accepted_pick_id: Mapped[int | None] = mapped_column(
        ForeignKey("group_picks.id", ondelete="SET NULL")
    )


class SwipeSessionMember(Base):
    __tablename__ = "swipe_session_members"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("swipe_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(SmallInteger, default=0)
    # The id of the room's last swipe when they joined (0: from the start): a replay adds them
    # there, so matches made before they came stay matches.
    joined_after: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Swipe(Base):
    """One member's like or pass of one card; the id orders a session's swipes."""

    __tablename__ = "swipes"
    __table_args__ = (
        UniqueConstraint("session_id", "person_id", "film_id"),
        Index("ix_swipes_session_id_id", "session_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("swipe_sessions.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    film_id: Mapped[int] = mapped_column(ForeignKey("films.id", ondelete="CASCADE"))
    liked: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


# --- accounts (the web app) ------------------------------------------------------------------
# Kept out of ``persons``: most persons are community raters (hundreds of thousands), who never
# log in; the secrets stay in rows no recommendation query ever loads.

ACCOUNT_ROLES = ("operator", "member", "guest")  # guest: joins by a friend's link, no password
TOKEN_HASH_LEN = 64  # sha256, hex: only hashes of log-in, API and invite tokens are stored


class Account(Base):
    """A member person who can log in."""

    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint("role IN ('operator', 'member', 'guest')", name="role_known"),
    )

    person_id: Mapped[int] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True
    )
    password_hash: Mapped[str | None] = mapped_column(String(200))  # argon2id; None: a guest
    role: Mapped[str] = mapped_column(String(12))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginSession(Base):
    """A browser's log-in: the cookie holds a random token, this row only its sha256."""

    __tablename__ = "login_sessions"
    __table_args__ = (Index("ix_login_sessions_person_id", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(TOKEN_HASH_LEN), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ApiToken(Base):
    """A personal API token (``Authorization: Bearer``), shown once; stored as its sha256."""

    __tablename__ = "api_tokens"
    __table_args__ = (Index("ix_api_tokens_person_id", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(TOKEN_HASH_LEN), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SignupInvite(Base):
    """A single-use link to create an account when sign-up is invite-only."""

    __tablename__ = "signup_invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(TOKEN_HASH_LEN), unique=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AppSecret(Base):
    """Server-side secrets (the CSRF signing key), written by the migration that made the table:
    every server process of one database signs with the same key."""

    __tablename__ = "app_secrets"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))


class Friendship(Base):
    """Two persons who are friends, stored once: the lower person id first (see 0004)."""

    __tablename__ = "friendships"
    __table_args__ = (
        CheckConstraint("person_lo < person_hi", name="lower_id_first"),
        Index("ix_friendships_person_hi", "person_hi"),
    )

    person_lo: Mapped[int] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True
    )
    person_hi: Mapped[int] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


FRIEND_INVITE_OUTCOMES = ("accepted", "declined", "cancelled")


class FriendInvite(Base):
    """An invitation to be friends, accepted by a link (its token's sha256 here) or by a short
    code typed by hand (its sha256; shorter-lived, a few wrong tries). Single use."""

    __tablename__ = "friend_invites"
    __table_args__ = (
        CheckConstraint(
            "outcome IS NULL OR outcome IN ('accepted', 'declined', 'cancelled')",
            name="outcome_known",
        ),
        Index("ix_friend_invites_inviter_id", "inviter_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inviter_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(TOKEN_HASH_LEN), unique=True)
    code_hash: Mapped[str] = mapped_column(String(TOKEN_HASH_LEN))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # the link's
    code_expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    code_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(10))
    used_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))


# --- watch together --------------------------------------------------------------------------


class GroupPick(Base):
    """A film a group chose to watch together ("we'll watch this"), with the strategy that ranked
    it and when (UTC). Who was there is in ``group_pick_members``, the chooser among them; the
    row is the group's, so deleting the chooser's account only clears ``chooser_id``."""

    __tablename__ = "group_picks"
    __table_args__ = (
        Index("ix_group_picks_chooser_id", "chooser_id"),
        Index("ix_group_picks_film_id", "film_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chooser_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    film_id: Mapped[int] = mapped_column(ForeignKey("films.id", ondelete="CASCADE"))
    strategy: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class GroupPickMember(Base):
    """One person who was there for a group pick; ``position`` keeps the group's order."""

    __tablename__ = "group_pick_members"
    __table_args__ = (Index("ix_group_pick_members_person_id", "person_id"),)

    pick_id: Mapped[int] = mapped_column(
        ForeignKey("group_picks.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(SmallInteger, default=0)


class RefitLease(Base):
    """Who may refit the taste model now: one row per job name, held by one server process
    until ``expires_at`` (see ``store.leases``), so that several processes never refit at once."""

    __tablename__ = "refit_lease"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(80))  # the process: host, pid and a random part
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# --- film nights (see 0009) ------------------------------------------------------------------

NIGHT_UID_MAX = 100
PLACE_TEXT_MAX = 200  # plan.rules.PLACE_MAX
ZONE_MAX = 64  # an IANA zone name (plan.zones.ZONE_NAME_MAX)
EMAIL_MAX = 254


class Night(Base):
    """A film night: the film, the place, the time poll and, once fixed, the time (UTC, shown in
    the night's IANA zone ``time_zone``). ``sequence`` grows with every change a calendar must
    hear about; ``uid`` names the night in every calendar for ever. The row is the group's: the
    organiser's or the chooser's account deleted only clears their column."""

    __tablename__ = "nights"
    __table_args__ = (
        CheckConstraint("place_kind IN ('home', 'cinema')", name="place_kind_known"),
        CheckConstraint("status IN ('planning', 'fixed', 'cancelled')", name="status_known"),
        CheckConstraint("status != 'fixed' OR starts_at IS NOT NULL", name="fixed_has_time"),
        CheckConstraint("sequence >= 0", name="sequence_positive"),
        Index("ix_nights_film_id", "film_id"),
        Index("ix_nights_pick_id", "pick_id"),
        Index("ix_nights_organiser_id", "organiser_id"),
        Index("ix_nights_chooser_id", "chooser_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(NIGHT_UID_MAX), unique=True)
    film_id: Mapped[int] = mapped_column(ForeignKey("films.id", ondelete="CASCADE"))
    pick_id: Mapped[int | None] = mapped_column(ForeignKey("group_picks.id", ondelete="SET NULL"))
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    chooser_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    place_kind: Mapped[str] = mapped_column(String(10))
    place: Mapped[str] = mapped_column(String(PLACE_TEXT_MAX), default="")
    time_zone: Mapped[str] = mapped_column(String(ZONE_MAX))
    status: Mapped[str] = mapped_column(String(10))
    starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class NightMember(Base):
    """One person in a night (the organiser among them), their RSVP once the time is fixed, and
    whether they said they did not watch (so they are not asked to rate it)."""

    __tablename__ = "night_members"
    __table_args__ = (
        CheckConstraint("rsvp IS NULL OR rsvp IN ('yes', 'maybe', 'no')", name="rsvp_known"),
        Index("ix_night_members_person_id", "person_id"),
    )

    night_id: Mapped[int] = mapped_column(
        ForeignKey("nights.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(SmallInteger, default=0)
    rsvp: Mapped[str | None] = mapped_column(String(6))
    rsvp_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rating_skipped: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class NightTime(Base):
    """A time proposed for a night (UTC)."""

    __tablename__ = "night_times"
    __table_args__ = (UniqueConstraint("night_id", "starts_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    night_id: Mapped[int] = mapped_column(ForeignKey("nights.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class NightVote(Base):
    """A member's answer to one proposed time: yes, if need be, or no."""

    __tablename__ = "night_votes"
    __table_args__ = (
        CheckConstraint("answer IN ('yes', 'if-need-be', 'no')", name="answer_known"),
        Index("ix_night_votes_person_id", "person_id"),
    )

    time_id: Mapped[int] = mapped_column(
        ForeignKey("night_times.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True
    )
    answer: Mapped[str] = mapped_column(String(12))


class MemberCalendar(Base):
    """A member's calendar settings: their time zone (None: the server's default, else each
    night's own), an e-mail address for invitations, and whether others may see it in a
    night's calendar entry (off unless they turn it on)."""

    __tablename__ = "member_calendars"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True
    )
    time_zone: Mapped[str | None] = mapped_column(String(ZONE_MAX))
    email: Mapped[str | None] = mapped_column(String(EMAIL_MAX))
    email_in_calendar: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class CalendarFeed(Base):
    """A member's private calendar feed: the link's secret token, stored as its sha256 only.
    One per member; revoking deletes it, making a new one replaces it."""

    __tablename__ = "calendar_feeds"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True
    )
    token_hash: Mapped[str] = mapped_column(String(TOKEN_HASH_LEN), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# The media-server tables (issue 12) live in their own module; importing it here puts them in
# ``Base.metadata`` wherever the models are loaded (migrations, erase, backup, tests).
from reelmates.store import media_models as media_models  # noqa: E402
from reelmates.store import request_models as request_models  # noqa: E402
