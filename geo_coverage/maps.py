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

from .assess import Assessment
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


def _popup_table(rows: list[tuple[str, object]]) -> str:
    cells = "".join(f"<tr><th>{_esc(k)}</th><td>{_esc(v)}</td></tr>" for k, v in rows)
    return f"<table class='gc-popup'>{cells}</table>"


def build_map(
    assessment: Assessment,
    isochrones: gpd.GeoDataFrame | None,
    *,
    city: str,
    language: str = "zh",
    basemap: str = "none",
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
        {"none", "osm"} or an XYZ tile URL template.

    Returns
    -------
    folium.Map
        The map, ready to be saved by ``export``.
    """
    import folium

    pos = 0 if language == "zh" else 1
    com = assessment.communities.to_crs(WGS84)
    fac = assessment.facilities.to_crs(WGS84)
    minx, miny, maxx, maxy = com.total_bounds
    tiles = {"none": None, "osm": "OpenStreetMap"}.get(basemap, basemap)
    fmap = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=14,
        tiles=tiles,
        attr="© OpenStreetMap contributors" if tiles else None,
        control_scale=True,
        prefer_canvas=False,
    )
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    if assessment.subdistricts is not None:
        subs = assessment.subdistricts.to_crs(WGS84)
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
        iso = iso.to_crs(WGS84)
        iso["geometry"] = iso.geometry.simplify(0.00002)
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
    status = community_status(com)
    group = folium.FeatureGroup(name=_t("communities", language))
    for (_, row), st in zip(com.iterrows(), status, strict=True):
        popup = _popup_table(
            [
                ("", row["name"]),
                (_t("households", language), int(row["households"])),
                (_t("elderly", language), int(row["elderly"]) if pd.notna(row["elderly"]) else ""),
                (
                    _t("walk", language),
                    f"{row['nearest_name']} {row['walk_min']:.1f} {_t('minutes', language)}",
                ),
                (_t("required", language), f"{row['required_m2']:.0f} ㎡"),
                (_t("available", language), f"{row['available_m2']:.0f} ㎡"),
                ("", row[f"reasons_{language}"]),
            ]
        )
        folium.GeoJson(
            row.geometry.__geo_interface__,
            style_function=lambda _f, c=STATUS_COLOURS[st]: {
                "color": c,
                "weight": 1,
                "fillColor": c,
                "fillOpacity": 0.55,
            },
            popup=folium.Popup(popup, max_width=320),
            tooltip=_esc(row["name"]),
        ).add_to(group)
    group.add_to(fmap)
    group = folium.FeatureGroup(name=_t("facilities", language))
    for _, row in fac.iterrows():
        ftype = FACILITY_TYPES[row["type"]]
        popup = _popup_table(
            [
                ("", row["name"]),
                ("", (ftype.label_zh, ftype.label_en)[pos]),
                (
                    _t("floor_area", language),
                    f"{row['floor_area_m2']:.0f} ㎡" if pd.notna(row["floor_area_m2"]) else "",
                ),
                (_t("beds", language), int(row["beds"]) if pd.notna(row["beds"]) else ""),
                (_t("within", language), int(row.get("households_within", 0))),
            ]
        )
        folium.CircleMarker(
            location=[row.geometry.y, row.geometry.x],
            radius=9 if row["type"] == "centre" else 7,
            color="#ffffff",
            weight=2,
            fill=True,
            fill_color=TYPE_COLOURS.get(row["type"], "#444444"),
            fill_opacity=1.0,
            popup=folium.Popup(popup, max_width=320),
            tooltip=_esc(row["name"]),
        ).add_to(group)
    group.add_to(fmap)
    fmap.get_root().html.add_child(folium.Element(_legend_html(fac, language)))
    fmap.get_root().html.add_child(
        folium.Element(_summary_html(assessment.scorecard, city, language))
    )
    folium.LayerControl(collapsed=False).add_to(fmap)
    return fmap


def _legend_html(fac: pd.DataFrame, language: str) -> str:
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
    return (
        "<style>.gc-panel{position:fixed;z-index:9999;background:#fff;padding:8px 10px;"
        "border-radius:6px;box-shadow:0 1px 4px rgba(0,0,0,.35);font:12px/1.5 sans-serif}"
        ".gc-dot{display:inline-block;width:11px;height:11px;border-radius:50%;margin-right:6px;"
        "border:1px solid #fff}.gc-box{display:inline-block;width:14px;height:10px;"
        "margin-right:6px}.gc-popup th{text-align:left;padding-right:8px;color:#555}</style>"
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
        f"<b>{_esc(city)} · {_esc(_t('summary', language))}</b><table>{''.join(rows)}</table></div>"
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
