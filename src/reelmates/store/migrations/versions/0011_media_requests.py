"""media requests: films asked of the operator's Radarr or Jellyseerr/Overseerr

``media_requests`` one row per film asked of a service (unique per service and film: asking
twice never sends twice): the service's id of it (Radarr's movie id, Jellyseerr's request id),
its state when last checked, the last check's problem (if it failed), and where it came from.
``night_id`` and ``requested_by`` are ``SET NULL``: the request stands on the service whatever
becomes of the night or the member's account (deleting an account clears the reference and
keeps the row for the night's other members); the film's row goes with the film (``CASCADE``).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "media_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(length=12), nullable=False),
        sa.Column("film_id", sa.Integer(), nullable=False),
        sa.Column("night_id", sa.Integer(), nullable=True),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("status_detail", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "service IN ('radarr', 'jellyseerr')", name=op.f("ck_media_requests_service_known")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'wanted', 'available', 'declined', 'unmonitored')",
            name=op.f("ck_media_requests_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["film_id"],
            ["films.id"],
            name=op.f("fk_media_requests_film_id_films"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["night_id"],
            ["nights.id"],
            name=op.f("fk_media_requests_night_id_nights"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["persons.id"],
            name=op.f("fk_media_requests_requested_by_persons"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_requests")),
        sa.UniqueConstraint("service", "film_id", name=op.f("uq_media_requests_service")),
    )
    op.create_index("ix_media_requests_film_id", "media_requests", ["film_id"])
    op.create_index("ix_media_requests_night_id", "media_requests", ["night_id"])
    op.create_index("ix_media_requests_requested_by", "media_requests", ["requested_by"])


def downgrade() -> None:
    op.drop_index("ix_media_requests_requested_by", table_name="media_requests")
    op.drop_index("ix_media_requests_night_id", table_name="media_requests")
    op.drop_index("ix_media_requests_film_id", table_name="media_requests")
    op.drop_table("media_requests")
