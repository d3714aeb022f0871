"""Packed map layers: many features as compact data drawn by one small script on a canvas.

A city's map holds tens of thousands of compounds and the walking bands of every facility
group. As folium GeoJSON (every vertex a ``[lon, lat]`` pair of decimals, every popup a
dict of HTML strings) a 1M-node city's page grew to 29 MB. A ``PackedLayer`` instead keeps

- geometry as encoded polylines (the Google polyline algorithm at 1e-5°, about 1 m:
  each ring's first vertex absolute, then deltas in base-32 characters, the ring's closing
  vertex dropped): about 4 characters per vertex instead of 22;
- one style class per feature, an index into a short list of styles;
- popup and tooltip values in columns, repeated texts (reasons, types) stored once.

The data never pass through a template engine: ``map_html`` renders the folium page first
and only then inserts one ``<script>`` holding every packed layer as JSON (``<`` written as a
JS escape, so no value can close the script), beside ``assets/map/packed.js``, which
builds Leaflet layers from it. Popups and tooltips are built with ``textContent``: input
text is shown, never parsed as HTML. The map uses Leaflet's canvas renderer, which keeps
tens of thousands of features fast to draw, zoom and click.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from branca.element import Element
from folium.map import Layer
from jinja2 import Template

PRECISION = 1e5
"""Coordinates are stored in units of 1e-5 degrees (about 1 m)."""

RUNTIME = Path(__file__).parents[1] / "assets" / "map" / "packed.js"
"""The script that turns packed data into Leaflet layers (``GC.layer``)."""


def _encode_values(values: np.ndarray) -> tuple[bytes, np.ndarray]:
    """Polyline-encode signed integers; return the characters and the count per value.

    Zig-zag each value to a non-negative one, split it into 5-bit chunks (lowest first),
    set bit 0x20 on every chunk but the last, and add 63 to each: the printable ASCII
    range ``?`` … ``~``.
    """
    v = values.astype(np.int64)
    z = ((v << 1) ^ (v >> 63)).astype(np.uint64)
    chunks = np.stack([(z >> np.uint64(5 * k)) & np.uint64(31) for k in range(8)], axis=1)
    more = np.stack([(z >> np.uint64(5 * (k + 1))) > 0 for k in range(8)], axis=1)
    present = np.concatenate([np.ones((len(z), 1), bool), more[:, :-1]], axis=1)
    chars = (chunks | (more.astype(np.uint64) << np.uint64(5))) + np.uint64(63)
    return chars[present].astype(np.uint8).tobytes(), present.sum(axis=1)


def encode_geometries(geoms: np.ndarray) -> list[Any]:
    """Encode points and (multi)polygons, one entry per geometry.

    Parameters
    ----------
    geoms
        Shapely geometries in longitude-latitude degrees (EPSG:4326 or GCJ-02).

    Returns
    -------
    list
        Per geometry: a string (a point: its longitude and latitude, encoded), a list of
        polygons each a list of encoded rings (exterior first), or ``[]`` when empty.
    """
    geoms = np.asarray(geoms, dtype=object)
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    is_point = shapely.get_type_id(parts) == 0
    rings, ring_of = shapely.get_rings(parts[~is_point], return_index=True)
    polygon_parts = np.flatnonzero(~is_point)[ring_of]
    # one sequence per point and per ring: its vertices, the closing one of a ring dropped
    seqs = np.concatenate([parts[is_point], rings])
    seq_part = np.concatenate([np.flatnonzero(is_point), polygon_parts])
    coords, seq_of = shapely.get_coordinates(seqs, return_index=True)
    closing = np.r_[seq_of[1:] != seq_of[:-1], True] & (seq_of >= is_point.sum())
    coords, seq_of = coords[~closing], seq_of[~closing]
    q = np.round(coords * PRECISION).astype(np.int64)
    first = np.r_[True, seq_of[1:] != seq_of[:-1]]
    delta = q - np.where(first[:, None], 0, np.roll(q, 1, axis=0))
    text, counts = _encode_values(delta.ravel())
    per_seq = np.bincount(np.repeat(seq_of, 2), weights=counts, minlength=len(seqs))
    ends = np.cumsum(per_seq).astype(np.int64)
    starts = ends - per_seq.astype(np.int64)
    encoded = [text[s:e].decode("ascii") for s, e in zip(starts, ends, strict=True)]
    out: list[Any] = [[] for _ in range(len(geoms))]
    polygons: dict[int, list[str]] = {}
    for seq, part in enumerate(seq_part):
        if is_point[part]:
            out[part_of[part]] = encoded[seq]
        else:
            polygons.setdefault(int(part), []).append(encoded[seq])
    for part in sorted(polygons):
        out[part_of[part]].append(polygons[part])
    return out


def column(values: list[Any]) -> Any:
    """Popup values of one field: repeated texts stored once (``{"d": texts, "i": index}``)."""
    texts = [v for v in values if isinstance(v, str)]
    if len(texts) == len(values) and len(set(texts)) < 0.5 * len(texts):
        unique = sorted(set(texts))
        where = {t: k for k, t in enumerate(unique)}
        return {"d": unique, "i": [where[t] for t in texts]}
    return list(values)


class PackedLayer(Layer):
    """A map overlay of many features, drawn from packed data (see the module docstring).

    Parameters
    ----------
    geoms
        Geometries in longitude-latitude degrees.
    classes
        Style class of each feature (an index into ``styles``).
    styles
        Leaflet path options per class (``color``, ``fillColor``, ``radius`` …).
    name
        The layer's entry in the layer control.
    show
        Whether the layer is on when the page opens.
    fields
        Popup rows: (column, label); a row with an empty label is the popup's title.
    columns
        Popup values per column, one per feature (text from input files stays data).
    tooltip
        The column shown on hover, or None.
    interactive
        Whether features take clicks and hovers (bands do not, so clicks reach compounds).
    shrink
        Radius factors of point features at zoom ≥ 15, 13–14 and ≤ 12 (drawn smaller when
        zoomed out, so a city's dots stay apart), or None for a fixed size.
    """

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "var {{ this.get_name() }} = GC.layer(GC_DATA[{{ this.key|tojson }}]);"
        "{% endmacro %}"
    )

    def __init__(  # noqa: PLR0913 - a Leaflet layer's options, keyword-only as folium's layers take them
        self,
        geoms: np.ndarray,
        classes: list[int],
        styles: list[dict[str, Any]],
        *,
        name: str,
        show: bool = True,
        fields: list[tuple[str, str]] | None = None,
        columns: dict[str, list[Any]] | None = None,
        tooltip: str | None = None,
        interactive: bool = True,
        shrink: tuple[float, float, float] | None = None,
    ) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "PackedLayer"
        self.key = ""  # set by ``pack_page`` in the order the layers appear
        self.data: dict[str, Any] = {
            "geom": encode_geometries(geoms),
            "cls": [int(c) for c in classes],
            "styles": styles,
            "interactive": interactive,
            "shrink": list(shrink) if shrink else None,
        }
        if fields:
            self.data["fields"] = [list(f) for f in fields]
            self.data["cols"] = {k: column(list(v)) for k, v in (columns or {}).items()}
        if tooltip:
            self.data["tip"] = tooltip


def packed_layers(root: Element) -> list[PackedLayer]:
    """Every ``PackedLayer`` under ``root``, in a fixed order (children in insertion order)."""
    found: list[PackedLayer] = []
    stack: list[Element] = [root]
    seen: set[int] = set()
    while stack:
        element = stack.pop(0)
        if id(element) in seen:
            continue
        seen.add(id(element))
        if isinstance(element, PackedLayer):
            found.append(element)
        stack += list(element._children.values())
    return found


def number_layers(layers: list[PackedLayer]) -> None:
    """Give each packed layer its key in the page's data (``p0``, ``p1`` …)."""
    for k, layer in enumerate(layers):
        layer.key = f"p{k}"


def data_script(layers: list[PackedLayer]) -> str:
    """The ``<script>`` with the runtime and every packed layer's data, for the page's head."""
    data = json.dumps(
        {layer.key: layer.data for layer in layers}, ensure_ascii=False, separators=(",", ":")
    ).replace("<", "\\u003c")
    runtime = RUNTIME.read_text(encoding="utf-8")
    return f"<script>{runtime}\nvar GC_DATA = {data};</script>"
