"""friends: friendships (one row per pair, lower person id first) and friend invites

A friendship is stored once, as (lower id, higher id) with a CHECK that the first is lower: the
primary key then is the "unique pair" by itself, a friendship cannot be half there (one of two
rows missing), and removing it is one DELETE. "Friends of X" reads the primary key (X first) and
an index on the second column (X second).

A friend invite is one row that can be accepted two ways: a link (a random 256-bit token,
stored as its sha256) that lasts days, and a short code typed by hand (10 Crockford base32
characters, 50 bits, stored as its sha256) that lasts an hour and dies after a few wrong tries,
counted on the row. Either way used, declined or cancelled, the row is over (single use).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-10 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "friendships",
        sa.Column("person_lo", sa.Integer(), nullable=False),
        sa.Column("person_hi", sa.Integer(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.CheckConstraint("person_lo < person_hi", name=op.f("ck_friendships_lower_id_first")),
        sa.ForeignKeyConstraint(
            ["person_lo"],
            ["persons.id"],
            name=op.f("fk_friendships_person_lo_persons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_hi"],
            ["persons.id"],
            name=op.f("fk_friendships_person_hi_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_lo", "person_hi", name=op.f("pk_friendships")),
    )
    op.create_index("ix_friendships_person_hi", "friendships", ["person_hi"])
    op.create_table(
        "friend_invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inviter_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("code_expires_at", TZ, nullable=False),
        sa.Column("code_failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("ended_at", TZ, nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.Column("used_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('accepted', 'declined', 'cancelled')",
            name=op.f("ck_friend_invites_outcome_known"),
        ),
        sa.ForeignKeyConstraint(
            ["inviter_id"],
            ["persons.id"],
            name=op.f("fk_friend_invites_inviter_id_persons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["used_by"],
            ["persons.id"],
            name=op.f("fk_friend_invites_used_by_persons"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_friend_invites")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_friend_invites_token_hash")),
    )
    op.create_index("ix_friend_invites_inviter_id", "friend_invites", ["inviter_id"])


def downgrade() -> None:
    op.drop_index("ix_friend_invites_inviter_id", table_name="friend_invites")
    op.drop_table("friend_invites")
    op.drop_index("ix_friendships_person_hi", table_name="friendships")
    op.drop_table("friendships")
