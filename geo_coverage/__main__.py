"""``python -m geo_coverage``: the same command line as ``geo-coverage``."""

from __future__ import annotations

import sys

from .apps.cli import main

if __name__ == "__main__":
    sys.exit(main())
