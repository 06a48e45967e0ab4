"""``python3 -m solvable``: the same as the ``solvable`` command (`solvable.cli`)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
