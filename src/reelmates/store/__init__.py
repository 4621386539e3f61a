"""reelmates.store."""
