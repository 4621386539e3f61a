"""swipe sessions live: a join link per room, who joined when, the accepted match

- ``swipe_sessions.join_token``: the secret at the end of the room's join link (and its QR
  code). Kept as it is, not hashed: any member may show the link again while the room is open
  (it only lets someone into that room). Rooms made before this revision get one.
- ``swipe_sessions.accepted_pick_id``: the group pick recorded when the members accepted a
  match (the night is planned from it).
- ``swipe_session_members.joined_after``: the id of the room's last swipe when the member joined
  (0: from the start). Replaying the swipes adds each member at that point, so a match made
  before someone joined stays a match.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-14 10:00:00
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("swipe_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("join_token", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("accepted_pick_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_swipe_sessions_accepted_pick_id_group_picks"),
            "group_picks",
            ["accepted_pick_id"],
            ["id"],
            ondelete="SET NULL",
        )
    conn = op.get_bind()
    for (room_id,) in conn.execute(sa.text("SELECT id FROM swipe_sessions")).all():
        conn.execute(
            sa.text("UPDATE swipe_sessions SET join_token = :t WHERE id = :i"),
            {"t": secrets.token_urlsafe(24), "i": room_id},
        )
    with op.batch_alter_table("swipe_sessions", schema=None) as batch_op:
        batch_op.alter_column("join_token", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_swipe_sessions_join_token"), ["join_token"]
        )
    with op.batch_alter_table("swipe_session_members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("joined_after", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("swipe_session_members", schema=None) as batch_op:
        batch_op.drop_column("joined_after")
    with op.batch_alter_table("swipe_sessions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_swipe_sessions_join_token"), type_="unique")
        batch_op.drop_constraint(
            batch_op.f("fk_swipe_sessions_accepted_pick_id_group_picks"), type_="foreignkey"
        )
        batch_op.drop_column("accepted_pick_id")
        batch_op.drop_column("join_token")
