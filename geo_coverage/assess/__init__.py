"""Stage 4, assess: verdicts per compound and the scorecard of the place's documents.

``verdicts`` reads the reach stage's walks into per-community results and the gap
list (``assess`` -> ``Assessment``); ``indicators`` is the registry of every
scorecard row; ``floor_area``, ``subdistricts`` and ``rural`` hold the area standard,
the subdistrict and the village/township checks.
"""

from __future__ import annotations

from .verdicts import Assessment, assess

__all__ = ["Assessment", "assess"]
