"""reelmates.cli."""
