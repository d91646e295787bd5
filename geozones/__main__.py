"""Run the command line as ``python -m geozones``."""

import sys

from geozones.cli import main

sys.exit(main())
