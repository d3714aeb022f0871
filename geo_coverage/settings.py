"""Global settings of the tool (not of a city: thresholds live in configs and standards).

Attributes
----------
log_level : int
    Level of geo_coverage's own log messages, e.g. ``logging.INFO`` (default).
show_progress : bool
    Show tqdm progress bars on long steps. Default True; False in tests or
    batch jobs.
cache_folder : pathlib.Path
    Where prepared walking networks are cached so a second run skips the OSM
    parse. Default ``~/.cache/geo_coverage``; set env ``GEO_COVERAGE_CACHE``.
use_cache : bool
    Read and write the network cache. Default True.
lock_wait_s : float
    How long a run waits for another run writing the same output folder, seconds.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

log_level: int = logging.INFO
show_progress: bool = True
cache_folder: Path = Path(
    os.environ.get("GEO_COVERAGE_CACHE", Path.home() / ".cache" / "geo_coverage")
)
use_cache: bool = True
lock_wait_s: float = 600.0
