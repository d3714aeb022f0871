"""Whether the network fits the study area, and whether the layers fit its streets.

Run once the network is built. ``network_fitness``: walkable street per km² of the study
area (a sparse network overestimates walks). ``coordinate_system_warnings``: points
declared in one coordinate system that sit much closer to the streets in another
(WGS84 points declared GCJ-02, or an AMap export declared WGS84), which would move every
point about 500 m in a Chinese city.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from .._errors import Finding
from ..config import LAYER_KINDS, CityConfig
from ..coords import to_wgs84, wgs84_to_bd09, wgs84_to_gcj02
from ..inputs.layers import Layers
from .streets import SPARSE_KM_PER_KM2, WalkNetwork, network_quality

STUDY_AREA_MARGIN_M = 100.0
"""The study area is the convex hull of all communities and facilities plus this margin."""

SYSTEMS = ("wgs84", "gcj02", "bd09")
"""Coordinate systems a point list from a Chinese source can be in."""
SOURCES_OF = {"wgs84": "GPS, 天地图 or OSM", "gcj02": "AMap or Tencent", "bd09": "Baidu"}
SAMPLE_POINTS = 2000
"""At most this many points per layer are compared (evenly spread through the file)."""
MIN_POINTS = 3
"""Layers with fewer points are not compared (a median of two says little)."""
CLEARLY_WORSE_RATIO = 2.0
"""The declared system is flagged when its median distance is this many times the best ..."""
CLEARLY_WORSE_M = 25.0
"""... and at least this many metres more."""


@dataclass(frozen=True)
class SystemFit:
    """Median distance from a layer's points to the nearest walkable street, per system.

    Attributes
    ----------
    kind
        The layer ("facilities", "communities", …).
    declared
        The system the config declares.
    median_m
        System -> median distance in metres if the file's numbers were in that system.
    """

    kind: str
    declared: str
    median_m: dict[str, float]

    @property
    def best(self) -> str:
        """The system whose points lie closest to the streets."""
        return min(self.median_m, key=self.median_m.__getitem__)

    @property
    def declared_is_clearly_worse(self) -> bool:
        """True when another system fits the streets much better than the declared one."""
        declared, best = self.median_m[self.declared], self.median_m[self.best]
        return (
            self.best != self.declared
            and declared >= CLEARLY_WORSE_RATIO * best
            and declared - best >= CLEARLY_WORSE_M
        )


def _from_wgs84(lon: np.ndarray, lat: np.ndarray, system: str) -> tuple[np.ndarray, np.ndarray]:
    """The numbers a file in ``system`` would hold for these WGS84 points."""
    if system == "gcj02":
        return wgs84_to_gcj02(lon, lat)
    if system == "bd09":
        return wgs84_to_bd09(lon, lat)
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def system_fit(
    network: WalkNetwork, layer_wgs84: gpd.GeoDataFrame, *, kind: str, declared: str
) -> SystemFit | None:
    """Compare how close a layer lies to the streets under each coordinate system.

    Parameters
    ----------
    network
        The walking network.
    layer_wgs84
        The layer as read, in WGS84 (converted from ``declared``).
    kind
        The layer's name, for the report.
    declared
        The system the config declares: "wgs84", "gcj02" or "bd09".

    Returns
    -------
    SystemFit or None
        None when the layer has fewer than ``MIN_POINTS`` point features (polygon
        layers are not judged).
    """
    # only point features: a compound polygon's inside lies away from the streets by
    # design, and in a regular street grid a shifted one can sit just as far from them
    points = layer_wgs84.geometry[layer_wgs84.geom_type.eq("Point").to_numpy()]
    if len(points) < MIN_POINTS:
        return None
    points = points.iloc[:: max(1, len(points) // SAMPLE_POINTS)]
    lon, lat = points.x.to_numpy(), points.y.to_numpy()
    raw_x, raw_y = _from_wgs84(lon, lat, declared)
    medians = {}
    for system in SYSTEMS:
        x, y = to_wgs84(raw_x, raw_y, system)
        candidates = gpd.GeoSeries(gpd.points_from_xy(x, y), crs="EPSG:4326").to_crs(network.crs)
        _, distance = network.edge_tree.query_nearest(
            candidates.to_numpy(), return_distance=True, all_matches=False
        )
        medians[system] = float(np.median(distance))
    return SystemFit(kind, declared, medians)


def coordinate_system_warnings(
    config: CityConfig, layers_wgs84: Layers, network: WalkNetwork
) -> list[Finding]:
    """Warn where a layer's declared coordinate system is clearly worse than another.

    Parameters
    ----------
    config
        The city config (declared ``coords`` of each layer).
    layers_wgs84
        The layers as read, in WGS84.
    network
        The walking network.

    Returns
    -------
    list of Finding
        One per layer whose points lie much closer to the streets in another system,
        naming the better system and the medians.
    """
    found = []
    for kind in LAYER_KINDS:  # layers of polygons only are not judged (system_fit)
        cfg = getattr(config.layers, kind)
        layer = getattr(layers_wgs84, kind)
        if cfg is None or layer is None or cfg.source != "file" or cfg.coords not in SYSTEMS:
            continue
        fit = system_fit(network, layer, kind=kind, declared=cfg.coords)
        if fit is None or not fit.declared_is_clearly_worse:
            continue
        medians = ", ".join(f"{s} {m:,.0f} m" for s, m in fit.median_m.items())
        found.append(
            Finding(
                str(cfg.path),
                None,
                None,
                f"the layer is declared 'coords: {cfg.coords}', but its points lie much closer "
                f"to the streets as {fit.best} (median distance to the nearest walkable street: "
                f"{medians}); if the list comes from {SOURCES_OF[fit.best]}, set "
                f"'coords: {fit.best}' for layers.{kind}",
                f"坐标系选为 {cfg.coords}，但按 {fit.best} 时这些点离道路近得多（到最近步行道路的"
                f"中位距离：{medians}）：若名单来自 {SOURCES_OF[fit.best]}，请改选 {fit.best}",
            )
        )
    return found


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
