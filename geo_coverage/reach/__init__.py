"""Stage 3, reach: how far everyone walks, from one multi-source search per group.

``engine`` snaps points to streets and runs the searches over the CSR arrays;
``walks`` is the stage (``reach_city`` -> ``Reach``: snapped points, walks per
facility group, care-circle catchment pairs); ``isochrones`` draws the same walks
as travel-time surfaces and band polygons.
"""

from __future__ import annotations

from .isochrones import TravelTimes, travel_times
from .walks import Reach, reach_city

__all__ = ["Reach", "TravelTimes", "reach_city", "travel_times"]
