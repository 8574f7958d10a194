"""Masthead's entry point: `python bot.py` serves, `python bot.py --help` lists the rest."""

import sys

from masthead.main import main

if __name__ == "__main__":
    sys.exit(main())
