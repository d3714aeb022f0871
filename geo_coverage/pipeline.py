"""The whole pipeline in one call: config → layers → network → times → assessment → outputs."""

from __future__ import annotations

import json
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd

from . import export
from ._errors import Finding
from .assess import Assessment, assess
from .checks import coordinate_system_warnings, network_fitness, preflight
from .config import CityConfig, load_config
from .isochrones import TravelTimes, for_display, travel_times
from .layers import Layers, layers_from_config
from .maps import DISPLAY_TOLERANCE_M, build_map, map_html
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
        for kind in ("facilities", "communities", "entrances", "subdistricts", "candidates")
        if getattr(config.layers, kind) is not None
    }


def run(config: CityConfig | str | Path, *, write: bool = True) -> Result:
    """Run the whole assessment of a city and write its outputs.

    Parameters
    ----------
    config
        A ``CityConfig`` or the path of a config YAML file.
    write
        Write the map, gap lists and scorecard to the config's output folder.

    Returns
    -------
    Result
        The assessment, isochrones, network and the files written.
    """
    if not isinstance(config, CityConfig):
        config = load_config(config)
    timings: dict[str, float] = {}
    with timed("inputs and network", timings):
        layers, network, quality = prepare(config)
    with timed("reach", timings):
        reach = reach_of(config, layers, network)
    with timed("assessment", timings):
        assessment = assess(network, layers, config.standards, reach=reach)
    with timed("isochrones", timings):
        times = _travel_times(config, layers, network, reach)
    isochrones = gpd.GeoDataFrame(times.isochrones, geometry="geometry", crs=network.crs)
    siting = None
    if config.siting is not None:
        with timed("siting", timings):
            siting = propose_sites(
                network,
                assessment,
                k=config.siting.k,
                objective=config.siting.objective,
                candidates=layers.candidates,
                method=config.siting.method,
                target_share=config.siting.target_share,
            )
    notes = [*layers.warnings, *assessment.warnings]
    for note in notes:
        log(f"warning: {note}", logging.WARNING)
    found = tuple(notes)
    outputs: tuple[Path, ...] = ()
    if write:
        with timed("outputs", timings):
            outputs = write_outputs(config, assessment, isochrones, siting, quality, found, times)
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


def write_outputs(
    config: CityConfig,
    assessment: Assessment,
    isochrones: gpd.GeoDataFrame,
    siting: SitingResult | None = None,
    quality: dict[str, float] | None = None,
    warnings: tuple[Finding, ...] = (),
    times: TravelTimes | None = None,
) -> tuple[Path, ...]:
    """Write map, gap list, scorecard and layers to the output folder, all or nothing.

    Every file is written into a staging folder beside the output folder, which
    replaces it only once the whole set is complete (``export.staged_folder``): a
    failed or killed run leaves the previous set whole.
    """
    folder = config.output_folder
    lang = config.outputs.language
    circle = assessment.standards.care_circle_min
    gaps = export.gap_table(assessment.gaps, language=lang, care_circle_min=circle)
    scorecard = export.scorecard_table(assessment.scorecard, language=lang)
    formats = config.outputs.formats
    names: list[str] = []
    with export.staged_folder(folder) as stage:

        def save(name: str, writer: object, *args: object, **kwargs: object) -> None:
            writer(*args, stage / name, **kwargs)  # type: ignore[operator]
            names.append(name)

        if "csv" in formats:
            save("gaps.csv", export.save_csv, gaps)
            save("scorecard.csv", export.save_csv, scorecard)
        if "xlsx" in formats:
            save(
                "gaps.xlsx", export.save_xlsx, _sheets(assessment, gaps, scorecard, warnings, lang)
            )
        if "gpkg" in formats:
            save("gaps.gpkg", export.save_gpkg, _gpkg_layers(assessment, isochrones))
        save(
            "scorecard.json",
            export.save_text,
            export.scorecard_json(
                assessment.scorecard,
                city=config.city,
                profile=config.standard.profile,
                warnings=warnings,
            ),
        )
        save(
            "scorecard.md",
            export.save_text,
            export.scorecard_markdown(
                assessment.scorecard, city=config.city, language=lang, warnings=warnings
            ),
        )
        if siting is not None:
            sites = export.sites_table(siting.sites, language=lang)
            if "csv" in formats:
                save("sites.csv", export.save_csv, sites)
            if "xlsx" in formats:
                save(
                    "sites.xlsx", export.save_xlsx, {"新建选址" if lang == "zh" else "sites": sites}
                )
            if "gpkg" in formats:
                save("sites.gpkg", export.save_gpkg, {"sites": siting.sites.to_crs("EPSG:4326")})
        if times is not None:
            limit = max(assessment.standards.bands_min)

            def tif(item: tuple[str, np.ndarray]) -> str:
                name = f"travel_time_{item[0]}.tif"
                export.save_geotiff(
                    item[1], times.grid.transform, isochrones.crs, stage / name, max_minutes=limit
                )
                return name

            with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:  # GDAL compresses
                names += list(pool.map(tif, times.surfaces.items()))
        if quality is not None:
            save("network_quality.json", export.save_text, json.dumps(quality, indent=2) + "\n")
        fmap = build_map(
            assessment,
            isochrones,
            sites=None if siting is None else siting.sites,
            city=config.city,
            language=lang,
            basemap=config.outputs.basemap,
            tianditu_key=config.outputs.tianditu_key,
            warnings=warnings,
        )
        save("map.html", export.save_text, map_html(fmap, offline=config.outputs.offline))
    written = tuple(folder / name for name in names)
    for path in written:
        log(f"wrote {path}")
    return written


def _sheets(
    assessment: Assessment,
    gaps: pd.DataFrame,
    scorecard: pd.DataFrame,
    warnings: tuple[Finding, ...],
    lang: str,
) -> dict[str, pd.DataFrame]:
    """The sheets of gaps.xlsx: gaps, scorecard, subdistricts, coverage by type, warnings."""
    zh = lang == "zh"
    sheets = {"缺口清单" if zh else "gaps": gaps, "评分卡" if zh else "scorecard": scorecard}
    if assessment.subdistricts is not None:
        sheets["街道" if zh else "subdistricts"] = assessment.subdistricts.drop(columns="geometry")
    sheets["分类型覆盖" if zh else "coverage by type"] = assessment.coverage_by_type
    if warnings:
        sheets["注意" if zh else "warnings"] = export.warnings_table(warnings, language=lang)
    return sheets


def _gpkg_layers(
    assessment: Assessment, isochrones: gpd.GeoDataFrame
) -> dict[str, gpd.GeoDataFrame]:
    """The layers of gaps.gpkg in WGS84; isochrones simplified as on the map."""
    shown = isochrones.assign(
        geometry=for_display(isochrones.geometry.to_numpy(), DISPLAY_TOLERANCE_M)
    )
    layers = {
        "gaps": assessment.gaps,
        "communities": assessment.communities,
        "facilities": assessment.facilities,
        "isochrones": shown,
    }
    if assessment.subdistricts is not None:
        layers["subdistricts"] = assessment.subdistricts
    return {name: layer.to_crs("EPSG:4326") for name, layer in layers.items()}
