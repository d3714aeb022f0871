"""What each output says: the assessment's frames as labelled tables, in either language.

Every table a run writes (gap list, scorecard, sites, villages and townships, facility
load, warnings) is built here once; ``export`` writes them as CSV, XLSX and GeoPackage
and ``report`` prints them.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from .._errors import Finding
from ..assess.indicators import gap_columns, level_text
from ..coords import WGS84
from ..standards import FACILITY_TYPES
from ..text import (
    GAP_HEAD_COLUMNS,
    GAP_TAIL_COLUMNS,
    LOAD_COLUMNS,
    LOAD_NOTE,
    LOAD_TEXT,
    RURAL_COLUMNS,
    SCORECARD_COLUMNS,
    SITE_COLUMNS,
    STATUS_TEXT,
    WARNING_COLUMNS,
    label_column,
    of,
    pick,
    position,
)

GAP_COLUMNS: dict[str, tuple[str, str]] = {
    **GAP_HEAD_COLUMNS,
    **gap_columns(),  # what each indicator adds (indicators.INDICATORS)
    **GAP_TAIL_COLUMNS,
}
"""Gap-list columns and their headers (templates: ``{c}`` is the care circle's minutes)."""


def gap_table(
    gaps: gpd.GeoDataFrame, *, language: str = "zh", care_circle_min: float = 15.0
) -> pd.DataFrame:
    """The gap list as a plain table with WGS84 coordinates and headers in ``language``.

    Parameters
    ----------
    gaps
        Gap rows from the assessment, in any projected CRS.
    language
        {"zh", "en"}
    care_circle_min
        The configured care circle, stated in the headers that depend on it.

    Returns
    -------
    pandas.DataFrame
        One row per under-served community, columns labelled for planners.
    """
    frame = _with_lonlat(gaps)
    pos = position(language)
    frame["nearest_type_label"] = frame["nearest_type"].map(
        lambda t: (
            (FACILITY_TYPES[t].label_zh, FACILITY_TYPES[t].label_en)[pos]
            if t in FACILITY_TYPES
            else ""
        )
    )
    cols = [c for c in GAP_COLUMNS if c in frame]
    table = pd.DataFrame(frame[cols])
    minutes = f"{care_circle_min:g}"
    return table.rename(columns={c: GAP_COLUMNS[c][pos].format(c=minutes) for c in cols})


def _with_lonlat(gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    frame = pd.DataFrame(gdf.drop(columns="geometry"))
    points = gdf.geometry.representative_point().to_crs(WGS84)
    frame["lon"] = points.x.round(7).to_numpy()
    frame["lat"] = points.y.round(7).to_numpy()
    return frame


def sites_table(sites: gpd.GeoDataFrame, *, language: str = "zh") -> pd.DataFrame:
    """Proposed sites as a plain table with WGS84 coordinates and headers in ``language``."""
    pos = position(language)
    frame = _with_lonlat(sites)
    cols = [c for c in SITE_COLUMNS if c in frame]
    return frame[cols].rename(columns={c: SITE_COLUMNS[c][pos] for c in cols})


def rural_table(layer: gpd.GeoDataFrame, *, language: str = "zh") -> pd.DataFrame:
    """Villages or townships with their rural checks, headers in ``language``."""
    pos = position(language)
    frame = _with_lonlat(layer)
    for flag in ("served", "has_centre"):
        if flag in frame:
            frame[flag] = [("是", "yes")[pos] if v else ("否", "no")[pos] for v in frame[flag]]
    cols = [c for c in RURAL_COLUMNS if c in frame]
    return frame[cols].rename(columns={c: RURAL_COLUMNS[c][pos] for c in cols})


def load_table(
    fac: pd.DataFrame, *, area_standard: float, care_circle_min: float, language: str = "zh"
) -> pd.DataFrame:
    """The care facilities' service areas and load (责任区), headers in ``language``.

    One row per care-circle facility, the overloaded first (least floor area per 100
    households served first), then a closing row saying how service areas are drawn.
    """
    care = fac[fac["load_status"] != ""].copy()
    care["type_label"] = [
        pick(language, FACILITY_TYPES[t].label_zh, FACILITY_TYPES[t].label_en) for t in care["type"]
    ]
    care["load"] = [
        of(LOAD_TEXT[k], language).format(a=f"{area_standard:g}") for k in care["load_status"]
    ]
    rank = care["load_status"].map({"overloaded": 0, "ok": 1, "no_data": 2, "unused": 3})
    care = care.assign(_rank=rank).sort_values(["_rank", "served_m2_per_100hh", "id"])
    pos = position(language)
    table = care[list(LOAD_COLUMNS)].rename(columns={c: LOAD_COLUMNS[c][pos] for c in LOAD_COLUMNS})
    note = of(LOAD_NOTE, language).format(c=f"{care_circle_min:g}", a=f"{area_standard:g}")
    closing = pd.DataFrame([{table.columns[0]: note}], columns=table.columns)
    return pd.concat([table, closing], ignore_index=True)


def scorecard_table(scorecard: pd.DataFrame, *, language: str = "zh") -> pd.DataFrame:
    """The scorecard with labels and headers in ``language``."""
    pos = position(language)
    frame = scorecard.copy()
    frame["label"] = frame[label_column(language)]
    frame["status"] = [STATUS_TEXT[v][pos] for v in frame["status"]]
    frame["target"] = frame["target"].round(4)
    frame["measured"] = frame["measured"].round(4)
    frame["year"] = pd.array(frame["year"], dtype="Int64")
    frame["level"] = [level_text(v, language=language) for v in frame["level"]]
    cols = list(SCORECARD_COLUMNS)
    return frame[cols].rename(columns={c: SCORECARD_COLUMNS[c][pos] for c in cols})


def warnings_table(warnings: tuple[Finding, ...], *, language: str = "zh") -> pd.DataFrame:
    """Warnings that change how the results should be read, as a table (file, row, column)."""
    pos = position(language)
    frame = pd.DataFrame(
        [
            (w.file, w.row, w.column, w.message_zh if pos == 0 and w.message_zh else w.message)
            for w in warnings
        ],
        columns=list(WARNING_COLUMNS),
    )
    frame["row"] = frame["row"].astype("Int64")
    return frame.rename(columns={c: WARNING_COLUMNS[c][pos] for c in WARNING_COLUMNS})
