"""What a run produced: the one object the outputs stage, the CLI and the workbench read."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import geopandas as gpd

    from ._errors import Finding
    from .assess.verdicts import Assessment
    from .inputs.layers import Layers
    from .network.streets import WalkNetwork
    from .reach.isochrones import TravelTimes
    from .scenarios import ScenarioResult
    from .siting import SitingResult


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
    scenarios
        Each plan of ``config.scenarios``, assessed (``scenarios.ScenarioResult``).
    layers
        The input layers as assessed (network CRS): what a placement is added to.
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
    scenarios: tuple[ScenarioResult, ...] = ()
    layers: Layers | None = None
