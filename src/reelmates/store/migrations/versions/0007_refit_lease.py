"""refit_lease: which server process may refit the taste model now

One row per job ("taste-model"): the process holding it and until when. A process takes it with
one conditional UPDATE (free or expired, or already its own) or, when there is no row yet, an
INSERT that does nothing on a conflict, in one transaction: of two processes racing, exactly one
gets a row changed. Works the same on SQLite and PostgreSQL.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-12 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "refit_lease",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("holder", sa.String(length=80), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_refit_lease")),
    )


def downgrade() -> None:
    op.drop_table("refit_lease")
