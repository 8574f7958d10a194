"""`python -m masthead`: the same command line as `python bot.py`, from an installed package."""

import sys

from masthead.main import main

sys.exit(main())
