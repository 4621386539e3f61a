"""The line a page shows about the taste model it uses: "Taste model fitted 2 hours ago on
100,123 ratings" (from the model file's record of what it was fitted on)."""

from __future__ import annotations

from datetime import UTC, datetime

from reelmates.services.taste import ModelMeta, TasteContext

_UNITS = (("day", 86_400), ("hour", 3_600), ("minute", 60))


def ago(then: datetime, now: datetime) -> str:
    """ "just now", "1 minute ago", "2 hours ago", "3 days ago" (the largest whole unit)."""
    seconds = max(0, int((now - then).total_seconds()))
    for unit, size in _UNITS:
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''} ago"
    return "just now"


def model_line(meta: ModelMeta | None, now: datetime | None = None) -> str | None:
    if meta is None:
        return None
    fitted = datetime.fromisoformat(meta.trained_at)
    fitted = fitted if fitted.tzinfo else fitted.replace(tzinfo=UTC)
    ratings = f"{meta.ratings:,} rating{'s' if meta.ratings != 1 else ''}"
    return f"Taste model fitted {ago(fitted, now or datetime.now(UTC))} on {ratings}."


def context_line(context: TasteContext | None) -> str | None:
    """The line for the model a request is using (None: there is none)."""
    return model_line(context.meta if context else None)
