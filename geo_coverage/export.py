"""Write gap lists, scorecards and maps: CSV (UTF-8 with BOM), XLSX, GeoPackage, JSON, Markdown.

Every file is written to a temporary name in the target folder and renamed into
place only when complete, so an interrupted or failed run never leaves a
half-written file over an earlier good one.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from .standards import FACILITY_TYPES

WGS84 = "EPSG:4326"

GAP_COLUMNS: dict[str, tuple[str, str]] = {
    "id": ("编号", "id"),
    "name": ("小区名称", "community"),
    "subdistrict": ("所属街道", "subdistrict"),
    "households": ("户数", "households"),
    "estimated": ("户数为估算（OSM建筑）", "households estimated from OSM buildings"),
    "elderly": ("60岁以上人口", "elderly (60+)"),
    "walk_min": ("最近设施步行时间（分钟）", "walk to nearest facility (min)"),
    "nearest_name": ("最近养老服务设施", "nearest facility"),
    "nearest_type_label": ("最近设施类型", "nearest facility type"),
    "covered_share": ("15分钟圈内住户比例", "share of households within 15 min"),
    "required_m2": ("应配养老用房（㎡）", "required floor area (m²)"),
    "available_m2": ("现有养老用房（㎡）", "available floor area (m²)"),
    "deficit_m2": ("缺口面积（㎡）", "missing floor area (m²)"),
    "catchment_m2_per_100hh": ("15分钟可达每百户面积（㎡）", "reachable m² per 100 households"),
    "reasons_zh": ("问题", "reasons (zh)"),
    "reasons_en": ("问题（英文）", "reasons"),
    "priority": ("优先级得分", "priority score"),
    "lon": ("经度（WGS84）", "longitude (WGS84)"),
    "lat": ("纬度（WGS84）", "latitude (WGS84)"),
}

SITE_COLUMNS: dict[str, tuple[str, str]] = {
    "rank": ("序号", "rank"),
    "id": ("候选点编号", "candidate id"),
    "name": ("位置", "location"),
    "subdistrict": ("所属街道", "subdistrict"),
    "households_new": ("新覆盖户数", "households newly covered"),
    "elderly_new": ("新覆盖老年人", "elderly newly covered"),
    "recommended_m2": ("建议建筑面积（㎡）", "recommended floor area (m²)"),
    "gain": ("边际增益", "marginal gain"),
    "lon": ("经度（WGS84）", "longitude (WGS84)"),
    "lat": ("纬度（WGS84）", "latitude (WGS84)"),
}

SCORECARD_COLUMNS: dict[str, tuple[str, str]] = {
    "indicator": ("指标代码", "indicator"),
    "label": ("指标", "indicator name"),
    "target": ("目标值", "target"),
    "measured": ("测算值", "measured"),
    "unit": ("单位", "unit"),
    "passed": ("是否达标", "passed"),
    "source": ("依据", "source"),
}


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only on success.

    Parameters
    ----------
    path
        The final file.

    Yields
    ------
    pathlib.Path
        Where to write; it keeps the final suffix so writers pick the right format.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # writers such as GDAL refuse to overwrite an existing empty file
    try:
        yield tmp
        tmp.replace(path)
    finally:
        if tmp.exists():
            tmp.unlink()


def gap_table(gaps: gpd.GeoDataFrame, *, language: str = "zh") -> pd.DataFrame:
    """The gap list as a plain table with WGS84 coordinates and headers in ``language``.

    Parameters
    ----------
    gaps
        Gap rows from the assessment, in any projected CRS.
    language
        {"zh", "en"}

    Returns
    -------
    pandas.DataFrame
        One row per under-served community, columns labelled for planners.
    """
    frame = _with_lonlat(gaps)
    pos = 0 if language == "zh" else 1
    frame["nearest_type_label"] = frame["nearest_type"].map(
        lambda t: (
            (FACILITY_TYPES[t].label_zh, FACILITY_TYPES[t].label_en)[pos]
            if t in FACILITY_TYPES
            else ""
        )
    )
    cols = [c for c in GAP_COLUMNS if c in frame]
    table = pd.DataFrame(frame[cols])
    return table.rename(columns={c: GAP_COLUMNS[c][pos] for c in cols})


def _with_lonlat(gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    frame = pd.DataFrame(gdf.drop(columns="geometry"))
    points = gdf.geometry.representative_point().to_crs(WGS84)
    frame["lon"] = points.x.round(7).to_numpy()
    frame["lat"] = points.y.round(7).to_numpy()
    return frame


def sites_table(sites: gpd.GeoDataFrame, *, language: str = "zh") -> pd.DataFrame:
    """Proposed sites as a plain table with WGS84 coordinates and headers in ``language``."""
    pos = 0 if language == "zh" else 1
    frame = _with_lonlat(sites)
    cols = [c for c in SITE_COLUMNS if c in frame]
    return frame[cols].rename(columns={c: SITE_COLUMNS[c][pos] for c in cols})


def scorecard_table(scorecard: pd.DataFrame, *, language: str = "zh") -> pd.DataFrame:
    """The scorecard with labels and headers in ``language``."""
    pos = 0 if language == "zh" else 1
    frame = scorecard.copy()
    frame["label"] = frame["label_zh" if language == "zh" else "label_en"]
    yes_no = ("达标", "未达标") if language == "zh" else ("pass", "FAIL")
    frame["passed"] = np.where(frame["passed"], yes_no[0], yes_no[1])
    frame["target"] = frame["target"].round(4)
    frame["measured"] = frame["measured"].round(4)
    cols = list(SCORECARD_COLUMNS)
    return frame[cols].rename(columns={c: SCORECARD_COLUMNS[c][pos] for c in cols})


def save_csv(table: pd.DataFrame, path: str | Path) -> Path:
    """Write a table as CSV in UTF-8 with BOM (opens correctly in Excel), atomically."""
    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    return Path(path)


def save_xlsx(sheets: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """Write several tables as sheets of one XLSX workbook, atomically."""
    with atomic_path(path) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for name, table in sheets.items():
            table.to_excel(writer, sheet_name=name[:31], index=False)
            sheet = writer.sheets[name[:31]]
            sheet.freeze_panes = "A2"
            for col, header in zip(sheet.columns, table.columns, strict=False):
                sheet.column_dimensions[col[0].column_letter].width = min(
                    max(10, 2 * len(str(header)) + 2), 60
                )
    return Path(path)


def save_gpkg(layers: dict[str, gpd.GeoDataFrame], path: str | Path) -> Path:
    """Write GeoDataFrames as layers of one GeoPackage (for QGIS/ArcGIS), atomically."""
    with atomic_path(path) as tmp:
        for name, gdf in layers.items():
            out = gdf.copy()
            for col in out.columns:
                if out[col].dtype == bool:
                    out[col] = out[col].astype(int)
            out.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
    return Path(path)


def save_text(text: str, path: str | Path) -> Path:
    """Write UTF-8 text atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def scorecard_json(scorecard: pd.DataFrame, *, city: str, profile: str) -> str:
    """The scorecard as JSON (stable key order, for diffing runs)."""
    records = [
        {k: (bool(v) if isinstance(v, np.bool_) else v) for k, v in row.items()}
        for row in scorecard.to_dict(orient="records")
    ]
    return (
        json.dumps(
            {"city": city, "profile": profile, "indicators": records},
            ensure_ascii=False,
            indent=2,
            default=float,
        )
        + "\n"
    )


def scorecard_markdown(scorecard: pd.DataFrame, *, city: str, language: str = "zh") -> str:
    """The scorecard as a Markdown table (shares as percentages, areas in m²)."""
    table = scorecard_table(scorecard, language=language)
    pos = 0 if language == "zh" else 1
    for col in ("target", "measured"):
        table[SCORECARD_COLUMNS[col][pos]] = [
            format_value(v, u) for v, u in zip(scorecard[col], scorecard["unit"], strict=True)
        ]
    table = table.drop(columns=[SCORECARD_COLUMNS["unit"][pos]])
    title = (
        f"# {city} 养老服务设施评估" if language == "zh" else f"# {city}: elderly-care scorecard"
    )
    header = "| " + " | ".join(table.columns) + " |"
    rule = "|" + "---|" * len(table.columns)
    body = [
        "| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |"
        for row in table.itertuples(index=False)
    ]
    return "\n".join([title, "", header, rule, *body]) + "\n"


def format_value(value: float, unit: str) -> str:
    """Format an indicator value for people: 0.694 share -> '69.4%', 2456 m2 -> '2,456 ㎡'."""
    if unit == "share":
        return f"{100 * value:.1f}%"
    if unit == "m2":
        return f"{value:,.0f} ㎡"
    return f"{value:,.1f}"
