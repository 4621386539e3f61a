"""reelmates.eval."""
