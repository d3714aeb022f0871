"""The whole pipeline in one call: config → layers → network → reach → assess → site → outputs."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

import geopandas as gpd

from ._errors import Finding
from .assess.verdicts import Assessment, assess
from .config import CityConfig, load_config
from .inputs.checks import preflight
from .inputs.layers import Layers, layers_from_config
from .network.fitness import coordinate_system_warnings, network_fitness
from .network.streets import WalkNetwork, network_from_config
from .outputs import export
from .reach.isochrones import travel_times
from .reach.walks import Reach, reach_city
from .results import Result
from .scenarios import ScenarioResult, run_scenarios, scenario_layers
from .siting import SitingResult, propose_sites
from .utils import log, timed


class Prepared(NamedTuple):
    """The inputs of a run, checked: layers in the network CRS, the network, its fitness.

    ``warnings`` hold what changes how the results should be read: the layers' own
    (implausible values, blank names), a declared coordinate system that fits the
    streets clearly worse than another, and the network's (a sparse network, a road
    layer's dropped lines).
    """

    layers: Layers
    network: WalkNetwork
    quality: dict[str, float]
    warnings: tuple[Finding, ...]


def prepare(config: CityConfig) -> Prepared:
    """Check the environment, load and check the layers, then build and check the network."""
    preflight(config)
    export.check_output_folder(config.output_folder)
    layers = layers_from_config(config)
    network = network_from_config(config)
    crs_warnings = coordinate_system_warnings(config, layers, network)
    layers = layers.to_crs(network.crs)
    quality, network_warnings = network_fitness(network, layers, str(config.network.path or ""))
    return Prepared(layers, network, quality, (*layers.warnings, *crs_warnings, *network_warnings))


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
        inputs = prepare(config)
    with stage("reach"):
        reach = reach_of(config, inputs)
    with stage("assessment"):
        assessment = assess(reach, inputs.layers, config.standards)
    with stage("isochrones"):
        times = travel_times(inputs.network, reach, config.standards, resolution_m=_cell(config))
    siting = None
    if config.siting is not None:
        with stage("siting"):
            siting = site(config, inputs, reach, assessment)
    plans: tuple[ScenarioResult, ...] = ()
    if config.scenarios:
        with stage("scenarios"):
            plans = run_scenarios(config, inputs.layers, inputs.network, assessment)
    isochrones = gpd.GeoDataFrame(times.isochrones, geometry="geometry", crs=inputs.network.crs)
    found = _warnings(config, inputs, assessment)
    result = Result(
        assessment,
        isochrones,
        inputs.network,
        siting,
        inputs.quality,
        (),
        found,
        times,
        scenarios=plans,
        layers=inputs.layers,
    )
    if write:
        with stage("outputs"):
            result = replace(result, outputs=export.write_outputs(config, result))
    return replace(result, timings=timings)


def reach_of(config: CityConfig, inputs: Prepared) -> Reach:
    """The reach stage of a city: snapped points and walks, with the config's settings."""
    return reach_city(
        inputs.network,
        inputs.layers,
        config.standards,
        snap_limit_m=config.network.snap_limit_m,
        far_points=config.network.far_points,
        files={kind: str(path) for kind, path in config.layer_files().items()},
    )


def site(
    config: CityConfig, inputs: Prepared, reach: Reach, assessment: Assessment
) -> SitingResult:
    """The siting stage with the config's settings (``config.siting`` is set)."""
    return propose_sites(inputs.network, reach, assessment, config.siting, inputs.layers.candidates)


def _cell(config: CityConfig) -> float | None:
    """The isochrone grid's cell size, metres (None: chosen for the study area)."""
    resolution = config.outputs.isochrone_resolution_m
    return None if resolution == "auto" else float(resolution)


def _warnings(config: CityConfig, inputs: Prepared, assessment: Assessment) -> tuple[Finding, ...]:
    """Every warning of a run, files named as the config names them, logged once."""
    notes = tuple(w.as_given(config.given_paths) for w in (*inputs.warnings, *assessment.warnings))
    for note in notes:
        log(f"warning: {note}", logging.WARNING)
    return notes


class Validation(NamedTuple):
    """What ``validate`` found: the checked inputs and every warning of a run."""

    layers: Layers
    network: WalkNetwork
    warnings: tuple[Finding, ...]


def validate(config: CityConfig) -> Validation:
    """Check a city as a run would, writing nothing: the one check the CLI and workbench use.

    Every warning a run would report is kept — the inputs' (implausible values, a
    coordinate system that fits worse, a sparse network) and the reach stage's (points
    far from every street under ``far_points: flag``) — with files as their paths.

    Raises
    ------
    LayerError, ConfigError, NetworkError
        What would stop the run, located.
    """
    inputs = prepare(config)
    reach = reach_of(config, inputs)
    for number, scenario in enumerate(config.scenarios):  # each plan's files checked too
        scenario_layers(inputs.layers, scenario, config, number)
    return Validation(inputs.layers, inputs.network, (*inputs.warnings, *reach.findings))
