"""QGIS styles (QML) for every layer the tool writes, in the map's colours.

``gaps.gpkg`` carries them in its ``layer_styles`` table (the table QGIS itself writes,
each style marked default), so QGIS opens each layer coloured as on the map: compounds
by status, walking bands by minutes, facilities by type, subdistricts and townships
lacking a centre dashed red, villages served or not, proposed sites. Each
``travel_time_<group>.tif`` gets a ``.qml`` sidecar with the bands' colour ramp, which
QGIS applies when it opens the raster. Styles are plain XML built with ElementTree, so
labels from the config can never break them.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from .palette import (
    BAND_COLOURS,
    LOAD_COLOURS,
    NO_CENTRE,
    ROUTE,
    SITE,
    STATUS_COLOURS,
    TYPE_COLOURS,
)

QGIS_VERSION = "3.28.0-Firenze"
"""The QGIS version the styles are written for (QGIS 3.x reads them)."""


def _rgba(colour: str, alpha: int = 255) -> str:
    colour = colour.lstrip("#")
    r, g, b = (int(colour[k : k + 2], 16) for k in (0, 2, 4))
    return f"{r},{g},{b},{alpha}"


def _options(parent: ET.Element, values: dict[str, str]) -> None:
    block = ET.SubElement(parent, "Option", type="Map")
    for name, value in values.items():
        ET.SubElement(block, "Option", type="QString", name=name, value=value)


def _symbol(parent: ET.Element, key: str, kind: str, colour: str, **style: str) -> None:
    """One symbol: kind {"fill", "marker", "line"}; ``style`` overrides the layer options."""
    symbol = ET.SubElement(
        parent, "symbol", type=kind, name=key, alpha="1", clip_to_extent="1", force_rhr="0"
    )
    if kind == "fill":
        layer = ET.SubElement(symbol, "layer", {"class": "SimpleFill"}, enabled="1", pass_="0")
        values = {
            "color": _rgba(colour, 150),
            "style": "solid",
            "outline_color": _rgba(colour),
            "outline_style": "solid",
            "outline_width": "0.3",
            "outline_width_unit": "MM",
        }
    elif kind == "marker":
        layer = ET.SubElement(symbol, "layer", {"class": "SimpleMarker"}, enabled="1", pass_="0")
        values = {
            "color": _rgba(colour),
            "name": "circle",
            "size": "2.4",
            "size_unit": "MM",
            "outline_color": "255,255,255,255",
            "outline_width": "0.3",
        }
    else:
        layer = ET.SubElement(symbol, "layer", {"class": "SimpleLine"}, enabled="1", pass_="0")
        values = {"line_color": _rgba(colour), "line_style": "solid", "line_width": "0.6"}
    values.update(style)
    _options(layer, values)


def _document(renderer: ET.Element) -> str:
    root = ET.Element("qgis", version=QGIS_VERSION, styleCategories="Symbology")
    root.append(renderer)
    ET.indent(root)
    text = ET.tostring(root, encoding="unicode").replace(" pass_=", " pass=")
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + text + "\n"


def categorized(
    field: str, kind: str, categories: Sequence[tuple[str, str, str]], **style: str
) -> str:
    """A categorized style: (value, colour, label) per category of ``field``.

    Parameters
    ----------
    field
        The attribute the categories are read from.
    kind
        {"fill", "marker", "line"}: the layer's geometry.
    categories
        Value, colour (``#rrggbb``) and legend label of each category.
    style
        Symbol options for every category (e.g. ``outline_style="dash"``).

    Returns
    -------
    str
        The QML document.
    """
    renderer = ET.Element(
        "renderer-v2",
        type="categorizedSymbol",
        attr=field,
        symbollevels="0",
        enableorderby="0",
        forceraster="0",
    )
    cats = ET.SubElement(renderer, "categories")
    symbols = ET.SubElement(renderer, "symbols")
    for k, (value, colour, label) in enumerate(categories):
        ET.SubElement(cats, "category", value=value, symbol=str(k), label=label, render="true")
        _symbol(symbols, str(k), kind, colour, **style)
    return _document(renderer)


def rule_based(
    kind: str,
    rules: Sequence[tuple[str, str, str, dict[str, str]]],
    *,
    order_by: str | None = None,
) -> str:
    """A rule-based style: (filter expression, colour, label, symbol options) per rule.

    ``order_by`` draws features by that field, largest first (nested bands).
    """
    renderer = ET.Element(
        "renderer-v2",
        type="RuleRenderer",
        symbollevels="0",
        enableorderby="1" if order_by else "0",
        forceraster="0",
    )
    root = ET.SubElement(renderer, "rules", key="root")
    symbols = ET.SubElement(renderer, "symbols")
    for k, (expression, colour, label, style) in enumerate(rules):
        ET.SubElement(root, "rule", key=f"r{k}", filter=expression, label=label, symbol=str(k))
        _symbol(symbols, str(k), kind, colour, **style)
    if order_by:
        order = ET.SubElement(renderer, "orderby")
        clause = ET.SubElement(order, "orderByClause", asc="0", nullsFirst="0")
        clause.text = f'"{order_by}"'
    return _document(renderer)


def raster_ramp(bands_min: Sequence[float], *, unit: str = "分钟") -> str:
    """A discrete pseudocolour style of a travel-time GeoTIFF: one colour per band."""
    ordered = sorted(float(b) for b in bands_min)
    root = ET.Element("qgis", version=QGIS_VERSION, styleCategories="Symbology")
    pipe = ET.SubElement(root, "pipe")
    renderer = ET.SubElement(
        pipe,
        "rasterrenderer",
        type="singlebandpseudocolor",
        band="1",
        opacity="0.8",
        alphaBand="-1",
        classificationMin="0",
        classificationMax=f"{ordered[-1]:g}",
    )
    shader = ET.SubElement(ET.SubElement(renderer, "rastershader"), "colorrampshader")
    shader.set("colorRampType", "DISCRETE")
    shader.set("classificationMode", "1")
    shader.set("clip", "0")
    shader.set("minimumValue", "0")
    shader.set("maximumValue", f"{ordered[-1]:g}")
    for k, band in enumerate(ordered):
        colour = BAND_COLOURS[min(k, len(BAND_COLOURS) - 1)]
        ET.SubElement(
            shader, "item", value=f"{band:g}", label=f"≤ {band:g} {unit}", color=colour, alpha="255"
        )
    ET.indent(root)
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
        + ET.tostring(root, encoding="unicode")
        + "\n"
    )


def layer_styles(
    kinds: dict[str, str],
    *,
    status_labels: dict[str, str],
    type_labels: dict[str, str],
    bands_min: Sequence[float],
    texts: dict[str, str],
) -> dict[str, str]:
    """The QML of each layer of ``gaps.gpkg``.

    Parameters
    ----------
    kinds
        Layer name -> symbol kind {"fill", "marker"} (from its geometry).
    status_labels
        Legend text of each compound status.
    type_labels
        Legend text of each facility type.
    bands_min
        The care circle's bands, minutes.
    texts
        Labels: ``minutes``, ``no_centre``, ``has_centre``, ``served``, ``unserved``, ``site``
        and ``load_<status>`` for each facility load.

    Returns
    -------
    dict
        Layer name -> QML, for the layers present.
    """
    styles: dict[str, str] = {}
    statuses = [(k, c, status_labels[k]) for k, c in STATUS_COLOURS.items()]
    for name in ("communities", "gaps"):
        if name in kinds:
            styles[name] = categorized("status", kinds[name], statuses)
    if "service_areas" in kinds:
        styles["service_areas"] = categorized(
            "load_status",
            kinds["service_areas"],
            [(k, c, texts.get(f"load_{k}", k)) for k, c in LOAD_COLOURS.items()],
        )
    if "facilities" in kinds:
        styles["facilities"] = categorized(
            "type", "marker", [(k, c, type_labels[k]) for k, c in TYPE_COLOURS.items()]
        )
    if "isochrones" in kinds:
        ordered = sorted(float(b) for b in bands_min)
        styles["isochrones"] = rule_based(
            "fill",
            [
                (
                    f'"group" = \'care_circle\' AND "band_min" = {band:g}',
                    BAND_COLOURS[min(k, len(BAND_COLOURS) - 1)],
                    f"≤ {band:g} {texts['minutes']}",
                    {"outline_style": "no"},
                )
                for k, band in enumerate(ordered)
            ],
            order_by="band_min",
        )
    for name, dash in (("subdistricts", "dash"), ("townships", "dot")):
        if name in kinds:
            styles[name] = rule_based(
                "fill",
                [
                    (
                        '"has_centre" = 0',
                        NO_CENTRE,
                        texts["no_centre"],
                        {"style": "no", "outline_style": dash, "outline_width": "0.8"},
                    ),
                    (
                        '"has_centre" = 1',
                        "#555555",
                        texts["has_centre"],
                        {"style": "no", "outline_style": dash, "outline_width": "0.3"},
                    ),
                ],
            )
    if "villages" in kinds:
        styles["villages"] = categorized(
            "served",
            kinds["villages"],
            [("1", "#1a9850", texts["served"]), ("0", NO_CENTRE, texts["unserved"])],
        )
    if "sites" in kinds:
        styles["sites"] = _single(SITE, texts["site"], "marker", name="square", size="4")
    if "routes" in kinds:
        styles["routes"] = _single(
            ROUTE, texts.get("route", "route"), "line", line_style="dash", line_width="0.6"
        )
    return styles


def _single(colour: str, label: str, kind: str, **style: str) -> str:
    """One symbol for every feature (proposed sites: purple squares; routes: dashed)."""
    renderer = ET.Element(
        "renderer-v2", type="singleSymbol", symbollevels="0", enableorderby="0", forceraster="0"
    )
    symbols = ET.SubElement(renderer, "symbols")
    _symbol(symbols, "0", kind, colour, **style)
    renderer.set("description", label)
    return _document(renderer)


def fields_in(qml: str) -> set[str]:
    """The attribute names a style reads (``attr`` and the quoted names of rule filters)."""
    import re

    root = ET.fromstring(qml.split("\n", 1)[1])
    found = {r.get("attr") for r in root.iter("renderer-v2") if r.get("attr")}
    for rule in root.iter("rule"):
        found |= set(re.findall(r'"([^"]+)"', rule.get("filter", "")))
    for clause in root.iter("orderByClause"):
        found |= set(re.findall(r'"([^"]+)"', clause.text or ""))
    return {f for f in found if f}
