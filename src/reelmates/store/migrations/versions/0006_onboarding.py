"""onboarding: the cards a member answered while rating their first films

One row per (member, film) card answered on the onboarding page: ``skipped`` for "haven't seen
it", else the card was rated (the stars themselves live in ``ratings``, like any rating, so the
member's picks change at once). The rows say how far the member got ("7 of 20"), keep a skipped
film from being shown again on another device, and are erased with the member.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-12 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "onboarding_cards",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("film_id", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Boolean(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["film_id"],
            ["films.id"],
            name=op.f("fk_onboarding_cards_film_id_films"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_onboarding_cards_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", "film_id", name=op.f("pk_onboarding_cards")),
    )


def downgrade() -> None:
    op.drop_table("onboarding_cards")
