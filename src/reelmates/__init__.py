"""reelmates: pick a film to watch together, fairly, and make the night happen."""

__version__ = "0.1.0"
