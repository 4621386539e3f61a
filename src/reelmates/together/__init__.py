"""reelmates.together."""
