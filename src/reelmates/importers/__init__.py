"""reelmates.importers."""
