"""Build the interactive planner map (a Folium object; writing it is ``export``'s job).

One FeatureGroup per theme (subdistricts, townships, the bands of each facility group,
communities by status, villages, facilities by type, proposed sites) with a legend, a
summary panel and a layer control added last. Every string that comes from input files is
HTML-escaped before it reaches the page.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

from .._errors import Finding
from ..assess.indicators import format_target, format_value
from ..assess.verdicts import Assessment, community_status
from ..coords import WGS84, wgs84_to_gcj02
from ..standards import FACILITY_TYPES
from ..text import LOAD_TEXT, MAP_TEXT, SCENARIO_TEXT, STATUS_TEXT, label_column, of, pick, position
from .packed import PackedLayer, data_script, number_layers, packed_layers
from .palette import LOAD_COLOURS, ROUTE, STATUS_COLOURS, TYPE_COLOURS

if TYPE_CHECKING:
    from ..scenarios import ScenarioResult

STATUS_MARKS = {
    "pass": ("✔", "#1a9850"),
    "fail": ("✘", "#d73027"),
    "no_data": ("–", "#777777"),
    "no_target": ("○", "#777777"),
    "total": ("Σ", "#2166ac"),
}
"""Scorecard marks of the map's summary panel (the status text is the mark's tooltip)."""


def status_labels(care_circle_min: float) -> dict[str, tuple[str, str]]:
    """Legend text of each community status, stating the configured care circle."""
    c = f"{care_circle_min:g}"
    return {
        "ok": (f"在{c}分钟服务圈内且面积达标", f"within {c} min, area standard met"),
        "covered": (
            f"在{c}分钟服务圈内（用房面积未提供数据）",
            f"within {c} min (no floor-area data)",
        ),
        "short_area": (f"在{c}分钟服务圈内但面积不足", f"within {c} min, floor area short"),
        "outside": (f"不在{c}分钟服务圈内", f"outside the {c}-minute care circle"),
        "unassessed": ("无法评估（离步行道路过远）", "not assessed (far from any street)"),
        "no_households": ("户数未提供数据（不计入比例）", "households not given (in no share)"),
    }


DISPLAY_TOLERANCE_M = 10.0
"""Isochrone outlines are simplified by this much for display (verdicts never use them)."""
DISPLAY_PRECISION_DEG = 1e-5
"""Coordinates on the map are rounded to this (about 1 m), which keeps map.html small."""


def band_opacity(band: float, bands: list[float]) -> float:
    """Fill opacity of a band: the nearest band most opaque (0.35), the farthest 0.12."""
    ordered = sorted(bands)
    if len(ordered) == 1:
        return 0.25
    return 0.35 - 0.23 * ordered.index(band) / (len(ordered) - 1)


def _t(key: str, language: str) -> str:
    return of(MAP_TEXT[key], language)


_INERT = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;", "{": "&#123;", "}": "&#125;"})


def _esc(value: object) -> str:
    """Escape text from input files so it can only ever be shown, never run.

    HTML-escapes the text, and replaces the characters that would give it meaning
    elsewhere in a folium page: backtick, ``$`` and backslash (folium puts popups in
    JS template literals) and both braces. Folium and branca render each element's
    output again as a Jinja template, so text that still held ``{{`` or ``{%`` would
    be executed on the second pass; without braces nothing in the text can form a
    template tag, however often it is rendered. Browsers show the entities as the
    original characters.
    """
    return html.escape(str(value), quote=True).translate(_INERT)


def build_map(  # noqa: PLR0913 - what is drawn, then how (keyword-only display options)
    assessment: Assessment,
    isochrones: gpd.GeoDataFrame | None,
    *,
    city: str,
    language: str = "zh",
    basemap: str = "none",
    tianditu_key: str | None = None,
    sites: gpd.GeoDataFrame | None = None,
    warnings: tuple[Finding, ...] = (),
    plans: Sequence[ScenarioResult] = (),
    routes: gpd.GeoDataFrame | None = None,
) -> folium.Map:
    """Build the Folium map of an assessment.

    Parameters
    ----------
    assessment
        The assessment (any projected CRS; drawn in WGS84).
    isochrones
        Isochrones with ``group``, ``band_min`` and geometry, already smoothed for
        display (``isochrones.for_display``; ``export.write_outputs`` does it), or None.
    city
        City name for the title.
    language
        {"zh", "en"}
    basemap
        {"none", "osm", "tianditu", "amap"} or an XYZ tile URL template with
        ``{x}``, ``{y}``, ``{z}`` (e.g. an intranet tile server). With "amap" every
        layer is shifted to GCJ-02 so it lines up with AMap's tiles.
    tianditu_key
        The user's Tianditu (天地图) key, needed for "tianditu".
    sites
        Proposed new sites (from ``siting``), drawn as numbered stars, or None.
    warnings
        Warnings that change how the results should be read; listed in the summary panel.
    plans
        Plans tested (``scenarios``): one layer each, off at first (``plan_layers``).
    routes
        Each gap compound's walk to its nearest care facility (``export.gap_routes``),
        one layer, off at first.

    Returns
    -------
    folium.Map
        The map, ready to be saved by ``export``.
    """
    gcj = basemap == "amap"
    com = to_display(assessment.communities, gcj02=gcj)
    fac = to_display(assessment.facilities, gcj02=gcj)
    places = [com] + [
        to_display(layer, gcj02=gcj)
        for layer in (assessment.villages, assessment.townships)
        if layer is not None and len(layer)
    ]
    fmap = _empty_map(np.array([layer.total_bounds for layer in places]), basemap, tianditu_key)
    if assessment.subdistricts is not None:
        _subdistrict_layer(to_display(assessment.subdistricts, gcj02=gcj), language).add_to(fmap)
    if assessment.townships is not None and len(assessment.townships):
        _township_layer(to_display(assessment.townships, gcj02=gcj), language).add_to(fmap)
    if isochrones is not None and len(isochrones):
        iso = gpd.GeoDataFrame(isochrones, geometry="geometry", crs=assessment.communities.crs)
        for layer in _band_layers(to_display(iso, gcj02=gcj), language):
            layer.add_to(fmap)
    circle = assessment.standards.care_circle_min
    _community_layer(com, language).add_to(fmap)
    if assessment.villages is not None and len(assessment.villages):
        _village_layer(to_display(assessment.villages, gcj02=gcj), language).add_to(fmap)
    area = assessment.standards.area_per_100_households_m2
    if assessment.service_areas is not None and len(assessment.service_areas):
        areas = to_display(assessment.service_areas, gcj02=gcj)
        _service_area_layer(areas, language, area).add_to(fmap)
    _facility_layer(fac, language, circle, area).add_to(fmap)
    if sites is not None and len(sites):
        _sites_layer(to_display(sites, gcj02=gcj), language).add_to(fmap)
    for layer in plan_layers(plans, language=language, gcj02=gcj):
        layer.add_to(fmap)
    if routes is not None and len(routes):
        _route_layer(to_display(routes, gcj02=gcj), language).add_to(fmap)
    present = {
        name
        for name, layer in (
            ("sites", sites),
            ("villages", assessment.villages),
            ("townships", assessment.townships),
            ("subdistricts", assessment.subdistricts),
            ("service_areas", assessment.service_areas),
        )
        if layer is not None and len(layer) > 0
    }
    dots = bool((shapely.get_type_id(assessment.communities.geometry.to_numpy()) == 0).all())
    statuses = set(community_status(assessment.communities))
    legend = _legend_html(
        fac,
        language,
        circle,
        statuses=statuses,
        compound_dots=dots,
        present=present,
        area_standard=area,
    )
    _page(fmap).html.add_child(_static_html(legend))
    _page(fmap).html.add_child(
        _static_html(_summary_html(assessment.scorecard, city, language, warnings))
    )
    folium.LayerControl(collapsed=False).add_to(fmap)
    return fmap


def _empty_map(bounds: np.ndarray, basemap: str, tianditu_key: str | None) -> folium.Map:
    """The map page fitted to ``bounds`` (rows of minx, miny, maxx, maxy), its tiles, scale."""
    minx, miny = bounds[:, :2].min(axis=0)
    maxx, maxy = bounds[:, 2:].max(axis=0)
    fmap = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=14,
        tiles=None,
        control_scale=False,
        prefer_canvas=True,  # one canvas for every vector layer: fast with many features
    )
    _page(fmap).html.add_child(_metric_scale(fmap.get_name()))
    for layer in basemap_layers(basemap, tianditu_key):
        layer.add_to(fmap)
    # leave room for the summary panel (left) and the layer list (right); no zoom animation,
    # so the page opens in its final view and every layer is drawn (and clickable) once
    view = folium.map.FitBounds(
        [[miny, minx], [maxy, maxx]], padding_top_left=(420, 10), padding_bottom_right=(260, 10)
    )
    view.options["animate"] = False
    fmap.add_child(view)
    return fmap


def _subdistrict_layer(subs: gpd.GeoDataFrame, language: str) -> folium.FeatureGroup:
    """Subdistrict outlines, dashed; those without a comprehensive centre in red."""
    group = folium.FeatureGroup(name=_t("subdistricts", language))
    for _, row in subs.iterrows():
        lacking = not bool(row["has_centre"])
        folium.GeoJson(
            row.geometry.__geo_interface__,
            style_function=lambda _f, lacking=lacking: {
                "color": "#d73027" if lacking else "#555555",
                "weight": 3 if lacking else 1.5,
                "dashArray": "6 4",
                "fillOpacity": 0.0,
            },
            tooltip=_esc(row["name"]) + (f" — {_t('no_centre', language)}" if lacking else ""),
        ).add_to(group)
    return group


def _band_layers(iso: gpd.GeoDataFrame, language: str) -> list[PackedLayer]:
    """One layer per facility group, its walking bands nested (largest drawn first)."""
    order = {g: i for i, g in enumerate(iso["group"].drop_duplicates())}
    iso = iso.sort_values(
        ["group", "band_min"], key=lambda c: c.map(order) if c.name == "group" else -c
    )
    bands = sorted({float(b) for b in iso["band_min"]})
    shown = "/".join(f"{b:g}" for b in bands)
    layers = []
    for name, part in iso.groupby("group", sort=False):
        if name in FACILITY_TYPES:
            label = pick(language, FACILITY_TYPES[name].label_zh, FACILITY_TYPES[name].label_en)
        else:
            label = _t("care_circle", language)
        colour = TYPE_COLOURS.get(name, "#4575b4")
        band_values = [float(b) for b in part["band_min"]]
        layers.append(
            PackedLayer(
                part.geometry.to_numpy(),
                list(range(len(band_values))),
                [
                    {
                        "color": colour,
                        "weight": 0.5,
                        "fillColor": colour,
                        "fillOpacity": band_opacity(b, bands),
                    }
                    for b in band_values
                ],
                name=f"{label} {shown}{_t('isochrone', language)}",
                show=name == "care_circle",
                interactive=False,
            )
        )
    return layers


def _township_layer(townships: gpd.GeoDataFrame, language: str) -> folium.FeatureGroup:
    """Township outlines; those without an elderly-service centre in red."""
    group = folium.FeatureGroup(name=_t("townships", language))
    for _, row in townships.iterrows():
        lacking = not bool(row["has_centre"])
        note = f" — {_t('no_township_centre', language)}" if lacking else ""
        folium.GeoJson(
            row.geometry.__geo_interface__,
            style_function=lambda _f, lacking=lacking: {
                "color": "#d73027" if lacking else "#1a9850",
                "weight": 2.5,
                "dashArray": "2 6",
                "fillOpacity": 0.0,
            },
            tooltip=_esc(row["name"]) + note,
        ).add_to(group)
    return group


def _village_layer(villages: gpd.GeoDataFrame, language: str) -> folium.FeatureGroup:
    """Villages as dots: green with a home-care facility in reach, red without."""
    group = folium.FeatureGroup(name=_t("villages", language))
    points = villages.geometry.representative_point()
    for (_, row), point in zip(villages.iterrows(), points, strict=True):
        served = bool(row["served"])
        status = _t("village_served" if served else "village_unserved", language)
        distance = row["home_care_m"]
        nearest = (
            f" · {_esc(row['home_care_name'])} {distance:,.0f} m" if np.isfinite(distance) else ""
        )
        folium.CircleMarker(
            location=[point.y, point.x],
            radius=7,
            color="#333333",
            weight=1,
            fill=True,
            fill_color="#1a9850" if served else "#d73027",
            fill_opacity=0.9,
            tooltip=f"{_esc(row['name'])}: {_esc(status)}{nearest}",
        ).add_to(group)
    return group


def _page(fmap: folium.Map) -> Figure:
    """The HTML page a map is drawn on (its root element)."""
    root = fmap.get_root()
    assert isinstance(root, Figure)
    return root


def _static_html(text: str) -> Element:
    """A page element holding ``text`` as data: branca never renders it as a template."""
    element = Element("{{ this.text }}")
    element.text = text  # type: ignore[attr-defined]
    return element


def _metric_scale(map_name: str) -> Element:
    """A metric-only scale bar, bottom right (folium's own shows feet as well).

    Added once the page's scripts have run, since folium writes child scripts
    before the map's own.
    """
    return folium.Element(
        "<script>document.addEventListener('DOMContentLoaded', function () {"
        f"L.control.scale({{imperial: false, position: 'bottomright'}}).addTo({map_name});"
        "});</script>"
    )


def to_display(gdf: gpd.GeoDataFrame, *, gcj02: bool = False) -> gpd.GeoDataFrame:
    """Geometries for drawing: WGS84 (or GCJ-02 for AMap tiles), rounded to about 1 m.

    Parameters
    ----------
    gdf
        A layer in any CRS.
    gcj02
        Shift to GCJ-02 so the layer lines up with AMap/Gaode tiles (about 500 m in
        Inner Mongolia); the data stay WGS84 everywhere else.

    Returns
    -------
    geopandas.GeoDataFrame
        The layer labelled EPSG:4326 (its coordinates are GCJ-02 when ``gcj02``).
    """
    out = gdf.to_crs(WGS84)
    geoms = out.geometry.to_numpy()
    if gcj02:
        geoms = shapely.transform(geoms, lambda xy: np.column_stack(wgs84_to_gcj02(*xy.T)))
    # repaired, then rounded vertex by vertex: reducing precision with a topology check
    # fails on some valid reprojected isochrones ("side location conflict"); drawing
    # needs rounded coordinates, not a re-noded polygon
    rounded = shapely.set_precision(
        shapely.make_valid(geoms), DISPLAY_PRECISION_DEG, mode="pointwise"
    )
    return out.set_geometry(rounded)


TIANDITU = "https://t{s}.tianditu.gov.cn/DataServer?T=%s_w&x={x}&y={y}&l={z}&tk=%s"
AMAP = "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"


def basemap_layers(basemap: str, tianditu_key: str | None = None) -> list[folium.TileLayer]:
    """Tile layers for a basemap choice; none for "none" (the data draw on a plain page).

    Parameters
    ----------
    basemap
        {"none", "osm", "tianditu", "amap"} or an XYZ URL template.
    tianditu_key
        Required for "tianditu".

    Returns
    -------
    list of folium.TileLayer
        Base layer first, then any label overlay.
    """
    if basemap == "none":
        return []
    if basemap == "osm":
        return [folium.TileLayer("OpenStreetMap", name="OpenStreetMap")]
    if basemap == "tianditu":
        attr = "天地图 © 国家地理信息公共服务平台"
        return [
            folium.TileLayer(
                TIANDITU % ("vec", tianditu_key),
                attr=attr,
                name="天地图",
                subdomains="01234567",
                max_zoom=18,
            ),
            folium.TileLayer(
                TIANDITU % ("cva", tianditu_key),
                attr=attr,
                name="天地图注记",
                subdomains="01234567",
                overlay=True,
                control=False,
                max_zoom=18,
            ),
        ]
    if basemap == "amap":
        return [
            folium.TileLayer(
                AMAP, attr="© 高德地图 AutoNavi", name="高德地图", subdomains="1234", max_zoom=18
            )
        ]
    return [folium.TileLayer(basemap, attr="tiles: " + html.escape(basemap), name="basemap")]


def _community_layer(com: gpd.GeoDataFrame, language: str) -> PackedLayer:
    """All communities as one packed layer coloured by status: polygons, or dots for points.

    Point compounds (the usual AMap/Baidu POI or spreadsheet list) are drawn as dots of
    a fixed screen size, so they stay visible when zoomed out; both kinds carry the same
    popup and tooltip.
    """
    minutes = _t("minutes", language)
    status = community_status(com)
    is_point = (shapely.get_type_id(com.geometry.to_numpy()) == 0).tolist()
    classes: dict[tuple[str, bool], int] = {}
    styles: list[dict[str, object]] = []
    for s, point in zip(status, is_point, strict=True):
        if (s, point) not in classes:
            classes[(s, point)] = len(styles)
            colour = STATUS_COLOURS[s]
            styles.append(
                {
                    "color": "#222222",
                    "weight": 0.6,
                    "fillColor": colour,
                    "fillOpacity": 0.9,
                    "radius": 5,
                }
                if point
                else {"color": colour, "weight": 1, "fillColor": colour, "fillOpacity": 0.55}
            )
    columns = {
        "name": com["name"].astype(str).tolist(),
        "households": [
            f"{h:.0f}" if np.isfinite(h) else _t("no_data", language)
            for h in com["households"].to_numpy(dtype=float)
        ],
        "elderly": com["elderly"].fillna(0).astype(int).tolist(),
        "walk": [
            f"{n} {m:.1f} {minutes}" if np.isfinite(m) else "—"
            for n, m in zip(com["nearest_name"], com["walk_min"], strict=True)
        ],
        "required": com["required_m2"].map("{:.0f} ㎡".format).tolist(),
        "available": com["available_m2"]
        .map(lambda a: f"{a:.0f} ㎡" if pd.notna(a) else _t("no_data", language))
        .tolist(),
        "reasons": com[f"reasons_{language}"].fillna("").astype(str).tolist(),
    }
    fields = [("name", ""), *((k, _t(k, language)) for k in list(columns)[1:])]
    return PackedLayer(
        com.geometry.to_numpy(),
        [classes[key] for key in zip(status, is_point, strict=True)],
        styles,
        name=_t("communities", language),
        fields=fields,
        columns=columns,
        tooltip="name",
        shrink=(1.0, 0.75, 0.55),
    )


def _facility_layer(
    fac: gpd.GeoDataFrame, language: str, care_circle_min: float, area_standard: float
) -> PackedLayer:
    """All facilities as one packed layer of dots coloured by type, with popups (load too)."""
    pos = position(language)
    types = fac["type"].tolist()
    kinds = list(dict.fromkeys(types))
    styles = [
        {
            "color": "#ffffff",
            "weight": 2,
            "fillColor": TYPE_COLOURS.get(t, "#444444"),
            "fillOpacity": 1.0,
            "radius": 9 if t == "centre" else 7,
        }
        for t in kinds
    ]
    columns = {
        "name": fac["name"].astype(str).tolist(),
        "type_label": [
            (FACILITY_TYPES[t].label_zh, FACILITY_TYPES[t].label_en)[pos] for t in types
        ],
        "floor_area": fac["floor_area_m2"]
        .map(lambda a: f"{a:.0f} ㎡" if pd.notna(a) else "—")
        .tolist(),
        "beds": fac["beds"].map(lambda b: f"{b:.0f}" if pd.notna(b) else "—").tolist(),
        "within": fac.get("households_within", pd.Series(0, index=fac.index)).astype(int).tolist(),
        "served": fac["served_households"].astype(int).tolist(),
        "served_m2": fac["served_m2_per_100hh"]
        .map(lambda a: f"{a:.1f} ㎡" if pd.notna(a) else "—")
        .tolist(),
        "load": [_load_text(k, language, area_standard) for k in fac["load_status"]],
    }
    within = _t("within", language).format(c=f"{care_circle_min:g}")
    labels = [
        "",
        _t("type", language),
        _t("floor_area", language),
        _t("beds", language),
        within,
        _t("served_households", language),
        _t("served_m2", language),
        _t("load", language),
    ]
    return PackedLayer(
        fac.geometry.to_numpy(),
        [kinds.index(t) for t in types],
        styles,
        name=_t("facilities", language),
        fields=list(zip(columns, labels, strict=True)),
        columns=columns,
        tooltip="name",
        shrink=(1.0, 0.6, 0.35),  # below the compounds' dots at city scale
    )


def _route_layer(routes: gpd.GeoDataFrame, language: str) -> folium.FeatureGroup:
    """The walk behind each gap: compound to nearest care facility, minutes and metres."""
    group = folium.FeatureGroup(name=_t("routes", language), show=False)
    minutes = _t("minutes", language)
    for row in routes.itertuples(index=False):
        coords = shapely.get_coordinates(row.geometry)
        text = f"{row.name} → {row.facility_name}: {row.walk_min:g} {minutes} ({row.walk_m:,.0f} m)"
        folium.PolyLine(
            [(float(y), float(x)) for x, y in coords],
            color=ROUTE,
            weight=2.5,
            opacity=0.8,
            dash_array="6 4",
            tooltip=_esc(text),
        ).add_to(group)
    return group


def _load_text(status: str, language: str, area_standard: float) -> str:
    """A facility's load in words ("" for facilities outside the care circle's types)."""
    if not status:
        return "—"
    return of(LOAD_TEXT[status], language).format(a=f"{area_standard:g}")


def _service_area_layer(
    areas: gpd.GeoDataFrame, language: str, area_standard: float
) -> PackedLayer:
    """Each care facility's 责任区 (its compounds, merged) coloured by its load; off at first."""
    statuses = list(LOAD_COLOURS)
    styles = [
        {
            "color": LOAD_COLOURS[k],
            "weight": 1.5,
            "fillColor": LOAD_COLOURS[k],
            "fillOpacity": 0.25,
        }
        for k in statuses
    ]
    columns = {
        "name": areas["name"].astype(str).tolist(),
        "served": areas["served_households"].astype(int).tolist(),
        "served_m2": areas["served_m2_per_100hh"]
        .map(lambda a: f"{a:.1f} ㎡" if pd.notna(a) else "—")
        .tolist(),
        "load": [_load_text(k, language, area_standard) for k in areas["load_status"]],
    }
    labels = [
        "",
        _t("served_households", language),
        _t("served_m2", language),
        _t("load", language),
    ]
    return PackedLayer(
        areas.geometry.to_numpy(),
        [statuses.index(k) for k in areas["load_status"]],
        styles,
        name=_t("service_areas", language),
        show=False,
        fields=list(zip(columns, labels, strict=True)),
        columns=columns,
        tooltip="name",
    )


def _sites_layer(sites: gpd.GeoDataFrame, language: str) -> folium.FeatureGroup:
    """Proposed sites: numbered markers (plain HTML, no icon font) with what each adds."""
    group = folium.FeatureGroup(name=_t("sites", language))
    for _, row in sites.iterrows():
        lines = [
            f"<b>{_esc(_t('sites', language))} #{int(row['rank'])}</b>",
            _esc(row.get("name", "")),
            f"{_esc(_t('households_new', language))}: {int(row['households_new'])}",
            f"{_esc(_t('elderly_new', language))}: {int(row['elderly_new'])}",
            f"{_esc(_t('recommended_m2', language))}: {int(row['recommended_m2'])} ㎡",
        ]
        folium.Marker(
            location=[row.geometry.y, row.geometry.x],
            icon=folium.DivIcon(
                html=f"<div class='gc-site'>{int(row['rank'])}</div>",
                icon_size=(24, 24),
                icon_anchor=(12, 12),
            ),
            tooltip=_esc(f"#{int(row['rank'])} {row.get('name', '')}"),
        ).add_child(BoundPopup("<br>".join(lines), max_width=320)).add_to(group)
    return group


def _legend_html(
    fac: pd.DataFrame,
    language: str,
    care_circle_min: float,
    *,
    statuses: set[str],
    compound_dots: bool = False,
    present: set[str] | frozenset[str] = frozenset(),
    area_standard: float = 20.0,
) -> str:
    """The legend: statuses, facility types and the layers ``present`` (sites, villages, …)."""
    pos = position(language)
    labels = status_labels(care_circle_min)
    items = [
        f"<div><span class='gc-dot' style='background:{TYPE_COLOURS[t]}'></span>"
        f"{_esc((FACILITY_TYPES[t].label_zh, FACILITY_TYPES[t].label_en)[pos])}</div>"
        for t in FACILITY_TYPES
        if (fac["type"] == t).any()
    ]
    # point compounds are dots on the map, polygons are areas: the legend draws the same
    shape = (
        "gc-dot' style='border-color:#222;width:9px;height:9px;"
        if compound_dots
        else "gc-box' style='"
    )
    items += [
        f"<div><span class='{shape}background:{STATUS_COLOURS[s]}'></span>"
        f"{_esc(labels[s][pos])}</div>"
        for s in STATUS_COLOURS
        if s in statuses
    ]
    if "subdistricts" in present:
        items.append(
            "<div><span class='gc-box' style='border:2px dashed #d73027;background:none'></span>"
            f"{_esc(_t('no_centre', language))}</div>"
        )
    if "townships" in present:
        items.append(
            "<div><span class='gc-box' style='border:2px dotted #d73027;background:none'></span>"
            f"{_esc(_t('townships', language))}: {_esc(_t('no_township_centre', language))}</div>"
        )
    if "villages" in present:
        items += [
            f"<div><span class='gc-dot' style='background:{colour};border-color:#333'></span>"
            f"{_esc(_t('villages', language).split('（')[0].split(' (')[0])}: "
            f"{_esc(_t(key, language))}</div>"
            for key, colour in (("village_served", "#1a9850"), ("village_unserved", "#d73027"))
        ]
    if "service_areas" in present:
        area = _t("service_area", language)
        for key in ("ok", "overloaded"):
            text = of(LOAD_TEXT[key], language).format(a=f"{area_standard:g}")
            items.append(
                f"<div><span class='gc-box' style='background:{LOAD_COLOURS[key]};opacity:.5'>"
                f"</span>{_esc(area)}: {_esc(text)}</div>"
            )
    if "sites" in present:
        items.append(
            "<div><span class='gc-box' style='background:#5e3c99'></span>"
            f"{_esc(_t('sites', language))}</div>"
        )
    return (
        "<style>.gc-panel{position:fixed;z-index:9999;background:#fff;padding:8px 10px;"
        "border-radius:6px;box-shadow:0 1px 4px rgba(0,0,0,.35);font:12px/1.5 sans-serif}"
        ".gc-dot{display:inline-block;width:11px;height:11px;border-radius:50%;margin-right:6px;"
        "border:1px solid #fff}.gc-box{display:inline-block;width:14px;height:10px;"
        "margin-right:6px}.gc-popup th{text-align:left;padding-right:8px;color:#555;"
        "font-weight:normal}"
        ".gc-popup th[colspan]{color:#000;font-weight:bold}.gc-popup td{max-width:220px}"
        ".gc-site{width:22px;height:22px;border-radius:4px;background:#5e3c99;color:#fff;"
        "font:bold 13px/22px sans-serif;text-align:center;border:2px solid #fff;"
        "box-shadow:0 1px 3px rgba(0,0,0,.5)}</style>"
        "<div class='gc-panel' id='gc-legend' style='bottom:64px;right:10px'>"
        f"{''.join(items)}</div>"
    )


def _summary_html(
    scorecard: pd.DataFrame, city: str, language: str, warnings: tuple[Finding, ...] = ()
) -> str:
    label = label_column(language)
    pos = position(language)
    rows = []
    for r in scorecard.to_dict(orient="records"):
        measured = _esc(format_value(r["measured"], r["unit"], language=language))
        target = _esc(format_target(r, language=language))
        mark, colour = STATUS_MARKS[r["status"]]
        rows.append(
            f"<tr><td>{_esc(r[label])}</td><td style='text-align:right'>{measured}</td>"
            f"<td style='color:#777'>{target}</td>"
            f"<td style='color:{colour}' title='{_esc(STATUS_TEXT[r['status']][pos])}'>{mark}</td>"
            "</tr>"
        )
    shown = dict.fromkeys(scorecard["status"])
    key = (
        "<div style='color:#555;margin:2px 0 4px'>"
        + " · ".join(
            f"<span style='color:{STATUS_MARKS[st][1]}'>{STATUS_MARKS[st][0]}</span> "
            f"{_esc(STATUS_TEXT[st][pos])}"
            for st in STATUS_MARKS
            if st in shown
        )
        + "</div>"
    )
    notes = ""
    if warnings:
        items = "".join(f"<li>{_esc(w.text(language))}</li>" for w in warnings)
        notes = (
            f"<div id='gc-warnings' style='max-height:160px;overflow:auto;color:#8a4b00'>"
            f"<b>⚠ {_esc(_t('warnings', language))}</b><ul style='margin:2px 0;"
            f"padding-left:16px'>{items}</ul></div>"
        )
    return (
        f"<div class='gc-panel' id='gc-summary' style='top:10px;left:60px;max-width:420px'>"
        f"<details open><summary><b>{_esc(city)} · {_esc(_t('summary', language))}</b></summary>"
        f"<table>{''.join(rows)}</table>{key}{notes}</details></div>"
    )


LEAFLET = Path(__file__).parents[1] / "assets" / "leaflet"
"""Leaflet 1.9.4's dist files, shipped with the package (checksums in SHA256SUMS)."""


def _inline_css() -> str:
    """Leaflet's CSS with its images as data URIs."""
    css = (LEAFLET / "leaflet.css").read_text(encoding="utf-8")

    def data_uri(match: re.Match[str]) -> str:
        encoded = base64.b64encode((LEAFLET / match.group(1)).read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{encoded})"

    return re.sub(r"url\((images/[\w.-]+\.png)\)", data_uri, css)


class BoundPopup(MacroElement):
    """A popup bound to its parent marker or layer with Leaflet's own ``bindPopup``.

    folium's ``Popup`` builds its content with jQuery; this one passes the content as
    a JSON string literal (``<`` and ``>`` as JS escapes, so it cannot close the
    script), so the page needs nothing but Leaflet. The content must already be safe
    HTML (``_esc`` on every piece of input text, which also removes braces).
    """

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "{{ this._parent.get_name() }}.bindPopup({{ this.content }}, "
        "{maxWidth: {{ this.max_width }}});"
        "{% endmacro %}"
    )

    def __init__(self, html_text: str, *, max_width: int = 300) -> None:
        super().__init__()
        self._name = "BoundPopup"
        literal = json.dumps(html_text, ensure_ascii=False)
        self.content = literal.replace("<", "\\u003c").replace(">", "\\u003e")
        self.max_width = int(max_width)


def _element_ids(root: object) -> set[str]:
    """The random ids branca gave ``root`` and every element reachable from it."""
    ids: set[str] = set()
    seen: set[int] = set()
    stack = [root]
    while stack:
        element = stack.pop()
        if id(element) in seen:
            continue
        seen.add(id(element))
        ids.add(element._id)  # type: ignore[attr-defined]
        stack += list(element._children.values())  # type: ignore[attr-defined]
        stack += [v for v in vars(element).values() if isinstance(v, Element)]
    return ids


def _stable_ids(fmap: object, page: str) -> str:
    """Replace branca's random element ids by their order of appearance in ``page``.

    Identical inputs then give an identical page, byte for byte. Only the ids of
    the map's own elements are replaced, never other text that looks like one.
    """
    ids = _element_ids(fmap.get_root())  # type: ignore[attr-defined]
    order: dict[str, str] = {}

    def number(match: re.Match[str]) -> str:
        found = match.group(1)
        if found not in ids:
            return match.group(0)
        return "_" + order.setdefault(found, f"gc{len(order) + 1}")

    return re.sub(r"_([0-9a-f]{32})(?![0-9a-f])", number, page)


def map_html(fmap: object, *, offline: bool = True) -> str:
    """Render a Folium map to one HTML page, self-contained when ``offline``.

    Offline, the map's default CDN assets are replaced by Leaflet's own JS and CSS
    (images as data URIs), inlined from the files shipped with the package. Popups use
    Leaflet's ``bindPopup`` (``BoundPopup``), so jQuery, Bootstrap, Font Awesome and
    awesome-markers are not needed.

    Parameters
    ----------
    fmap
        A ``folium.Map``.
    offline
        Inline assets (default) or keep folium's CDN links (smaller file).

    Returns
    -------
    str
        The page's HTML.
    """
    if offline:  # no CDN links: Leaflet itself is inlined below, nothing else is needed
        fmap.default_js, fmap.default_css = [], []  # type: ignore[attr-defined]
    packed = packed_layers(fmap)  # type: ignore[arg-type]
    number_layers(packed)
    page = _stable_ids(fmap, fmap.get_root().render())  # type: ignore[attr-defined]
    # the packed data go in after rendering: they never pass through a template engine
    page = page.replace("</head>", data_script(packed) + "\n</head>", 1)
    if not offline:
        return page
    assets = (
        f"<style>{_inline_css()}</style>\n"
        f"<script>{(LEAFLET / 'leaflet.js').read_text(encoding='utf-8')}</script>"
    )
    return page.replace("<head>", "<head>\n" + assets, 1)


def changes_map(
    changes: gpd.GeoDataFrame,
    *,
    city: str,
    language: str = "zh",
    context: gpd.GeoDataFrame | None = None,
) -> folium.Map:
    """The compounds whose status changed between two runs, coloured by their status now.

    Parameters
    ----------
    changes
        ``apps.compare.changed_compounds``: ``name``, ``old_status``, ``new_status``
        (statuses in words or "" where absent) and geometry in WGS84.
    city
        The place, for the title.
    language
        {"zh", "en"}
    context
        Every compound of the new run (WGS84), drawn faintly underneath, or None.

    Returns
    -------
    folium.Map
        The changed compounds as one packed layer (a compound gone from the new run is
        grey) over the others, with a legend of the statuses now.
    """
    shown = [g for g in (changes, context) if g is not None and len(g)]
    bounds = np.array([g.total_bounds for g in shown]) if shown else np.array([[0, 0, 0, 0]])
    fmap = _empty_map(bounds, "none", None)
    if context is not None and len(context):
        PackedLayer(
            context.geometry.to_numpy(),
            [0] * len(context),
            [{"color": "#999999", "weight": 0.6, "fillColor": "#dddddd", "fillOpacity": 0.4}],
            name=pick(language, "全部小区（本期）", "All compounds (now)"),
            interactive=False,
        ).add_to(fmap)
    keys = [*STATUS_COLOURS, ""]
    styles = [
        {
            "color": STATUS_COLOURS.get(k, "#bdbdbd"),
            "weight": 1.5,
            "fillColor": STATUS_COLOURS.get(k, "#bdbdbd"),
            "fillOpacity": 0.7,
            "radius": 6,
        }
        for k in keys
    ]
    words = {k: _esc(v[position(language)]) for k, v in change_words().items()}
    columns = {
        "name": changes["name"].astype(str).tolist(),
        "old": [words.get(s, "—") for s in changes["old_status"]],
        "new": [words.get(s, "—") for s in changes["new_status"]],
    }
    title = pick(language, f"{city}：状态变化的小区", f"{city}: compounds that changed")
    if len(changes):
        PackedLayer(
            changes.geometry.to_numpy(),
            [keys.index(s) if s in keys else len(keys) - 1 for s in changes["new_status"]],
            styles,
            name=title,
            fields=[
                ("name", ""),
                ("old", pick(language, "上期", "before")),
                ("new", pick(language, "本期", "now")),
            ],
            columns=columns,
            tooltip="name",
        ).add_to(fmap)
    note = pick(
        language,
        f"{city}：{len(changes)} 个小区状态变化（颜色为本期状态，灰色为本期已无此小区）",
        f"{city}: {len(changes)} compounds changed (coloured by their status now; grey: gone)",
    )
    entries = "".join(
        f"<div><span style='display:inline-block;width:12px;height:12px;margin-right:6px;"
        f"background:{STATUS_COLOURS[k]}'></span>{_esc(words[k])}</div>"
        for k in STATUS_COLOURS
        if k in set(changes["new_status"])
    )
    _page(fmap).html.add_child(
        _static_html(
            "<div class='gc-panel' style='position:fixed;z-index:9999;background:#fff;"
            f"top:10px;left:60px;max-width:480px;padding:8px;font:13px sans-serif'>{_esc(note)}"
            f"{entries}</div>"
        )
    )
    folium.LayerControl(collapsed=False).add_to(fmap)
    return fmap


def plan_layers(
    plans: Sequence[ScenarioResult], *, language: str, gcj02: bool
) -> list[PackedLayer]:
    """One layer per plan (off at first): its planned facilities and the compounds it changes.

    Planned facilities are purple dots; changed compounds are coloured by their status
    under the plan, their popups saying 现状 → 方案.
    """
    words = {k: v[position(language)] for k, v in change_words().items()}
    keys = [*STATUS_COLOURS, "planned"]
    styles = [
        {
            "color": STATUS_COLOURS[k],
            "weight": 1.5,
            "fillColor": STATUS_COLOURS[k],
            "fillOpacity": 0.75,
            "radius": 6,
        }
        for k in STATUS_COLOURS
    ] + [{"color": "#ffffff", "weight": 2, "fillColor": "#5e3c99", "fillOpacity": 1, "radius": 9}]
    layers = []
    for number, plan in enumerate(plans, start=1):
        changed = to_display(plan.changed, gcj02=gcj02)
        planned = to_display(plan.planned, gcj02=gcj02) if len(plan.planned) else None
        geoms = list(changed.geometry.to_numpy())
        classes = [keys.index(k) if k in keys else 0 for k in changed["new_status"]]
        names = changed["name"].astype(str).tolist()
        before = [words.get(k, "—") for k in changed["old_status"]]
        after = [words.get(k, "—") for k in changed["new_status"]]
        if planned is not None:
            geoms += list(planned.geometry.to_numpy())
            classes += [len(keys) - 1] * len(planned)
            names += planned["name"].astype(str).tolist()
            before += ["—"] * len(planned)
            after += [of(SCENARIO_TEXT["planned"], language)] * len(planned)
        if not geoms:
            continue
        plan_word = of(SCENARIO_TEXT["plan"], language)
        layers.append(
            PackedLayer(
                np.asarray(geoms, dtype=object),
                classes,
                styles,
                name=_esc(f"{plan_word}{number}：{plan.name}"),  # the layer list is HTML
                show=False,
                fields=[
                    ("name", ""),
                    ("before", of(SCENARIO_TEXT["today"], language)),
                    ("after", plan_word),
                ],
                columns={"name": names, "before": before, "after": after},
                tooltip="name",
            )
        )
    return layers


def change_words() -> dict[str, tuple[str, str]]:
    """A compound status in words without the minutes (the runs share their circle)."""
    return {
        "ok": ("服务圈内且面积达标", "within the circle, area met"),
        "covered": ("服务圈内（面积未提供数据）", "within the circle (no area data)"),
        "short_area": ("服务圈内但面积不足", "within the circle, area short"),
        "outside": ("不在服务圈内", "outside the circle"),
        "unassessed": ("无法评估", "not assessed"),
        "no_households": ("户数未提供数据", "households not given"),
    }


class IndexPlace(Protocol):
    """What the index map reads of each place of a batch (``batch.CityOutcome``)."""

    @property
    def city(self) -> str:
        """The place's name."""
        ...

    @property
    def config(self) -> str:
        """Its config file."""
        ...

    @property
    def status(self) -> str:
        """How the run ended: "done", "skipped" (unchanged since the last run) or "failed"."""
        ...

    @property
    def error(self) -> str:
        """Why it failed ("" otherwise)."""
        ...

    @property
    def map_path(self) -> str:
        """Its own map.html."""
        ...

    @property
    def outline(self) -> dict[str, Any] | None:
        """Its outline as GeoJSON (WGS84), None when it failed."""
        ...

    @property
    def indicators(self) -> dict[str, dict[str, Any]]:
        """Indicator key -> its scorecard row."""
        ...


def index_map(outcomes: Sequence[IndexPlace], folder: Path, *, language: str = "zh") -> folium.Map:
    """Index map of a batch: each place's outline coloured by care-circle coverage, linked.

    Parameters
    ----------
    outcomes
        Every place of the batch (``batch.CityOutcome``).
    folder
        Where the index map will be written (links to each city's map are relative).
    language
        {"zh", "en"}

    Returns
    -------
    folium.Map
        The index map.
    """
    import os

    done = [o for o in outcomes if o.outline is not None]
    fmap = folium.Map(location=[40, 112], zoom_start=5, tiles=None, control_scale=False)
    _page(fmap).html.add_child(_metric_scale(fmap.get_name()))
    bounds = []
    for o in done:
        row = o.indicators.get("care_circle_households", {})
        share = row.get("measured") or 0.0
        colour = _coverage_colour(share)
        link = os.path.relpath(o.map_path, folder).replace(os.sep, "/")
        # each city's own label: its care circle may be 10 minutes, another's 15
        label = row.get(label_column(language), "")
        open_map = pick(language, "打开地图", "open map")
        html_text = (
            f"<b>{_esc(o.city)}</b><br>{_esc(label)}: {100 * share:.1f}%<br>"
            f"<a href='{_esc(link)}' target='_blank'>{open_map}</a>"
        )
        layer = folium.GeoJson(
            o.outline,
            style_function=lambda _f, c=colour: {
                "color": c,
                "weight": 2,
                "fillColor": c,
                "fillOpacity": 0.5,
            },
            tooltip=_esc(f"{o.city}: {100 * share:.1f}%"),
        ).add_child(BoundPopup(html_text, max_width=300))
        layer.add_to(fmap)
        shape = shapely.geometry.shape(o.outline)
        minx, miny, maxx, maxy = shape.bounds
        bounds += [[miny, minx], [maxy, maxx]]
    if bounds:
        fmap.fit_bounds(bounds)
    failed = [o for o in outcomes if o.status == "failed"]
    if failed:
        items = "".join(f"<li>{_esc(Path(o.config).name)}: {_esc(o.error)}</li>" for o in failed)
        title = pick(language, "未完成", "failed")
        _page(fmap).html.add_child(
            _static_html(
                f"<div class='gc-panel' style='position:fixed;z-index:9999;background:#fff;"
                f"top:10px;left:60px;max-width:480px;padding:8px;font:12px sans-serif'>"
                f"<b>{title}</b><ul>{items}</ul></div>"
            )
        )
    return fmap


def _coverage_colour(share: float) -> str:
    """Red (0%) through yellow to green (100%)."""
    share = min(max(share, 0.0), 1.0)
    if share < 0.5:
        r, g = 215, int(48 + (217 - 48) * share / 0.5)
    else:
        r, g = (
            int(215 - (215 - 26) * (share - 0.5) / 0.5),
            int(217 - (217 - 152) * (share - 0.5) / 0.5),
        )
    return f"#{r:02x}{g:02x}3c"
