"""The declarative base every table's model derives from, and the constraint names it gives.

Apart from ``models.py`` so that the models of one concern can live in a module of their own
(``media_models.py``) without an import cycle; ``models.py`` imports them all, so that
``Base.metadata`` holds every table wherever the models are loaded.
"""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
