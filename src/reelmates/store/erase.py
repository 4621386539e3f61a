"""Erase a person: every row that refers to them, in every table, found from the schema itself.

No list of tables to keep up to date: every column with a foreign key to ``persons.id`` is found
in ``Base.metadata``, so a table added later is covered the day it is added. A row that refers to
the person is deleted, except where the column is shared with others and declared
``ON DELETE SET NULL`` (a swipe room they opened, an invite they used): there the reference is
cleared and the row stays for the others. ``import_runs`` rows are the person's own (their file
names), so they are deleted too.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Column, Table, delete, update
from sqlalchemy.orm import Session

from reelmates.store.models import Base, Person

# Tables whose person column is SET NULL for the community's sake, yet whose rows are the
# person's alone: deleted with them.
OWNED_THOUGH_NULLABLE = frozenset({"import_runs"})


@dataclass(frozen=True, slots=True)
class PersonReference:
    table: Table
    column: Column[object]
    delete_row: bool  # False: the column is set to NULL and the row kept


def person_references() -> list[PersonReference]:
    """Every column that refers to ``persons.id``, children before parents."""
    persons = Base.metadata.tables["persons"]
    found: list[PersonReference] = []
    for table in reversed(Base.metadata.sorted_tables):
        for column in table.columns:
            for fk in column.foreign_keys:
                if fk.column.table is not persons or fk.column.name != "id":
                    continue
                set_null = (fk.ondelete or "").upper() == "SET NULL" and column.nullable
                found.append(
                    PersonReference(
                        table, column, not set_null or table.name in OWNED_THOUGH_NULLABLE
                    )
                )
    return found


def erase_person(session: Session, person_id: int) -> dict[str, int]:
    """Delete the person and every row that refers to them; returns rows changed per table.
    The caller's transaction makes it all or nothing."""
    changed: dict[str, int] = {}
    for ref in person_references():
        if ref.delete_row:
            result = session.execute(delete(ref.table).where(ref.column == person_id))
        else:
            result = session.execute(
                update(ref.table).where(ref.column == person_id).values({ref.column.name: None})
            )
        count = int(getattr(result, "rowcount", 0) or 0)
        if count:
            changed[ref.table.name] = changed.get(ref.table.name, 0) + count
    result = session.execute(delete(Person).where(Person.id == person_id))
    changed["persons"] = int(getattr(result, "rowcount", 0) or 0)
    session.expire_all()
    return changed
