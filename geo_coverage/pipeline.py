"""The whole pipeline in one call: config → layers → network → reach → assess → site → outputs."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

import geopandas as gpd
import numpy as np

from . import export
from ._errors import Finding
from .assess import Assessment, assess
from .checks import coordinate_system_warnings, network_fitness, preflight
from .config import LAYER_KINDS, CityConfig, load_config
from .isochrones import TravelTimes, travel_times
from .layers import Layers, layers_from_config
from .network import WalkNetwork, network_from_config
from .reach import Reach, reach_city
from .siting import SitingResult, propose_sites
from .utils import log, timed


@dataclass(frozen=True)
class Result:
    """What a run produced.

    Attributes
    ----------
    assessment
        Per-community, facility and subdistrict results, scorecard and gap list.
    isochrones
        Dissolved isochrone polygons per facility type and band (network CRS).
    network
        The walking network used.
    siting
        Proposed new sites, when the config asks for them.
    network_quality
        Fitness of the network for walking analysis (see ``network.network_quality``).
    outputs
        Files written (empty when ``write=False``).
    warnings
        What changes how the numbers should be read (implausible values, a coordinate
        system that fits the streets worse than another, a sparse network); also
        written into the map, the scorecard and the XLSX.
    travel_times
        The travel-time surface of each facility group and its grid.
    timings
        Wall seconds per stage (inputs and network, assessment, isochrones, siting,
        outputs).
    """

    assessment: Assessment
    isochrones: gpd.GeoDataFrame
    network: WalkNetwork
    siting: SitingResult | None
    network_quality: dict[str, float]
    outputs: tuple[Path, ...]
    warnings: tuple[Finding, ...] = ()
    travel_times: TravelTimes | None = None
    timings: dict[str, float] | None = None


class Prepared(NamedTuple):
    """The inputs of a run, checked: layers in the network CRS, the network, its fitness."""

    layers: Layers
    network: WalkNetwork
    quality: dict[str, float]


def prepare(config: CityConfig) -> Prepared:
    """Check the environment, load and check the layers, then build and check the network.

    The layers come back in the network's CRS. Their ``warnings`` hold what changes
    how the results should be read: implausible values, a declared coordinate system
    that fits the streets clearly worse than another, and a sparse network.
    """
    preflight(config)
    layers = layers_from_config(config)
    network = network_from_config(config)
    crs_warnings = coordinate_system_warnings(config, layers, network)
    layers = layers.to_crs(network.crs)
    quality, network_warnings = network_fitness(network, layers, str(config.network.path or ""))
    notes = (*layers.warnings, *crs_warnings, *network_warnings)
    return Prepared(replace(layers, warnings=notes), network, quality)


def _files(config: CityConfig) -> dict[str, str]:
    return {
        kind: str(config.layer_path(kind))
        for kind in LAYER_KINDS
        if getattr(config.layers, kind) is not None
    }


def run(
    config: CityConfig | str | Path,
    *,
    write: bool = True,
    on_stage: Callable[[str], None] | None = None,
) -> Result:
    """Run the whole assessment of a city and write its outputs.

    Parameters
    ----------
    config
        A ``CityConfig`` or the path of a config YAML file.
    write
        Write the map, gap lists and scorecard to the config's output folder.
    on_stage
        Called with each stage's name as it starts (e.g. a web page's progress bar).

    Returns
    -------
    Result
        The assessment, isochrones, network and the files written.
    """
    if not isinstance(config, CityConfig):
        config = load_config(config)
    timings: dict[str, float] = {}

    def stage(name: str) -> contextlib.AbstractContextManager[None]:
        if on_stage is not None:
            on_stage(name)
        return timed(name, timings)

    with stage("inputs and network"):
        layers, network, quality = prepare(config)
    with stage("reach"):
        reach = reach_of(config, layers, network)
    with stage("assessment"):
        assessment = assess(network, layers, config.standards, reach=reach)
    with stage("isochrones"):
        times = _travel_times(config, layers, network, reach)
    isochrones = gpd.GeoDataFrame(times.isochrones, geometry="geometry", crs=network.crs)
    siting = None
    if config.siting is not None:
        with stage("siting"):
            siting = propose_sites(
                network,
                assessment,
                k=config.siting.k,
                objective=config.siting.objective,
                candidates=layers.candidates,
                method=config.siting.method,
                target_share=config.siting.target_share,
            )
    notes = [w.as_given(config.given_paths) for w in (*layers.warnings, *assessment.warnings)]
    for note in notes:
        log(f"warning: {note}", logging.WARNING)
    found = tuple(notes)
    outputs: tuple[Path, ...] = ()
    if write:
        with stage("outputs"):
            outputs = export.write_outputs(
                config,
                assessment,
                isochrones,
                siting,
                quality,
                found,
                times,
                streets=network.edge_geometry,
            )
    return Result(assessment, isochrones, network, siting, quality, outputs, found, times, timings)


def reach_of(config: CityConfig, layers: Layers, network: WalkNetwork) -> Reach:
    """The reach stage of a city: snapped points and walks, with the config's settings."""
    return reach_city(
        network,
        layers,
        config.standards,
        snap_limit_m=config.network.snap_limit_m,
        far_points=config.network.far_points,
        files=_files(config),
    )


def assess_city(config: CityConfig, layers: Layers, network: WalkNetwork) -> Assessment:
    """Reach and assess prepared layers on their network with the config's settings."""
    return assess(network, layers, config.standards, reach=reach_of(config, layers, network))


class Validation(NamedTuple):
    """What ``validate`` found: the checked inputs and every warning of a run."""

    layers: Layers
    network: WalkNetwork
    warnings: tuple[Finding, ...]


def validate(config: CityConfig) -> Validation:
    """Check a city as a run would, writing nothing: the one check the CLI and workbench use.

    Every warning a run would report is kept — the layers' (implausible values, a
    coordinate system that fits worse, a sparse network) and the reach stage's (points
    far from every street under ``far_points: flag``) — with files as their paths.

    Raises
    ------
    LayerError, ConfigError, NetworkError
        What would stop the run, located.
    """
    layers, network, _ = prepare(config)
    assessment = assess_city(config, layers, network)
    return Validation(layers, network, (*layers.warnings, *assessment.warnings))


def _travel_times(
    config: CityConfig, layers: Layers, network: WalkNetwork, reach: Reach
) -> TravelTimes:
    """Isochrones of the care circle and of each facility type, from the reach's walks."""
    standards = config.standards
    types = layers.facilities["type"].to_numpy(dtype=object)
    usable = ~reach.facility_far
    keys = {"care_circle": standards.care_circle_types}
    keys |= {t: t for t in sorted(set(types))}
    groups = {name: np.isin(types, key) & usable for name, key in keys.items()}
    return travel_times(
        network,
        groups,
        reach.facilities,
        bands_min=standards.bands_min,
        speed_m_s=standards.walking_speed_m_s,
        max_offset_m=reach.step_off_m,
        resolution_m=None
        if config.outputs.isochrone_resolution_m == "auto"
        else float(config.outputs.isochrone_resolution_m),
        node_distances={name: reach.group(key).nodes.distance_m for name, key in keys.items()},
    )
