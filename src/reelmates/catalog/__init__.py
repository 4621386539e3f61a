"""reelmates.catalog."""
