"""Stage 2, network: the walking network as compact arrays (``WalkNetwork``).

``streets`` builds it from an OSM file, a GraphML file, a download or a planner's road
layer (``roads``), keeps it in the cache, and ``fitness`` says whether it is fit for
walking analysis of the study area.
"""

from __future__ import annotations

from .streets import WalkNetwork, network_from_config, network_from_file

__all__ = ["WalkNetwork", "network_from_config", "network_from_file"]
