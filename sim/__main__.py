"""``python -m sim`` is the same as ``ecosim``."""

import sys

from sim.cli.main import main

sys.exit(main())
