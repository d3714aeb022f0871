"""Is the network fit for walking analysis of this study area? (the network stage's checks)."""

from __future__ import annotations

import shapely

from .._errors import Finding
from ..inputs.layers import Layers
from .streets import SPARSE_KM_PER_KM2, WalkNetwork, network_quality

STUDY_AREA_MARGIN_M = 100.0
"""The study area is the convex hull of all communities and facilities plus this margin."""


def study_area(layers: Layers) -> shapely.Geometry:
    """The area a run's walks are about: hull of the communities, plus a margin.

    One definition for every check, so a network is judged on the same ground by
    ``validate`` and ``run`` whatever layer is being looked at. Facilities do not widen
    it: a township centre out in the countryside would make a dense town look sparse.
    """
    geoms = layers.communities.geometry.to_numpy()
    return shapely.union_all(geoms).convex_hull.buffer(STUDY_AREA_MARGIN_M)


def network_fitness(
    network: WalkNetwork, layers: Layers, file: str = ""
) -> tuple[dict[str, float], list[Finding]]:
    """How fit the network is for the study area, and a warning when it is sparse.

    Parameters
    ----------
    network
        The walking network.
    layers
        The layers in the network CRS.
    file
        The network file, for the warning.

    Returns
    -------
    quality, warnings
        ``network.network_quality`` over ``study_area``; the network's own notes (a road
        layer's dropped or unjoined lines) and a warning when walkable street per km² is
        below ``SPARSE_KM_PER_KM2`` (GB 50180's street-density floor).
    """
    quality = network_quality(network, study_area(layers))
    found = [Finding(file or "network", None, None, note) for note in network.notes]
    if not quality["sparse"]:
        return quality, found
    msg = (
        f"the walking network has only {quality['km_per_km2']:.1f} km of walkable street per "
        f"km² in the study area (below {SPARSE_KM_PER_KM2:g}, GB 50180's street density): "
        "paths inside compounds are probably missing from the data, so walks are "
        "overestimated and coverage underestimated; add them with network.extra_paths or "
        "use a fuller road layer"
    )
    return quality, [*found, Finding(file or "network", None, None, msg)]
