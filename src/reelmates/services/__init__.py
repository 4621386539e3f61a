"""reelmates.services."""
