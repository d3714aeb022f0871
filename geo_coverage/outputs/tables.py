"""What each output says: the assessment's frames as labelled tables, in either language.

Every table a run writes (gap list, scorecard, sites, villages and townships, facility
load, warnings) is built here once; ``export`` writes them as CSV, XLSX and GeoPackage
and ``report`` prints them.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from .._errors import Finding
from ..assess.indicators import format_target, format_value, gap_columns, level_text
from ..coords import WGS84
from ..standards import FACILITY_TYPES
from ..text import (
    GAP_HEAD_COLUMNS,
    GAP_TAIL_COLUMNS,
    LOAD_COLUMNS,
    LOAD_NOTE,
    LOAD_TEXT,
    PROGRESS_COLUMNS,
    PROGRESS_TEXT,
    RANKING_COLUMNS,
    RURAL_COLUMNS,
    SCENARIO_TEXT,
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


def progress_table(
    old: pd.DataFrame,
    new: pd.DataFrame,
    *,
    language: str = "zh",
    periods: tuple[str, str] | None = None,
) -> pd.DataFrame:
    """Per indicator of the new scorecard: old and new value, change, target, on track.

    Parameters
    ----------
    old, new
        Two scorecards of one place under the same thresholds (a run's
        ``assessment.scorecard`` or its ``scorecard.json`` indicators): last year's and
        this year's, or today's and a plan's.
    language
        {"zh", "en"}
    periods
        Headers of the old and new value (default 上期/本期; 现状/方案 for a plan).

    Returns
    -------
    pandas.DataFrame
        Headers in ``language`` (``text.PROGRESS_COLUMNS``); values as the scorecard
        prints them, the change in percentage points for shares.
    """
    before = old.set_index("indicator")
    rows = []
    for row in new.to_dict(orient="records"):
        was = before.loc[row["indicator"]].to_dict() if row["indicator"] in before.index else None
        rows.append(
            {
                "label": row[label_column(language)],
                "old": "—" if was is None else format_value(was["measured"], was["unit"]),
                "new": format_value(row["measured"], row["unit"]),
                "change": _change(was, row, language),
                "target": format_target(row, language=language),
                "status": of(STATUS_TEXT[row["status"]], language),
                "progress": of(PROGRESS_TEXT[on_track(was, row)], language),
            }
        )
    table = pd.DataFrame(rows, columns=list(PROGRESS_COLUMNS))
    heads = {k: of(v, language) for k, v in PROGRESS_COLUMNS.items()}
    if periods is not None:
        heads["old"], heads["new"] = periods
        heads["status"] = pick(language, f"{periods[1]}评判", f"verdict ({periods[1]})")
    return table.rename(columns=heads)


def on_track(old: dict | None, new: dict) -> str:
    """Where an indicator stands: met, improving, unchanged, worsening (or no target/data).

    Judged on the new run's status; a target not yet met is improving when the value
    moved towards it since the old run (down for lower-is-better indicators).
    """
    status = new["status"]
    if status in ("pass", "no_target", "no_data", "total"):
        return {"pass": "met", "no_target": "no_target", "no_data": "no_data"}.get(status, "total")
    if old is None or old.get("measured") is None or new.get("measured") is None:
        return "not_met"
    delta = float(new["measured"]) - float(old["measured"])
    if new.get("lower_is_better"):
        delta = -delta
    if abs(delta) < 1e-9:
        return "unchanged"
    return "improving" if delta > 0 else "worsening"


def _change(old: dict | None, new: dict, language: str) -> str:
    """The change of a value between two runs, as the scorecard prints it."""
    if old is None or old.get("measured") is None or new.get("measured") is None:
        return "—"
    delta = float(new["measured"]) - float(old["measured"])
    if new["unit"] == "share":
        return f"{100 * delta:+.1f} " + pick(language, "个百分点", "pp")
    return ("+" if delta >= 0 else "") + format_value(delta, new["unit"])


def ranking_table(ranking: pd.DataFrame, *, language: str = "zh") -> pd.DataFrame:
    """The plans ranked (``scenarios.ranking``; today first), headers in ``language``."""
    frame = ranking.copy()
    frame["name"] = [n or of(SCENARIO_TEXT["today"], language) for n in frame["name"]]
    frame["rank"] = [r if r else "—" for r in frame["rank"]]
    frame["households_share"] = [format_value(v, "share") for v in frame["households_share"]]
    frame["households_change"] = [
        f"{100 * v:+.1f} " + pick(language, "个百分点", "pp") for v in frame["households_change"]
    ]
    frame["area_added_m2"] = [f"{v:+,.0f}" for v in frame["area_added_m2"]]
    pos = position(language)
    return frame[list(RANKING_COLUMNS)].rename(
        columns={c: RANKING_COLUMNS[c][pos] for c in RANKING_COLUMNS}
    )


def changes_table(
    changes: pd.DataFrame,
    words: dict[str, str],
    *,
    periods: tuple[str, str],
    language: str = "zh",
) -> pd.DataFrame:
    """Compounds whose status changed, their statuses in ``words`` ("—" where absent).

    ``periods`` heads the two status columns (上期/本期 for two runs, 现状/方案 for a plan).
    """
    frame = changes.drop(columns="geometry").copy()
    for col in ("old_status", "new_status"):
        frame[col] = [words.get(s, "—") for s in frame[col]]
    heads = {
        "id": pick(language, "编号", "id"),
        "name": pick(language, "小区名称", "compound"),
        "old_status": periods[0],
        "new_status": periods[1],
    }
    return frame[list(heads)].rename(columns=heads)
