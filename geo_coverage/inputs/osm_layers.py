"""Facilities and communities read from OpenStreetMap, for cities with no lists at hand.

Care facilities come from tagged features (``social_facility``, ``amenity=nursing_home``,
``healthcare``) and Chinese names (养老, 敬老, 日间照料, 幸福院 …), mapped to the tool's
facility types by a rule table the config can replace. Communities are residential
compounds (``landuse=residential``); their households are estimated from the residential
buildings inside them (footprint × levels ÷ floor area per household, or
``building:flats`` where tagged) and every such number is marked as an estimate.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .._errors import ROW_COL, Finding, LayerError
from ..config import OsmOptions, OsmRule
from ..coords import WGS84, projected_crs_for
from ..standards import FACILITY_TYPES
from ..utils import log

DEFAULT_RULES: tuple[OsmRule, ...] = tuple(
    OsmRule(**r)
    for r in (
        {"name_contains": "综合养老服务中心", "type": "centre"},
        {"name_contains": "养老服务中心", "type": "centre"},
        {"name_contains": "日间照料", "type": "day_care"},
        {"name_contains": "托老所", "type": "day_care"},
        {"name_contains": "养老服务站", "type": "station"},
        {"name_contains": "幸福院", "type": "mutual_aid"},
        {"name_contains": "敬老院", "type": "welfare_home"},
        {"name_contains": "养老院", "type": "nursing_home"},
        {"name_contains": "老年公寓", "type": "nursing_home"},
        {"name_contains": "老年食堂", "type": "canteen"},
        {"name_contains": "长者食堂", "type": "canteen"},
        {"name_contains": "社区卫生服务", "type": "health"},
        {"tag": "social_facility", "value": "day_care", "type": "day_care"},
        {"tag": "social_facility", "value": "nursing_home", "type": "nursing_home"},
        {"tag": "social_facility", "value": "assisted_living", "type": "nursing_home"},
        {"tag": "social_facility:for", "value": "senior", "type": "station"},
        {"tag": "amenity", "value": "nursing_home", "type": "nursing_home"},
        {"tag": "healthcare", "value": "*", "type": "health"},
    )
)
"""First matching rule wins; names first, since they are the most specific in China."""

OsmTags = dict[str, bool | str | list[str]]
"""An osmnx-style tag filter: key -> True (any value), a value, or a list of values."""


_FACILITY_TAGS: OsmTags = {
    "amenity": True,
    "social_facility": True,
    "social_facility:for": True,
    "healthcare": True,
    "name": True,
}


def read_osm_features(path: Path, tags: OsmTags) -> gpd.GeoDataFrame:
    """Features carrying any of ``tags`` from an .osm (osmnx) or .osm.pbf (pyrosm) file.

    Parameters
    ----------
    path
        OSM XML or PBF file.
    tags
        osmnx-style tag filter: key -> True (any value), a value, or a list of values.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per feature in WGS84 (EPSG:4326), tag keys as columns, ``osm_id``.
    """
    if path.name.lower().endswith(".pbf"):
        import pyrosm

        criteria = {
            k: (True if isinstance(v, bool) else ([v] if isinstance(v, str) else list(v)))
            for k, v in tags.items()
            if k != "name"
        }
        gdf = pyrosm.OSM(str(path)).get_data_by_custom_criteria(
            custom_filter=criteria,
            filter_type="keep",
            keep_nodes=True,
            keep_ways=True,
            keep_relations=True,
        )
        if gdf is None:
            return gpd.GeoDataFrame({"osm_id": []}, geometry=[], crs=WGS84)
        gdf = gdf.rename(columns={"id": "osm_id"})
        if "tags" in gdf:  # pyrosm keeps the other tags as a dict or JSON string
            extra = gdf["tags"].map(_as_dict)
            for key in tags:
                if key not in gdf:
                    gdf[key] = extra.map(lambda d, key=key: d.get(key))
        return gdf.set_crs(WGS84, allow_override=True).reset_index(drop=True)
    import osmnx as ox

    try:
        gdf = ox.features_from_xml(path, tags=tags)
    except ox._errors.InsufficientResponseError:
        return gpd.GeoDataFrame({"osm_id": []}, geometry=[], crs=WGS84)
    gdf = gdf.reset_index()
    gdf["osm_id"] = gdf["element"].astype(str).str[0] + gdf["id"].astype(str)
    return gdf.set_crs(WGS84, allow_override=True)


def _as_dict(value: object) -> dict:
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value.startswith("{"):
        import json

        try:
            return json.loads(value)
        except ValueError:
            return {}
    return {}


def _numbers(frame: pd.DataFrame, column: str) -> pd.Series:
    """A tag column as numbers (NaN where missing or not a number)."""
    if column not in frame:
        return pd.Series(np.nan, index=frame.index)
    return pd.to_numeric(frame[column], errors="coerce")


def _match_rules(features: pd.DataFrame, rules: tuple[OsmRule, ...]) -> pd.Series:
    """Facility type of each feature by the first matching rule (NaN when none matches)."""
    out = pd.Series(np.nan, index=features.index, dtype=object)
    names = features.get("name", pd.Series("", index=features.index)).fillna("").astype(str)
    for rule in rules:
        if rule.name_contains is not None:
            hit = names.str.contains(rule.name_contains, regex=False)
        else:
            col = features.get(rule.tag, pd.Series(np.nan, index=features.index))
            hit = col.notna() & (col.astype(str).eq(rule.value) | (rule.value == "*"))
        out = out.where(out.notna() | ~hit, rule.type)
    return out


def facilities_from_osm(path: Path, rules: tuple[OsmRule, ...] | None = None) -> gpd.GeoDataFrame:
    """Care facilities from an OSM file, typed by ``rules`` (default ``DEFAULT_RULES``).

    Parameters
    ----------
    path
        OSM XML or PBF file.
    rules
        The rule table; the first matching rule gives a feature's type.

    Returns
    -------
    geopandas.GeoDataFrame
        Facility points in WGS84 with the columns of a facilities layer; floor area and
        beds are unknown (NaN) in OSM.

    Raises
    ------
    LayerError
        No feature matches any rule.
    """
    rules = tuple(rules or DEFAULT_RULES)
    features = read_osm_features(path, _FACILITY_TAGS)
    ftype = _match_rules(features, rules)
    found = features[ftype.notna()].copy()
    if found.empty:
        msg = (
            "no care facilities found in the OSM file (no social_facility, nursing_home, "
            "healthcare tags or 养老/敬老/日间照料/幸福院 names); give a facilities file instead, "
            "or add rules under layers.facilities.osm.rules"
        )
        raise LayerError([Finding(str(path), None, None, msg)])
    found["type"] = ftype[ftype.notna()]
    names = found.get("name", pd.Series("", index=found.index)).fillna("")
    out = gpd.GeoDataFrame(
        {
            "id": found["osm_id"].astype(str).to_numpy(),
            "name": np.where(names.eq(""), "(OSM " + found["osm_id"].astype(str) + ")", names),
            "type": found["type"].to_numpy(),
            "type_label": [FACILITY_TYPES[t].label_zh for t in found["type"]],
            "floor_area_m2": np.nan,
            "beds": np.nan,
            "nursing_beds": np.nan,
            ROW_COL: np.arange(len(found)) + 1,
        },
        geometry=found.geometry.representative_point().to_numpy(),
        crs=WGS84,
    )
    log(f"facilities from OSM: {len(out):,} ({out['type'].value_counts().to_dict()})")
    return out.reset_index(drop=True)


def communities_from_osm(path: Path, options: OsmOptions) -> gpd.GeoDataFrame:
    """Residential compounds from ``landuse=residential`` with estimated households.

    Households = Σ over residential buildings inside the compound of
    ``building:flats`` where tagged, else footprint × levels ÷ ``m2_per_household``
    (levels from ``building:levels``, else ``default_levels``). Population and elderly
    follow from ``persons_per_household`` and ``elderly_share``. All are estimates and
    the layer says so in its ``estimated`` column.

    Parameters
    ----------
    path
        OSM XML or PBF file.
    options
        Estimation settings.

    Returns
    -------
    geopandas.GeoDataFrame
        Community polygons in WGS84 with the columns of a communities layer.

    Raises
    ------
    LayerError
        The file holds no residential compounds with buildings.
    """
    areas = read_osm_features(path, {"landuse": "residential"})
    areas = areas[areas.geom_type.isin(["Polygon", "MultiPolygon"])].reset_index(drop=True)
    buildings = read_osm_features(path, {"building": True})
    buildings = buildings[buildings.geom_type.isin(["Polygon", "MultiPolygon"])]
    if areas.empty or buildings.empty:
        msg = (
            "no landuse=residential compounds with buildings in the OSM file; give a "
            "communities file instead"
        )
        raise LayerError([Finding(str(path), None, None, msg)])
    # OSM multipolygons are sometimes invalid (self-touching rings): repair, keep the areas
    areas = areas.set_geometry(areas.geometry.make_valid())
    areas = areas[areas.geom_type.isin(["Polygon", "MultiPolygon"])].reset_index(drop=True)
    buildings = buildings.set_geometry(buildings.geometry.make_valid())
    minx, miny, maxx, maxy = areas.total_bounds
    lon, lat = (minx + maxx) / 2, (miny + maxy) / 2
    crs = projected_crs_for(float(lon), float(lat))
    areas_m = areas.to_crs(crs)
    residential = {
        "residential",
        "apartments",
        "house",
        "yes",
        "dormitory",
        "terrace",
        "detached",
        "semidetached_house",
    }
    b = buildings[buildings["building"].astype(str).isin(residential)].to_crs(crs)
    levels = _numbers(b, "building:levels").fillna(options.default_levels)
    flats = _numbers(b, "building:flats")
    estimate = (b.geometry.area * levels / options.m2_per_household).where(flats.isna(), flats)
    points = b.geometry.representative_point().to_numpy()
    b_idx, a_idx = shapely.STRtree(areas_m.geometry.to_numpy()).query(points, predicate="within")
    households = np.zeros(len(areas_m))
    np.add.at(households, a_idx, estimate.to_numpy()[b_idx])
    keep = households >= 1
    names = areas.get("name", pd.Series(np.nan, index=areas.index))
    out = gpd.GeoDataFrame(
        {
            "id": areas["osm_id"].astype(str).to_numpy(),
            "name": np.where(names.isna(), "居住区 " + areas["osm_id"].astype(str), names),
            "households": np.round(households),
            "population": np.round(households * options.persons_per_household),
            "elderly": np.round(households * options.persons_per_household * options.elderly_share),
            "subdistrict": None,
            "facility_area_m2": np.nan,
            "facility_land_m2": np.nan,
            "estimated": True,
            ROW_COL: np.arange(len(areas)) + 1,
        },
        geometry=areas.geometry.to_numpy(),
        crs=WGS84,
    )[keep]
    log(
        f"communities from OSM: {len(out):,} compounds, {out['households'].sum():,.0f} "
        "households (estimated from buildings)"
    )
    return out.reset_index(drop=True)
