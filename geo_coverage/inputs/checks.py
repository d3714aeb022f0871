"""Checks run before and between the stages: the environment, and the declared coordinate systems.

``preflight`` runs first, before anything is computed: every input file readable,
the output folder usable. ``coordinate_system_warnings`` runs once the network is
built: it tells when points declared in one coordinate system sit much closer to
the streets in another (WGS84 points declared GCJ-02, or an AMap export declared
WGS84), which would move every point about 500 m in a Chinese city.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np

from .._errors import ConfigError, Finding
from ..config import LAYER_KINDS, CityConfig
from ..coords import to_wgs84, wgs84_to_bd09, wgs84_to_gcj02
from ..network.streets import WalkNetwork
from .layers import Layers

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


def preflight(config: CityConfig) -> None:
    """Check what a run needs before computing anything; raise on the first problem.

    Every configured input file exists and can be read (the output folder is checked
    by ``export.check_output_folder``).

    Parameters
    ----------
    config
        The city config.

    Raises
    ------
    ConfigError
        One line naming the path, what is wrong and how to fix it.
    """
    inputs = []
    if config.network.path is not None:
        inputs.append(("network.path", Path(config.network.path)))
    inputs += [(f"layers.{kind}.path", path) for kind, path in config.layer_files().items()]
    for key, path in inputs:
        _check_readable(key, path)


def _check_readable(key: str, path: Path) -> None:
    if not path.exists():
        msg = f"{path}: file not found; check {key} in the config"
        raise ConfigError(msg)
    if path.is_dir():
        msg = f"{path}: is a folder, not a file; check {key} in the config"
        raise ConfigError(msg)
    try:
        with path.open("rb") as f:
            f.read(1)
    except OSError as exc:
        msg = f"{path}: cannot be read ({exc.strerror}); check the file's permissions ({key})"
        raise ConfigError(msg) from None
