"""group picks: the film a group chose to watch together, who was there, the strategy, the time

``group_picks`` holds the film, the member who chose it (``SET NULL`` when their account is
deleted: the row is the group's), the strategy that ranked it and when (UTC);
``group_pick_members`` one row per person who was there (the chooser among them), in the group's
order. "The picks I was in" reads the index on ``group_pick_members.person_id``.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-12 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "group_picks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chooser_id", sa.Integer(), nullable=True),
        sa.Column("film_id", sa.Integer(), nullable=False),
        sa.Column("strategy", sa.String(length=30), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["chooser_id"],
            ["persons.id"],
            name=op.f("fk_group_picks_chooser_id_persons"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["film_id"], ["films.id"], name=op.f("fk_group_picks_film_id_films"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_picks")),
    )
    op.create_index("ix_group_picks_chooser_id", "group_picks", ["chooser_id"])
    op.create_index("ix_group_picks_film_id", "group_picks", ["film_id"])
    op.create_table(
        "group_pick_members",
        sa.Column("pick_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pick_id"],
            ["group_picks.id"],
            name=op.f("fk_group_pick_members_pick_id_group_picks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_group_pick_members_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pick_id", "person_id", name=op.f("pk_group_pick_members")),
    )
    op.create_index("ix_group_pick_members_person_id", "group_pick_members", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_group_pick_members_person_id", table_name="group_pick_members")
    op.drop_table("group_pick_members")
    op.drop_index("ix_group_picks_film_id", table_name="group_picks")
    op.drop_index("ix_group_picks_chooser_id", table_name="group_picks")
    op.drop_table("group_picks")
