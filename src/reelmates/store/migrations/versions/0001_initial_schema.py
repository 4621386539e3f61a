"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25 13:42:07.066673
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "films",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("title_key", sa.String(length=300), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=True),
        sa.Column("runtime_minutes", sa.SmallInteger(), nullable=True),
        sa.Column("director", sa.String(length=200), nullable=True),
        sa.Column("leading_cast", sa.String(length=400), nullable=True),
        sa.Column("premise", sa.Text(), nullable=True),
        sa.Column("imdb_id", sa.String(length=16), nullable=True),
        sa.Column("tmdb_id", sa.Integer(), nullable=True),
        sa.Column("movielens_id", sa.Integer(), nullable=True),
        sa.Column("ml100k_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "runtime_minutes IS NULL OR (runtime_minutes > 0 AND runtime_minutes < 1500)",
            name=op.f("ck_films_runtime_range"),
        ),
        sa.CheckConstraint(
            "year IS NULL OR (year >= 1870 AND year <= 2100)", name=op.f("ck_films_year_range")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_films")),
        sa.UniqueConstraint("imdb_id", name=op.f("uq_films_imdb_id")),
        sa.UniqueConstraint("ml100k_id", name=op.f("uq_films_ml100k_id")),
        sa.UniqueConstraint("movielens_id", name=op.f("uq_films_movielens_id")),
        sa.UniqueConstraint("tmdb_id", name=op.f("uq_films_tmdb_id")),
    )
    with op.batch_alter_table("films", schema=None) as batch_op:
        batch_op.create_index("ix_films_title_key_year", ["title_key", "year"], unique=False)

    op.create_table(
        "persons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handle", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("kind IN ('member', 'community')", name=op.f("ck_persons_kind_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persons")),
        sa.UniqueConstraint("handle", name=op.f("uq_persons_handle")),
    )
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_persons_source"), ["source"], unique=False)

    op.create_table(
        "film_genres",
        sa.Column("film_id", sa.Integer(), nullable=False),
        sa.Column("genre", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["film_id"], ["films.id"], name=op.f("fk_film_genres_film_id_films"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("film_id", "genre", name=op.f("pk_film_genres")),
    )
    with op.batch_alter_table("film_genres", schema=None) as batch_op:
        batch_op.create_index("ix_film_genres_genre", ["genre"], unique=False)

    op.create_table(
        "import_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("dataset", sa.String(length=40), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("films_added", sa.Integer(), nullable=False),
        sa.Column("films_matched", sa.Integer(), nullable=False),
        sa.Column("persons_added", sa.Integer(), nullable=False),
        sa.Column("ratings_added", sa.BigInteger(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_import_runs_person_id_persons"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_runs")),
    )
    op.create_table(
        "ratings",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("film_id", sa.Integer(), nullable=False),
        sa.Column("half_stars", sa.SmallInteger(), nullable=False),
        sa.Column("rated_at", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("half_stars BETWEEN 1 AND 10", name=op.f("ck_ratings_half_stars_range")),
        sa.ForeignKeyConstraint(
            ["film_id"], ["films.id"], name=op.f("fk_ratings_film_id_films"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_ratings_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", "film_id", name=op.f("pk_ratings")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.create_index("ix_ratings_film_id", ["film_id"], unique=False)

    op.create_table(
        "seen_marks",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("film_id", sa.Integer(), nullable=False),
        sa.Column("seen_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["film_id"], ["films.id"], name=op.f("fk_seen_marks_film_id_films"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_seen_marks_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", "film_id", name=op.f("pk_seen_marks")),
    )
    op.create_table(
        "watchlist_entries",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("film_id", sa.Integer(), nullable=False),
        sa.Column("added_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["film_id"],
            ["films.id"],
            name=op.f("fk_watchlist_entries_film_id_films"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_watchlist_entries_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", "film_id", name=op.f("pk_watchlist_entries")),
    )


def downgrade() -> None:

    op.drop_table("watchlist_entries")
    op.drop_table("seen_marks")
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.drop_index("ix_ratings_film_id")

    op.drop_table("ratings")
    op.drop_table("import_runs")
    with op.batch_alter_table("film_genres", schema=None) as batch_op:
        batch_op.drop_index("ix_film_genres_genre")

    op.drop_table("film_genres")
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_persons_source"))

    op.drop_table("persons")
    with op.batch_alter_table("films", schema=None) as batch_op:
        batch_op.drop_index("ix_films_title_key_year")

    op.drop_table("films")
