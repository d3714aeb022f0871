"""The colours of every output: map page, report figures and QGIS styles agree.

One home for them, so a compound that is red on the map is red in the report and in QGIS.
"""

from __future__ import annotations

TYPE_COLOURS: dict[str, str] = {
    "centre": "#b2182b",
    "day_care": "#ef8a62",
    "station": "#f4a582",
    "rural_station": "#c51b7d",
    "mutual_aid": "#8c510a",
    "nursing_home": "#2166ac",
    "welfare_home": "#67a9cf",
    "support": "#053061",
    "medical_care": "#5aae61",
    "canteen": "#1b7837",
    "health": "#762a83",
}
"""Facility colour by type key (``standards.FACILITY_TYPES``)."""

STATUS_COLOURS: dict[str, str] = {
    "ok": "#1a9850",
    "covered": "#91cf60",
    "short_area": "#fdae61",
    "outside": "#d73027",
    "unassessed": "#8c8c8c",
    "no_households": "#c2a5cf",
}
"""Compound colour by status (``assess.verdicts.community_status``)."""

BAND_COLOURS: tuple[str, ...] = ("#4292c6", "#6baed6", "#9ecae1", "#c6dbef")
"""Walking bands, nearest first (report figures and the travel-time styles)."""

NO_CENTRE = "#d73027"
"""Outline of a subdistrict or township lacking its centre."""
SITE = "#5e3c99"
"""Proposed new sites."""

LOAD_COLOURS: dict[str, str] = {
    "ok": "#4575b4",
    "overloaded": "#d73027",
    "unused": "#bdbdbd",
    "no_data": "#bdbdbd",
}
"""Service areas by their facility's load: blue within the standard, red overloaded."""

ROUTE = "#2c3e50"
"""The walk from a gap compound to its nearest facility (map and QGIS)."""
