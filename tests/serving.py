"""Calling a read-only service as a front end does: one unit of work, the holder's current model."""

from __future__ import annotations

from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy.orm import Session

from reelmates.services.taste import ModelHolder, TasteContext
from reelmates.services.uow import unit_of_work

P = ParamSpec("P")
R = TypeVar("R")


def read(
    service: Callable[Concatenate[Session, TasteContext, P], R],
    holder: ModelHolder,
    *args: P.args,
    **kwargs: P.kwargs,
) -> R:
    """``service(session, holder.get(), *args, **kwargs)`` inside a read-only unit of work."""
    context = holder.get()
    with unit_of_work(holder.engine, read_only=True) as session:
        return service(session, context, *args, **kwargs)


def in_session(
    query: Callable[Concatenate[Session, P], R],
    holder: ModelHolder,
    *args: P.args,
    **kwargs: P.kwargs,
) -> R:
    """``query(session, *args, **kwargs)`` inside a read-only unit of work."""
    with unit_of_work(holder.engine, read_only=True) as session:
        return query(session, *args, **kwargs)
