"""The whole pipeline in one call: config → layers → network → times → assessment → outputs."""

from __future__ import annotations

import json
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from . import export
from .assess import Assessment, assess
from .config import CityConfig, load_config
from .layers import Layers, layers_from_config
from .maps import build_map, map_html
from .network import SPARSE_KM_PER_KM2, WalkNetwork, network_from_config, network_quality
from .reach import isochrones_by_group, snap_points
from .siting import SitingResult, propose_sites
from .utils import log


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
    """

    assessment: Assessment
    isochrones: gpd.GeoDataFrame
    network: WalkNetwork
    siting: SitingResult | None
    network_quality: dict[str, float]
    outputs: tuple[Path, ...]


def prepare(config: CityConfig) -> tuple[Layers, WalkNetwork]:
    """Load and check the layers, then build the network; layers come back in its CRS."""
    layers = layers_from_config(config)
    network = network_from_config(config)
    return layers.to_crs(network.crs), network


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
    layers, network = prepare(config)
    standards = config.standards
    assessment = assess(
        network, layers, standards, snap_limit_m=config.network.snap_limit_m, files=_files(config)
    )
    fac = layers.facilities
    xy = shapely.get_coordinates(fac.geometry.to_numpy())
    types = fac["type"].to_numpy(dtype=object)
    groups = {"care_circle": np.isin(types, standards.care_circle_types)}
    groups |= {t: types == t for t in sorted(set(types))}
    iso = isochrones_by_group(
        network,
        groups,
        snap_points(network, xy[:, 0], xy[:, 1]),
        bands_min=standards.bands_min,
        speed_m_s=standards.walking_speed_m_s,
    )
    isochrones = gpd.GeoDataFrame(iso, geometry="geometry", crs=network.crs)
    siting = None
    if config.siting is not None:
        siting = propose_sites(
            network,
            assessment,
            k=config.siting.k,
            objective=config.siting.objective,
            candidates=layers.candidates,
            method=config.siting.method,
            target_share=config.siting.target_share,
        )
    area = layers.communities.geometry.union_all().convex_hull.buffer(100.0)
    quality = network_quality(network, area)
    if quality["sparse"]:
        msg = (
            f"the walking network has only {quality['km_per_km2']:.1f} km of walkable street "
            f"per km² around the communities (below {SPARSE_KM_PER_KM2:g}): paths inside "
            "compounds are probably missing from the data, so walks are overestimated"
        )
        warnings.warn(msg, UserWarning, stacklevel=2)
        log(msg, logging.WARNING)
    outputs = write_outputs(config, assessment, isochrones, siting, quality) if write else ()
    return Result(assessment, isochrones, network, siting, quality, outputs)


def write_outputs(
    config: CityConfig,
    assessment: Assessment,
    isochrones: gpd.GeoDataFrame,
    siting: SitingResult | None = None,
    quality: dict[str, float] | None = None,
) -> tuple[Path, ...]:
    """Write map, gap list, scorecard and layers to the config's output folder (atomically)."""
    folder = config.output_folder
    lang = config.outputs.language
    gaps = export.gap_table(assessment.gaps, language=lang)
    scorecard = export.scorecard_table(assessment.scorecard, language=lang)
    written = []
    formats = config.outputs.formats
    if "csv" in formats:
        written.append(export.save_csv(gaps, folder / "gaps.csv"))
        written.append(export.save_csv(scorecard, folder / "scorecard.csv"))
    if "xlsx" in formats:
        sheets = {
            "缺口清单" if lang == "zh" else "gaps": gaps,
            "评分卡" if lang == "zh" else "scorecard": scorecard,
        }
        if assessment.subdistricts is not None:
            sheets["街道" if lang == "zh" else "subdistricts"] = assessment.subdistricts.drop(
                columns="geometry"
            )
        sheets["分类型覆盖" if lang == "zh" else "coverage by type"] = assessment.coverage_by_type
        written.append(export.save_xlsx(sheets, folder / "gaps.xlsx"))
    if "gpkg" in formats:
        gpkg = {
            "gaps": assessment.gaps.to_crs("EPSG:4326"),
            "communities": assessment.communities.to_crs("EPSG:4326"),
            "facilities": assessment.facilities.to_crs("EPSG:4326"),
            "isochrones": isochrones.to_crs("EPSG:4326"),
        }
        if assessment.subdistricts is not None:
            gpkg["subdistricts"] = assessment.subdistricts.to_crs("EPSG:4326")
        written.append(export.save_gpkg(gpkg, folder / "gaps.gpkg"))
    written.append(
        export.save_text(
            export.scorecard_json(
                assessment.scorecard, city=config.city, profile=config.standard.profile
            ),
            folder / "scorecard.json",
        )
    )
    written.append(
        export.save_text(
            export.scorecard_markdown(assessment.scorecard, city=config.city, language=lang),
            folder / "scorecard.md",
        )
    )
    if siting is not None:
        sites = export.sites_table(siting.sites, language=lang)
        if "csv" in formats:
            written.append(export.save_csv(sites, folder / "sites.csv"))
        if "xlsx" in formats:
            written.append(
                export.save_xlsx(
                    {"新建选址" if lang == "zh" else "sites": sites}, folder / "sites.xlsx"
                )
            )
        if "gpkg" in formats:
            written.append(
                export.save_gpkg({"sites": siting.sites.to_crs("EPSG:4326")}, folder / "sites.gpkg")
            )
    if quality is not None:
        written.append(
            export.save_text(json.dumps(quality, indent=2) + "\n", folder / "network_quality.json")
        )
    fmap = build_map(
        assessment,
        isochrones,
        sites=None if siting is None else siting.sites,
        city=config.city,
        language=lang,
        basemap=config.outputs.basemap,
        tianditu_key=config.outputs.tianditu_key,
    )
    written.append(
        export.save_text(map_html(fmap, offline=config.outputs.offline), folder / "map.html")
    )
    for path in written:
        log(f"wrote {path}")
    return tuple(written)
