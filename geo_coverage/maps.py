"""Build the interactive planner map (a Folium object; writing it is ``export``'s job).

One FeatureGroup per theme (subdistricts, isochrone bands per facility type,
communities by status, facilities by type) with a legend, a summary panel and a
layer control added last. Every string that comes from input files is
HTML-escaped before it reaches the page.
"""

from __future__ import annotations

import base64
import html
import importlib.util
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .assess import Assessment
from .coords import wgs84_to_gcj02
from .export import format_value
from .standards import FACILITY_TYPES

WGS84 = "EPSG:4326"

TYPE_COLOURS = {
    "centre": "#b2182b",
    "day_care": "#ef8a62",
    "station": "#f4a582",
    "mutual_aid": "#8c510a",
    "nursing_home": "#2166ac",
    "welfare_home": "#67a9cf",
    "canteen": "#1b7837",
    "health": "#762a83",
}
STATUS_COLOURS = {"ok": "#1a9850", "short_area": "#fdae61", "outside": "#d73027"}
STATUS_LABELS = {
    "ok": ("在服务圈内且面积达标", "covered, area standard met"),
    "short_area": ("在服务圈内但面积不足", "covered, floor area short"),
    "outside": ("不在15分钟服务圈内", "outside the care circle"),
}
DISPLAY_TOLERANCE_M = 10.0
"""Isochrone outlines are simplified by this much for display (verdicts never use them)."""
BAND_OPACITY = {5.0: 0.35, 10.0: 0.22, 15.0: 0.12}
TEXT = {
    "facilities": ("养老服务设施", "Facilities"),
    "communities": ("小区（按状态着色）", "Communities by status"),
    "subdistricts": ("街道", "Subdistricts"),
    "no_centre": ("缺综合养老服务中心的街道", "Subdistrict lacking a centre"),
    "isochrone": ("分钟步行圈", "-min walk"),
    "care_circle": ("社区养老服务设施", "Community care facilities"),
    "households": ("户数", "households"),
    "elderly": ("60岁以上", "elderly 60+"),
    "walk": ("最近设施步行", "walk to nearest"),
    "minutes": ("分钟", "min"),
    "required": ("应配面积", "required"),
    "available": ("现有面积", "available"),
    "floor_area": ("建筑面积", "floor area"),
    "beds": ("床位", "beds"),
    "within": ("15分钟内住户", "households within 15 min"),
    "sites": ("建议新建养老服务设施", "Proposed new facilities"),
    "households_new": ("新覆盖户数", "households newly covered"),
    "elderly_new": ("新覆盖老年人", "elderly newly covered"),
    "recommended_m2": ("建议建筑面积", "recommended floor area"),
    "summary": ("评估摘要", "Summary"),
}


def _t(key: str, language: str) -> str:
    return TEXT[key][0 if language == "zh" else 1]


def _esc(value: object) -> str:
    """Escape text from input files for HTML and for the JS template literals folium emits."""
    text = html.escape(str(value), quote=True)
    return text.replace("`", "&#96;").replace("$", "&#36;").replace("\\", "&#92;")


def community_status(communities: pd.DataFrame) -> np.ndarray:
    """Status of each community: 'ok', 'short_area' or 'outside' (the care circle)."""
    covered = communities["covered"].to_numpy(dtype=bool)
    meets = communities["meets_area"].to_numpy(dtype=bool)
    return np.where(~covered, "outside", np.where(meets, "ok", "short_area"))


def build_map(
    assessment: Assessment,
    isochrones: gpd.GeoDataFrame | None,
    *,
    city: str,
    language: str = "zh",
    basemap: str = "none",
    tianditu_key: str | None = None,
    sites: gpd.GeoDataFrame | None = None,
) -> object:
    """Build the Folium map of an assessment.

    Parameters
    ----------
    assessment
        The assessment (any projected CRS; drawn in WGS84).
    isochrones
        Dissolved isochrones with ``type``, ``band_min`` and geometry, or None.
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

    Returns
    -------
    folium.Map
        The map, ready to be saved by ``export``.
    """
    import folium

    pos = 0 if language == "zh" else 1
    gcj = basemap == "amap"
    com = to_display(assessment.communities, gcj02=gcj)
    fac = to_display(assessment.facilities, gcj02=gcj)
    minx, miny, maxx, maxy = com.total_bounds
    fmap = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=14,
        tiles=None,
        control_scale=False,
        prefer_canvas=False,
    )
    fmap.get_root().html.add_child(_metric_scale(fmap.get_name()))
    for layer in basemap_layers(basemap, tianditu_key):
        layer.add_to(fmap)
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    if assessment.subdistricts is not None:
        subs = to_display(assessment.subdistricts, gcj02=gcj)
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
        group.add_to(fmap)
    if isochrones is not None and len(isochrones):
        iso = gpd.GeoDataFrame(isochrones, geometry="geometry", crs=assessment.communities.crs)
        iso["geometry"] = iso.geometry.simplify(DISPLAY_TOLERANCE_M)
        iso = to_display(iso, gcj02=gcj)
        order = {g: i for i, g in enumerate(iso["group"].drop_duplicates())}
        iso = iso.sort_values(
            ["group", "band_min"], key=lambda c: c.map(order) if c.name == "group" else -c
        )
        for (name, band), part in iso.groupby(["group", "band_min"], sort=False):
            if name in FACILITY_TYPES:
                label = (FACILITY_TYPES[name].label_zh, FACILITY_TYPES[name].label_en)[pos]
            else:
                label = _t("care_circle", language)
            group = folium.FeatureGroup(
                name=f"{label} {band:g}{_t('isochrone', language)}", show=name == "care_circle"
            )
            colour = TYPE_COLOURS.get(name, "#4575b4")
            folium.GeoJson(
                part.geometry.iloc[0].__geo_interface__,
                style_function=lambda _f, c=colour, b=band: {
                    "color": c,
                    "weight": 0.5,
                    "fillColor": c,
                    "fillOpacity": BAND_OPACITY.get(float(b), 0.15),
                },
            ).add_to(group)
            group.add_to(fmap)
    _community_layer(com, language).add_to(fmap)
    _facility_layer(fac, language).add_to(fmap)
    if sites is not None and len(sites):
        _sites_layer(to_display(sites, gcj02=gcj), language).add_to(fmap)
    fmap.get_root().html.add_child(
        folium.Element(_legend_html(fac, language, has_sites=sites is not None and len(sites) > 0))
    )
    fmap.get_root().html.add_child(
        folium.Element(_summary_html(assessment.scorecard, city, language))
    )
    folium.LayerControl(collapsed=False).add_to(fmap)
    return fmap


def _metric_scale(map_name: str) -> object:
    """A metric-only scale bar, bottom right (folium's own shows feet as well).

    Added once the page's scripts have run, since folium writes child scripts
    before the map's own.
    """
    import folium

    return folium.Element(
        "<script>document.addEventListener('DOMContentLoaded', function () {"
        f"L.control.scale({{imperial: false, position: 'bottomright'}}).addTo({map_name});"
        "});</script>"
    )


def to_display(gdf: gpd.GeoDataFrame, *, gcj02: bool = False) -> gpd.GeoDataFrame:
    """Geometries for drawing: WGS84 (or GCJ-02 for AMap tiles), rounded to 1e-6 degrees.

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
    return out.set_geometry(shapely.set_precision(geoms, 1e-6))


TIANDITU = "https://t{s}.tianditu.gov.cn/DataServer?T=%s_w&x={x}&y={y}&l={z}&tk=%s"
AMAP = "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"


def basemap_layers(basemap: str, tianditu_key: str | None = None) -> list[object]:
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
    import folium

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


def _community_layer(com: gpd.GeoDataFrame, language: str) -> object:
    """All communities as one GeoJSON layer, coloured by status, with popups."""
    import folium

    minutes = _t("minutes", language)
    props = gpd.GeoDataFrame(
        {
            "name": com["name"].map(_esc),
            "households": com["households"].astype(int),
            "elderly": com["elderly"].fillna(0).astype(int),
            "walk": [
                f"{_esc(n)} {m:.1f} {minutes}" if np.isfinite(m) else "—"
                for n, m in zip(com["nearest_name"], com["walk_min"], strict=True)
            ],
            "required": com["required_m2"].map("{:.0f} ㎡".format),
            "available": com["available_m2"].map("{:.0f} ㎡".format),
            "reasons": com[f"reasons_{language}"].map(_esc),
            "status": community_status(com),
        },
        geometry=com.geometry.to_numpy(),
        crs=WGS84,
    )
    fields = ["name", "households", "elderly", "walk", "required", "available", "reasons"]
    aliases = ["", *(_t(k, language) for k in fields[1:-1]), ""]
    return folium.GeoJson(
        props.to_json(drop_id=True),
        name=_t("communities", language),
        style_function=lambda f: {
            "color": STATUS_COLOURS[f["properties"]["status"]],
            "weight": 1,
            "fillColor": STATUS_COLOURS[f["properties"]["status"]],
            "fillOpacity": 0.55,
        },
        popup=folium.GeoJsonPopup(fields=fields, aliases=aliases, localize=False, labels=True),
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
    )


def _facility_layer(fac: gpd.GeoDataFrame, language: str) -> object:
    """All facilities as one GeoJSON layer of circle markers coloured by type, with popups."""
    import folium

    pos = 0 if language == "zh" else 1
    props = gpd.GeoDataFrame(
        {
            "name": fac["name"].map(_esc),
            "type_label": [
                (FACILITY_TYPES[t].label_zh, FACILITY_TYPES[t].label_en)[pos] for t in fac["type"]
            ],
            "floor_area": fac["floor_area_m2"].map(lambda a: f"{a:.0f} ㎡" if pd.notna(a) else "—"),
            "beds": fac["beds"].map(lambda b: f"{b:.0f}" if pd.notna(b) else "—"),
            "within": fac.get("households_within", pd.Series(0, index=fac.index)).astype(int),
            "type": fac["type"],
        },
        geometry=fac.geometry.to_numpy(),
        crs=WGS84,
    )
    fields = ["name", "type_label", "floor_area", "beds", "within"]
    aliases = ["", "", _t("floor_area", language), _t("beds", language), _t("within", language)]
    return folium.GeoJson(
        props.to_json(drop_id=True),
        name=_t("facilities", language),
        marker=folium.CircleMarker(
            radius=7, color="#ffffff", weight=2, fill=True, fill_opacity=1.0
        ),
        style_function=lambda f: {
            "fillColor": TYPE_COLOURS.get(f["properties"]["type"], "#444444"),
            "radius": 9 if f["properties"]["type"] == "centre" else 7,
        },
        popup=folium.GeoJsonPopup(fields=fields, aliases=aliases, localize=False, labels=True),
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
    )


def _sites_layer(sites: gpd.GeoDataFrame, language: str) -> object:
    """Proposed sites: numbered markers (plain HTML, no icon font) with what each adds."""
    import folium

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
            popup=folium.Popup("<br>".join(lines), max_width=320),
            tooltip=_esc(f"#{int(row['rank'])} {row.get('name', '')}"),
        ).add_to(group)
    return group


def _legend_html(fac: pd.DataFrame, language: str, *, has_sites: bool = False) -> str:
    pos = 0 if language == "zh" else 1
    items = [
        f"<div><span class='gc-dot' style='background:{TYPE_COLOURS[t]}'></span>"
        f"{_esc((FACILITY_TYPES[t].label_zh, FACILITY_TYPES[t].label_en)[pos])}</div>"
        for t in FACILITY_TYPES
        if (fac["type"] == t).any()
    ]
    items += [
        f"<div><span class='gc-box' style='background:{STATUS_COLOURS[s]}'></span>"
        f"{_esc(STATUS_LABELS[s][pos])}</div>"
        for s in STATUS_COLOURS
    ]
    items.append(
        "<div><span class='gc-box' style='border:2px dashed #d73027;background:none'></span>"
        f"{_esc(_t('no_centre', language))}</div>"
    )
    if has_sites:
        items.append(
            "<div><span class='gc-box' style='background:#5e3c99'></span>"
            f"{_esc(_t('sites', language))}</div>"
        )
    return (
        "<style>.gc-panel{position:fixed;z-index:9999;background:#fff;padding:8px 10px;"
        "border-radius:6px;box-shadow:0 1px 4px rgba(0,0,0,.35);font:12px/1.5 sans-serif}"
        ".gc-dot{display:inline-block;width:11px;height:11px;border-radius:50%;margin-right:6px;"
        "border:1px solid #fff}.gc-box{display:inline-block;width:14px;height:10px;"
        "margin-right:6px}.gc-popup th{text-align:left;padding-right:8px;color:#555}"
        ".gc-site{width:22px;height:22px;border-radius:4px;background:#5e3c99;color:#fff;"
        "font:bold 13px/22px sans-serif;text-align:center;border:2px solid #fff;"
        "box-shadow:0 1px 3px rgba(0,0,0,.5)}</style>"
        f"<div class='gc-panel' id='gc-legend' style='bottom:30px;left:10px'>{''.join(items)}</div>"
    )


def _summary_html(scorecard: pd.DataFrame, city: str, language: str) -> str:
    label = "label_zh" if language == "zh" else "label_en"
    rows = []
    for _, r in scorecard.iterrows():
        measured = format_value(r["measured"], r["unit"])
        target = format_value(r["target"], r["unit"])
        mark = "✔" if r["passed"] else "✘"
        colour = "#1a9850" if r["passed"] else "#d73027"
        rows.append(
            f"<tr><td>{_esc(r[label])}</td><td style='text-align:right'>{measured}</td>"
            f"<td style='color:#777'>/ {target}</td><td style='color:{colour}'>{mark}</td></tr>"
        )
    return (
        f"<div class='gc-panel' id='gc-summary' style='top:10px;left:60px;max-width:420px'>"
        f"<details open><summary><b>{_esc(city)} · {_esc(_t('summary', language))}</b></summary>"
        f"<table>{''.join(rows)}</table></details></div>"
    )


_CDN_TAG = re.compile(
    r'\s*<script src="https?://[^"]+"></script>|\s*<link rel="stylesheet" href="https?://[^"]+"/>'
)
_JQUERY_SHIM = (
    "window.$=window.$||function(h){var t=document.createElement('template');"
    "t.innerHTML=String(h).trim();return Array.prototype.slice.call(t.content.childNodes);};"
)


def _leaflet_dist() -> Path:
    """Folder of Leaflet's dist files shipped by the ``django-js-lib-leaflet`` wheel."""
    spec = importlib.util.find_spec("js_lib_leaflet")
    if spec is None or not spec.submodule_search_locations:
        msg = "offline maps need Leaflet's files: pip install django-js-lib-leaflet"
        raise ImportError(msg)
    return Path(next(iter(spec.submodule_search_locations))) / "static" / "js_lib_leaflet"


def _inline_css(dist: Path) -> str:
    css = (dist / "leaflet.css").read_text(encoding="utf-8")

    def data_uri(match: re.Match[str]) -> str:
        image = dist / match.group(1)
        encoded = base64.b64encode(image.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{encoded})"

    return re.sub(r"url\((images/[\w.-]+\.png)\)", data_uri, css)


def map_html(fmap: object, *, offline: bool = True) -> str:
    """Render a Folium map to one HTML page, self-contained when ``offline``.

    Offline, every CDN ``<script>``/``<link>`` folium adds is dropped; Leaflet's own
    JS and CSS (images as data URIs) are inlined from the installed package, plus a
    three-line stand-in for the single jQuery call folium's popups make. Bootstrap,
    jQuery, Font Awesome and awesome-markers are not needed by this map.

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
    page = fmap.get_root().render()  # type: ignore[attr-defined]
    if not offline:
        return page
    dist = _leaflet_dist()
    assets = (
        f"<style>{_inline_css(dist)}</style>\n"
        f"<script>{(dist / 'leaflet.js').read_text(encoding='utf-8')}</script>\n"
        f"<script>{_JQUERY_SHIM}</script>"
    )
    page = _CDN_TAG.sub("", page)
    return page.replace("<head>", "<head>\n" + assets, 1)


def index_map(outcomes: tuple, folder: Path, *, language: str = "zh") -> object:
    """Index map of a batch: each place's outline coloured by care-circle coverage, linked.

    Parameters
    ----------
    outcomes
        ``batch.CityOutcome`` of every place.
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

    import folium

    done = [o for o in outcomes if o.outline is not None]
    fmap = folium.Map(location=[40, 112], zoom_start=5, tiles=None, control_scale=False)
    fmap.get_root().html.add_child(_metric_scale(fmap.get_name()))
    bounds = []
    for o in done:
        share = o.indicators.get("care_circle_households", {}).get("measured", 0.0)
        colour = _coverage_colour(share)
        link = os.path.relpath(o.map_path, folder).replace(os.sep, "/")
        label = "15分钟养老服务圈住户覆盖率" if language == "zh" else "households in care circle"
        open_map = "打开地图" if language == "zh" else "open map"
        html_text = (
            f"<b>{_esc(o.city)}</b><br>{label}: {100 * share:.1f}%<br>"
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
            popup=folium.Popup(html_text, max_width=300),
        )
        layer.add_to(fmap)
        shape = shapely.geometry.shape(o.outline)
        minx, miny, maxx, maxy = shape.bounds
        bounds += [[miny, minx], [maxy, maxx]]
    if bounds:
        fmap.fit_bounds(bounds)
    failed = [o for o in outcomes if o.status == "failed"]
    if failed:
        items = "".join(f"<li>{_esc(Path(o.config).name)}: {_esc(o.error)}</li>" for o in failed)
        title = "未完成" if language == "zh" else "failed"
        fmap.get_root().html.add_child(
            folium.Element(
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
