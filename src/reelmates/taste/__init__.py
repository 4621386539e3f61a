"""reelmates.taste."""
