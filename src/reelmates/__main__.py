"""``python -m reelmates``: the same as the ``reelmates`` command."""

from reelmates.cli.app import main

main()
