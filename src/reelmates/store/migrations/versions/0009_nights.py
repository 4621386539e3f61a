"""nights: planning a film night (time poll, place, RSVPs), members' calendar settings and feeds

``nights`` holds the film, the group pick it came from (``SET NULL``: a night may outlive it, or
come from a swipe match), the organiser and the chooser (``SET NULL``: the night is the group's),
the place, the night's IANA time zone, its state, the fixed time (UTC), the calendar ``uid`` and
``sequence``. ``night_members`` one row per person (RSVP, "did not watch it"); ``night_times``
the proposed times (UTC, each once per night); ``night_votes`` each member's answer to each time.
``member_calendars`` a member's time zone, e-mail address and whether it may be shown in
calendar entries (off by default); ``calendar_feeds`` the sha256 of each member's feed token.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-13 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _person_fk(table: str, column: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["persons.id"], name=op.f(f"fk_{table}_{column}_persons"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "nights",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=100), nullable=False),
        sa.Column("film_id", sa.Integer(), nullable=False),
        sa.Column("pick_id", sa.Integer(), nullable=True),
        sa.Column("organiser_id", sa.Integer(), nullable=True),
        sa.Column("chooser_id", sa.Integer(), nullable=True),
        sa.Column("place_kind", sa.String(length=10), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "place_kind IN ('home', 'cinema')", name=op.f("ck_nights_place_kind_known")
        ),
        sa.CheckConstraint(
            "status IN ('planning', 'fixed', 'cancelled')", name=op.f("ck_nights_status_known")
        ),
        sa.CheckConstraint(
            "status != 'fixed' OR starts_at IS NOT NULL", name=op.f("ck_nights_fixed_has_time")
        ),
        sa.CheckConstraint("sequence >= 0", name=op.f("ck_nights_sequence_positive")),
        sa.ForeignKeyConstraint(
            ["film_id"], ["films.id"], name=op.f("fk_nights_film_id_films"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["pick_id"],
            ["group_picks.id"],
            name=op.f("fk_nights_pick_id_group_picks"),
            ondelete="SET NULL",
        ),
        _person_fk("nights", "organiser_id", "SET NULL"),
        _person_fk("nights", "chooser_id", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nights")),
        sa.UniqueConstraint("uid", name=op.f("uq_nights_uid")),
    )
    for column in ("film_id", "pick_id", "organiser_id", "chooser_id"):
        op.create_index(f"ix_nights_{column}", "nights", [column])

    op.create_table(
        "night_members",
        sa.Column("night_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("rsvp", sa.String(length=6), nullable=True),
        sa.Column("rsvp_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rating_skipped", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.CheckConstraint(
            "rsvp IS NULL OR rsvp IN ('yes', 'maybe', 'no')",
            name=op.f("ck_night_members_rsvp_known"),
        ),
        sa.ForeignKeyConstraint(
            ["night_id"],
            ["nights.id"],
            name=op.f("fk_night_members_night_id_nights"),
            ondelete="CASCADE",
        ),
        _person_fk("night_members", "person_id", "CASCADE"),
        sa.PrimaryKeyConstraint("night_id", "person_id", name=op.f("pk_night_members")),
    )
    op.create_index("ix_night_members_person_id", "night_members", ["person_id"])

    op.create_table(
        "night_times",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("night_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["night_id"],
            ["nights.id"],
            name=op.f("fk_night_times_night_id_nights"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_night_times")),
        sa.UniqueConstraint("night_id", "starts_at", name=op.f("uq_night_times_night_id")),
    )

    op.create_table(
        "night_votes",
        sa.Column("time_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(length=12), nullable=False),
        sa.CheckConstraint(
            "answer IN ('yes', 'if-need-be', 'no')", name=op.f("ck_night_votes_answer_known")
        ),
        sa.ForeignKeyConstraint(
            ["time_id"],
            ["night_times.id"],
            name=op.f("fk_night_votes_time_id_night_times"),
            ondelete="CASCADE",
        ),
        _person_fk("night_votes", "person_id", "CASCADE"),
        sa.PrimaryKeyConstraint("time_id", "person_id", name=op.f("pk_night_votes")),
    )
    op.create_index("ix_night_votes_person_id", "night_votes", ["person_id"])

    op.create_table(
        "member_calendars",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("email_in_calendar", sa.Boolean(), server_default=sa.false(), nullable=False),
        _person_fk("member_calendars", "person_id", "CASCADE"),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_member_calendars")),
    )

    op.create_table(
        "calendar_feeds",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _person_fk("calendar_feeds", "person_id", "CASCADE"),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feeds_token_hash")),
    )


def downgrade() -> None:
    op.drop_table("calendar_feeds")
    op.drop_table("member_calendars")
    op.drop_index("ix_night_votes_person_id", table_name="night_votes")
    op.drop_table("night_votes")
    op.drop_table("night_times")
    op.drop_index("ix_night_members_person_id", table_name="night_members")
    op.drop_table("night_members")
    for column in ("chooser_id", "organiser_id", "pick_id", "film_id"):
        op.drop_index(f"ix_nights_{column}", table_name="nights")
    op.drop_table("nights")
