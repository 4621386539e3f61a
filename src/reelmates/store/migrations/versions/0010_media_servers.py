"""media servers: connected Jellyfin/Emby/Plex servers, their libraries and films, syncs, marks

``media_servers`` one row per connected server: kind, display name, base URL, credentials (a
Fernet token, encrypted with REELMATES_MEDIA_SECRET_KEY), the owner (a member's own server,
``CASCADE``: it goes with their account; NULL: the operator's, shared), the sync schedule and
the last sync's outcome. ``media_libraries`` its film libraries (enabled or not, when last
synced); ``media_user_maps`` which member is which server user; ``media_items`` the films of each
library matched to catalog films (unique per server and the server's item id); ``media_sync_runs``
the log of syncs; ``media_marks`` a member's own "on disc" / "on a service" marks.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "media_servers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("base_url", sa.String(length=500), nullable=False),
        sa.Column("credentials", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("sync_minutes", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sync_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_sync_ok", sa.Boolean(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("last_good_sync_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('jellyfin', 'emby', 'plex')", name=op.f("ck_media_servers_kind_known")
        ),
        sa.CheckConstraint(
            "sync_minutes IS NULL OR sync_minutes > 0",
            name=op.f("ck_media_servers_sync_minutes_positive"),
        ),
        _fk("media_servers", "owner_id", "persons"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_servers")),
    )
    op.create_index("ix_media_servers_owner_id", "media_servers", ["owner_id"])

    op.create_table(
        "media_libraries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("server_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True),
        _fk("media_libraries", "server_id", "media_servers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_libraries")),
        sa.UniqueConstraint("server_id", "external_id", name=op.f("uq_media_libraries_server_id")),
    )

    op.create_table(
        "media_user_maps",
        sa.Column("server_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("user_external_id", sa.String(length=100), nullable=False),
        sa.Column("user_name", sa.String(length=120), nullable=False),
        _fk("media_user_maps", "server_id", "media_servers"),
        _fk("media_user_maps", "person_id", "persons"),
        sa.PrimaryKeyConstraint("server_id", "person_id", name=op.f("pk_media_user_maps")),
    )
    op.create_index("ix_media_user_maps_person_id", "media_user_maps", ["person_id"])

    op.create_table(
        "media_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("server_id", sa.Integer(), nullable=False),
        sa.Column("library_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("film_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=True),
        sa.Column("web_url", sa.String(length=1000), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        _fk("media_items", "server_id", "media_servers"),
        _fk("media_items", "library_id", "media_libraries"),
        _fk("media_items", "film_id", "films"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_items")),
        sa.UniqueConstraint("server_id", "external_id", name=op.f("uq_media_items_server_id")),
    )
    op.create_index("ix_media_items_library_id", "media_items", ["library_id"])
    op.create_index("ix_media_items_film_id", "media_items", ["film_id"])

    op.create_table(
        "media_sync_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("server_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("full_sync", sa.Boolean(), nullable=False),
        sa.Column("fetched", sa.Integer(), nullable=False),
        sa.Column("matched_by_id", sa.Integer(), nullable=False),
        sa.Column("matched_by_title", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.Column("unmatched_count", sa.Integer(), nullable=False),
        sa.Column("unmatched", sa.Text(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        _fk("media_sync_runs", "server_id", "media_servers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_sync_runs")),
    )
    op.create_index("ix_media_sync_runs_server_id", "media_sync_runs", ["server_id"])

    op.create_table(
        "media_marks",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("film_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("note", sa.String(length=200), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('disc', 'service')", name=op.f("ck_media_marks_kind_known")),
        _fk("media_marks", "person_id", "persons"),
        _fk("media_marks", "film_id", "films"),
        sa.PrimaryKeyConstraint("person_id", "film_id", "kind", name=op.f("pk_media_marks")),
    )
    op.create_index("ix_media_marks_film_id", "media_marks", ["film_id"])


def downgrade() -> None:
    op.drop_index("ix_media_marks_film_id", table_name="media_marks")
    op.drop_table("media_marks")
    op.drop_index("ix_media_sync_runs_server_id", table_name="media_sync_runs")
    op.drop_table("media_sync_runs")
    op.drop_index("ix_media_items_film_id", table_name="media_items")
    op.drop_index("ix_media_items_library_id", table_name="media_items")
    op.drop_table("media_items")
    op.drop_index("ix_media_user_maps_person_id", table_name="media_user_maps")
    op.drop_table("media_user_maps")
    op.drop_table("media_libraries")
    op.drop_index("ix_media_servers_owner_id", table_name="media_servers")
    op.drop_table("media_servers")
