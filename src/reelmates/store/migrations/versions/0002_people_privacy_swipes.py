"""people: case-free handles, display names, privacy and vetoes; database identity; swipes

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 12:55:00
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "installation",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_installation")),
    )
    installation = sa.table("installation", sa.column("id", sa.String))
    op.bulk_insert(installation, [{"id": uuid.uuid4().hex}])

    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.add_column(sa.Column("handle_key", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("display_name", sa.String(length=120), nullable=True))
        batch_op.add_column(
            sa.Column("private", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    # Members' handles, case-folded; a second spelling of a taken handle keeps a suffixed key.
    persons = sa.table(
        "persons",
        sa.column("id", sa.Integer),
        sa.column("handle", sa.String),
        sa.column("handle_key", sa.String),
        sa.column("kind", sa.String),
    )
    conn = op.get_bind()
    taken: set[str] = set()
    rows = conn.execute(
        sa.select(persons.c.id, persons.c.handle)
        .where(persons.c.kind == "member")
        .order_by(persons.c.id)
    ).all()
    for person_id, handle in rows:
        key = handle.casefold()[:120]
        if key in taken:
            key = f"{key[:100]}~{person_id}"
        taken.add(key)
        conn.execute(persons.update().where(persons.c.id == person_id).values(handle_key=key))
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f("uq_persons_handle_key"), ["handle_key"])

    op.create_table(
        "genre_vetoes",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("genre", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_genre_vetoes_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", "genre", name=op.f("pk_genre_vetoes")),
    )
    op.create_table(
        "film_vetoes",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("film_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["film_id"], ["films.id"], name=op.f("fk_film_vetoes_film_id_films"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_film_vetoes_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", "film_id", name=op.f("pk_film_vetoes")),
    )
    op.create_table(
        "swipe_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("at_least", sa.SmallInteger(), nullable=True),
        sa.Column("options", sa.Text(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["persons.id"],
            name=op.f("fk_swipe_sessions_created_by_persons"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_swipe_sessions")),
    )
    op.create_table(
        "swipe_session_members",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_swipe_session_members_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["swipe_sessions.id"],
            name=op.f("fk_swipe_session_members_session_id_swipe_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "person_id", name=op.f("pk_swipe_session_members")),
    )
    op.create_table(
        "swipes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("film_id", sa.Integer(), nullable=False),
        sa.Column("liked", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["film_id"], ["films.id"], name=op.f("fk_swipes_film_id_films"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_swipes_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["swipe_sessions.id"],
            name=op.f("fk_swipes_session_id_swipe_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_swipes")),
        sa.UniqueConstraint(
            "session_id", "person_id", "film_id", name=op.f("uq_swipes_session_id")
        ),
    )
    with op.batch_alter_table("swipes", schema=None) as batch_op:
        batch_op.create_index("ix_swipes_session_id_id", ["session_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("swipes", schema=None) as batch_op:
        batch_op.drop_index("ix_swipes_session_id_id")
    op.drop_table("swipes")
    op.drop_table("swipe_session_members")
    op.drop_table("swipe_sessions")
    op.drop_table("film_vetoes")
    op.drop_table("genre_vetoes")
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_persons_handle_key"), type_="unique")
        batch_op.drop_column("private")
        batch_op.drop_column("display_name")
        batch_op.drop_column("handle_key")
    op.drop_table("installation")
