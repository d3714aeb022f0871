"""Read facilities, communities, entrances, subdistricts and candidate sites into WGS84 frames.

Reads CSV (lon/lat columns), XLSX, GeoJSON, GeoPackage and Shapefile (GBK DBF
included); maps the user's headers (Chinese or English) to the tool's column names;
converts GCJ-02 and BD-09 to WGS84; and checks everything a planner's file can get
wrong, collecting all findings before raising one ``LayerError``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely.validation import explain_validity

from .._errors import ROW_COL, Finding, LayerError
from ..config import CityConfig, FacilityLayerConfig, LayerConfig
from ..standards import FACILITY_TYPES, closest_type_word
from ..utils import log
from .files import read_vector, reproject_to_wgs84
from .osm_layers import communities_from_osm, facilities_from_osm

ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "编号", "序号", "代码", "编码", "fid", "objectid", "设施编号", "小区编号"),
    "name": (
        "name",
        "名称",
        "机构名称",
        "设施名称",
        "小区名称",
        "社区名称",
        "街道名称",
        "站点名称",
        "嘎查村名称",
        "村名称",
        "苏木乡镇名称",
        "乡镇名称",
    ),
    "type": ("type", "类型", "设施类型", "机构类型", "类别"),
    "floor_area_m2": ("floor_area_m2", "floor_area", "建筑面积", "面积", "用房面积"),
    "beds": ("beds", "床位", "床位数", "床位数量"),
    "nursing_beds": ("nursing_beds", "护理床位", "护理型床位", "护理型床位数"),
    "households": ("households", "户数", "住户数", "总户数", "户籍户数"),
    "population": ("population", "人口", "常住人口", "人口数", "总人口"),
    "elderly": ("elderly", "老年人口", "60岁以上人口", "老年人数", "老人数", "60岁以上老人"),
    "subdistrict": ("subdistrict", "街道", "所属街道", "街道办事处", "街道（乡镇）"),
    "facility_land_m2": ("facility_land_m2", "养老设施用地面积", "养老用地面积", "养老设施用地"),
    "facility_area_m2": (
        "facility_area_m2",
        "养老用房面积",
        "配套养老面积",
        "养老设施面积",
        "配建养老面积",
    ),
    "community_id": ("community_id", "所属小区", "小区id", "所属小区编号"),
    "lon": ("lon", "lng", "longitude", "经度", "x"),
    "lat": ("lat", "latitude", "纬度", "y"),
}


COLUMN_LABELS: dict[str, tuple[str, str]] = {
    "id": ("编号", "id"),
    "name": ("名称", "name"),
    "type": ("类型", "type"),
    "floor_area_m2": ("建筑面积（㎡）", "floor area (m²)"),
    "beds": ("床位数", "beds"),
    "nursing_beds": ("护理型床位数", "nursing beds"),
    "households": ("户数", "households"),
    "population": ("常住人口", "population"),
    "elderly": ("60岁以上人口", "elderly (60+)"),
    "subdistrict": ("所属街道", "subdistrict"),
    "facility_land_m2": ("养老设施用地面积（㎡）", "land for elderly facilities (m²)"),
    "facility_area_m2": ("养老用房面积（㎡）", "elderly-service floor area (m²)"),
    "community_id": ("所属小区编号", "compound id"),
    "lon": ("经度", "longitude"),
    "lat": ("纬度", "latitude"),
}
"""What each tool column is called in the workbench's column choices."""


@dataclass(frozen=True)
class LayerSpec:
    """What one layer must and may hold."""

    kind: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    numeric: tuple[str, ...]
    geometry: tuple[str, ...]


SPECS: dict[str, LayerSpec] = {
    "facilities": LayerSpec(
        "facilities",
        ("name", "type"),
        ("id", "floor_area_m2", "beds", "nursing_beds"),
        ("floor_area_m2", "beds", "nursing_beds"),
        ("Point",),
    ),
    "communities": LayerSpec(
        "communities",
        ("name", "households"),
        ("id", "population", "elderly", "subdistrict", "facility_land_m2", "facility_area_m2"),
        ("households", "population", "elderly", "facility_land_m2", "facility_area_m2"),
        ("Polygon", "MultiPolygon", "Point"),
    ),
    "entrances": LayerSpec(
        "entrances", ("community_id",), ("id", "households"), ("households",), ("Point",)
    ),
    "subdistricts": LayerSpec("subdistricts", ("name",), ("id",), (), ("Polygon", "MultiPolygon")),
    "candidates": LayerSpec(
        "candidates", ("id",), ("name",), (), ("Point", "Polygon", "MultiPolygon")
    ),
    "villages": LayerSpec(
        "villages",
        ("name",),
        ("id", "population", "elderly"),
        ("population", "elderly"),
        ("Point", "Polygon", "MultiPolygon"),
    ),
    "townships": LayerSpec("townships", ("name",), ("id",), (), ("Polygon", "MultiPolygon")),
}

MAX_FINDINGS_PER_COLUMN = 20


@dataclass(frozen=True)
class Layers:
    """All input layers of a city in WGS84 (EPSG:4326), columns renamed to the tool's names."""

    facilities: gpd.GeoDataFrame
    communities: gpd.GeoDataFrame
    entrances: gpd.GeoDataFrame | None = None
    subdistricts: gpd.GeoDataFrame | None = None
    candidates: gpd.GeoDataFrame | None = None
    villages: gpd.GeoDataFrame | None = None
    townships: gpd.GeoDataFrame | None = None
    warnings: tuple[Finding, ...] = ()
    """Plausibility warnings found while reading (the run goes on and reports them)."""

    def to_crs(self, crs: object) -> Layers:
        """Return a copy of every layer reprojected to ``crs``."""
        frames = {
            name: (None if gdf is None else gdf.to_crs(crs))
            for name, gdf in self.__dict__.items()
            if name != "warnings"
        }
        return Layers(**frames, warnings=self.warnings)


def _normalise(header: str) -> str:
    """Lower-case, drop spaces and a trailing unit in brackets: '建筑面积（㎡）' -> '建筑面积'."""
    text = str(header).strip().lower().replace(" ", "").replace("_", "")
    return re.split(r"[(（\[【]", text, maxsplit=1)[0]


def _read_table(path: Path, cfg: LayerConfig) -> pd.DataFrame:
    """Read a CSV or XLSX file; CSV is tried as UTF-8 (with or without BOM), then GBK."""
    if path.suffix.lower() in {".xlsx", ".xlsm", ".xls"}:
        return pd.read_excel(path, sheet_name=cfg.sheet or 0, dtype=object)
    encodings = [cfg.encoding] if cfg.encoding else ["utf-8-sig", "gbk"]
    for i, encoding in enumerate(encodings):
        try:
            return pd.read_csv(path, encoding=encoding, dtype=object, skipinitialspace=True)
        except UnicodeDecodeError:
            if i == len(encodings) - 1:
                raise
    raise AssertionError  # pragma: no cover


def _map_columns(
    frame: pd.DataFrame, cfg: LayerConfig, spec: LayerSpec, file: str
) -> tuple[dict[str, str], list[Finding]]:
    """Return tool column -> user header for every column found, and findings for the missing."""
    headers = [str(c) for c in frame.columns if c != "geometry"]
    by_norm = {_normalise(h): h for h in headers}
    findings: list[Finding] = []
    mapping: dict[str, str] = {}
    wanted = list(spec.required) + list(spec.optional)
    if not isinstance(frame, gpd.GeoDataFrame):
        wanted += ["lon", "lat"]
    for canonical, header in cfg.columns.items():
        if canonical not in ALIASES:
            findings.append(
                Finding(
                    file,
                    None,
                    header,
                    f"config maps unknown tool column '{canonical}'; known: {', '.join(wanted)}",
                )
            )
        elif header not in headers:
            close = difflib.get_close_matches(header, headers, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            findings.append(
                Finding(
                    file,
                    None,
                    header,
                    f"column '{header}' (configured for '{canonical}') is not in the file; "
                    f"the file has: {', '.join(headers)}.{hint}",
                    f"文件中没有列“{header}”（用作 {canonical}）；文件的列为：{'、'.join(headers)}",
                )
            )
        else:
            mapping[canonical] = header
    for canonical in wanted:
        if canonical in mapping or canonical in cfg.columns:
            continue
        found = next(
            (by_norm[_normalise(a)] for a in ALIASES[canonical] if _normalise(a) in by_norm), None
        )
        if found is not None:
            mapping[canonical] = found
        elif canonical in spec.required or canonical in {"lon", "lat"}:
            close = difflib.get_close_matches(canonical, headers, n=1) or difflib.get_close_matches(
                ALIASES[canonical][1], headers, n=1, cutoff=0.3
            )
            hint = f"; did you mean '{close[0]}'?" if close else ""
            findings.append(
                Finding(
                    file,
                    None,
                    None,
                    f"required column '{canonical}' ({'/'.join(ALIASES[canonical][1:3])}) not "
                    f"found; the file has: {', '.join(headers)}{hint}. Rename the header or "
                    f"add 'columns: {{{canonical}: <your header>}}' to this layer in the config",
                    f"缺少必需的列“{COLUMN_LABELS.get(canonical, (canonical,))[0]}”"
                    f"（{'/'.join(ALIASES[canonical][1:3])}）；文件的列为：{'、'.join(headers)}。"
                    "请在页面的列对应中选择，或修改表头",
                )
            )
    return mapping, findings


NO_DATA_WORDS = ("暂无", "无数据", "未知", "不详", "待定", "-", "—", "--", "/", "N/A", "n/a", "NA")
"""Cell texts real lists use for "not known": read as an empty cell (no data), not a typo."""

UNKNOWN_ALLOWED = ("households",)
"""Required columns whose empty, zero or 暂无 cells make that row "no data" instead of an error."""


def _blank(values: pd.Series) -> pd.Series:
    """True where a cell is empty: missing, NaN, only spaces or a no-data word (暂无, -, …)."""
    text = values.map(lambda v: "" if pd.isna(v) else str(v).strip())
    return text.isin(["", "nan", "NaN", "None", "<NA>", *NO_DATA_WORDS])


def _check_numeric(
    frame: pd.DataFrame,
    columns: list[str],
    rows: np.ndarray,
    file: str,
    headers: dict[str, str],
    required: tuple[str, ...] = (),
) -> tuple[pd.DataFrame, list[Finding]]:
    """Convert numeric columns; report text that is not a number, negatives, required blanks."""
    findings: list[Finding] = []
    out = frame.copy()
    for col in columns:
        if col not in out:
            continue
        raw = out[col]
        blank = _blank(raw)
        text = raw.map(lambda v: "" if pd.isna(v) else str(v).replace(",", "").strip())
        values = pd.to_numeric(text.where(~blank), errors="coerce").astype(float)
        bad = np.flatnonzero((values.isna() & ~blank).to_numpy())
        neg = np.flatnonzero((values < 0).to_numpy())
        empty = np.flatnonzero(blank.to_numpy()) if col in required else np.array([], int)
        for kind, idx in (("not a number", bad), ("negative", neg), ("empty", empty)):
            mask = np.zeros(len(out), dtype=bool)
            mask[idx] = True
            findings += findings_where(
                mask,
                rows,
                file,
                headers[col],
                partial(_number_problem, raw, kind),
                partial(_number_problem_zh, raw, kind),
            )
        out[col] = values
    return out, findings


def _number_problem(raw: pd.Series, kind: str, i: int) -> str:
    """What is wrong with row position ``i`` of a numeric column, and how to fix it."""
    shown = "the cell is empty" if kind == "empty" else f"value {raw.iloc[i]!r} is {kind}"
    required = "; this column is required in every row" if kind == "empty" else ""
    return f"{shown}; enter a number ≥ 0 (no units or text such as '约300户'){required}"


def _number_problem_zh(raw: pd.Series, kind: str, i: int) -> str:
    """``_number_problem`` in Chinese."""
    if kind == "empty":
        shown = "单元格为空"
    else:
        shown = f"数值 {raw.iloc[i]!r} " + ("不是数字" if kind == "not a number" else "为负数")
    required = "；此列每行都必须填写" if kind == "empty" else ""
    return f"{shown}：请填写不小于0的数字（不带单位，不写“约300户”之类的文字）{required}"


def _points_from_table(
    frame: pd.DataFrame, rows: np.ndarray, file: str, headers: dict[str, str], coords: str
) -> tuple[np.ndarray, np.ndarray, list[Finding]]:
    """Return x/y arrays and findings for missing, swapped or implausible coordinates."""
    findings: list[Finding] = []
    column = f"{headers['lon']}/{headers['lat']}"
    x = pd.to_numeric(frame["lon"], errors="coerce").to_numpy(dtype=float)
    y = pd.to_numeric(frame["lat"], errors="coerce").to_numpy(dtype=float)
    for i in np.flatnonzero(np.isnan(x) | np.isnan(y))[:MAX_FINDINGS_PER_COLUMN]:
        findings.append(
            Finding(
                file,
                int(rows[i]),
                column,
                f"coordinates missing or not numbers ({frame['lon'].iloc[i]!r}, "
                f"{frame['lat'].iloc[i]!r}); give decimal degrees",
                f"坐标缺失或不是数字（{frame['lon'].iloc[i]!r}，{frame['lat'].iloc[i]!r}）："
                "请填写十进制度数的经纬度",
            )
        )
    findings += coordinate_findings(x, y, rows, file=file, column=column, coords=coords)
    return x, y, findings


def findings_where(
    mask: np.ndarray,
    rows: np.ndarray,
    file: str,
    column: str,
    message: Callable[[int], str],
    message_zh: Callable[[int], str] | None = None,
) -> list[Finding]:
    """One finding per row where ``mask`` holds (at most ``MAX_FINDINGS_PER_COLUMN``, then a count).

    Parameters
    ----------
    mask
        Which rows have the problem.
    rows
        Each row's number as the user sees it.
    file, column
        Where the problem is.
    message
        Text for row position ``i``.
    message_zh
        The same in Chinese, or None.

    Returns
    -------
    list of Finding
        The findings, with a closing "… and N more" when there are too many to list.
    """
    hits = np.flatnonzero(mask)
    found = [
        Finding(file, int(rows[i]), column, message(i), message_zh(i) if message_zh else "")
        for i in hits[:MAX_FINDINGS_PER_COLUMN]
    ]
    if len(hits) > MAX_FINDINGS_PER_COLUMN:
        extra = len(hits) - MAX_FINDINGS_PER_COLUMN
        more = f"……另有 {extra} 行同样的问题"
        found.append(Finding(file, None, column, f"… and {extra} more such rows", more))
    return found


CHINA_LON = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)


def _declared_crs(coords: str, file_crs: object = None) -> pyproj.CRS:
    """The CRS a layer's raw coordinates are in: the declared EPSG, else the file's or WGS84."""
    if coords.startswith("EPSG:"):
        return pyproj.CRS.from_user_input(coords)
    if coords == "wgs84" and file_crs is not None:
        return pyproj.CRS.from_user_input(file_crs)
    return pyproj.CRS.from_epsg(4326)


def coordinate_findings(
    x: np.ndarray,
    y: np.ndarray,
    rows: np.ndarray,
    *,
    file: str,
    column: str,
    coords: str,
    file_crs: object = None,
) -> list[Finding]:
    """Report coordinates that are swapped, not degrees, or outside the declared system.

    The same rules apply to table columns and to GIS files: degrees must lie in
    range and, for GCJ-02/BD-09 (Chinese systems), inside China; longitude and
    latitude that fit only when exchanged are reported as swapped; numbers in
    projected metres must fall in the declared EPSG system's area of use. Valid
    points far north (Helsinki, 60° N) are not flagged.

    Parameters
    ----------
    x, y
        Coordinates as in the file (longitude/latitude or easting/northing).
    rows
        Row (feature) number of each point as the user sees it.
    file, column
        Where the points come from, for the message.
    coords
        The declared system: "wgs84", "gcj02", "bd09" or "EPSG:<code>".
    file_crs
        The CRS the GIS file itself declares (used with ``coords: wgs84``).

    Returns
    -------
    list of Finding
        At most ``MAX_FINDINGS_PER_COLUMN`` per kind of problem.
    """
    ok = np.isfinite(x) & np.isfinite(y)
    crs = _declared_crs(coords, file_crs)
    findings: list[Finding] = []

    def report(
        mask: np.ndarray,
        message: Callable[[float, float], str],
        zh: Callable[[float, float], str] | None = None,
    ) -> None:
        chinese = (lambda i: zh(float(x[i]), float(y[i]))) if zh else None
        findings.extend(
            findings_where(mask, rows, file, column, lambda i: message(x[i], y[i]), chinese)
        )

    if crs.is_geographic:
        china = coords in {"gcj02", "bd09"}
        in_range = (np.abs(x) <= 180) & (np.abs(y) <= 90)
        fits_china = _between(x, CHINA_LON) & _between(y, CHINA_LAT)
        swapped_fits_china = _between(y, CHINA_LON) & _between(x, CHINA_LAT)
        swapped = ok & ~fits_china & swapped_fits_china & (~in_range | china | (np.abs(y) > 72))
        swapped |= ok & ~in_range & ~swapped & (np.abs(x) <= 90) & (np.abs(y) <= 180)
        report(
            swapped,
            lambda a, b: (
                f"longitude {a} and latitude {b} look swapped (in China longitude "
                "is 73–135 and latitude 18–54); exchange the two columns or fix the "
                "'columns: {lon: …, lat: …}' mapping"
            ),
            lambda a, b: (
                f"经度 {a}、纬度 {b} 疑似填反（我国经度约73–135、纬度约18–54）：请交换两列，"
                "或在页面的列对应中改正"
            ),
        )
        projected = ok & ~swapped & ~in_range
        report(
            projected,
            lambda a, b: (
                f"({a}, {b}) is not a longitude/latitude in degrees; if the file "
                "holds projected metres set 'coords: EPSG:<code>' for this layer (e.g. EPSG:4547, "
                "CGCS2000 3° Gauss-Krüger CM 114°E) or give the file its .prj"
            ),
            lambda a, b: (
                f"（{a}，{b}）不是以度为单位的经纬度：若为投影坐标（米），请注明其坐标系"
                "（如 EPSG:4547）或附上 .prj 文件"
            ),
        )
        outside = ok & ~swapped & ~projected & ~fits_china if china else np.zeros_like(ok)
        report(
            outside,
            lambda a, b: (
                f"({a}, {b}) is outside China, but the layer is declared {coords} "
                "(used only for Chinese map services); check the coordinates or 'coords:'"
            ),
            lambda a, b: f"（{a}，{b}）在我国境外，但坐标系选为 {coords}：请检查坐标或坐标系",
        )
    else:
        area = crs.area_of_use
        if area is not None:
            to_wgs = pyproj.Transformer.from_crs(crs, 4326, always_xy=True)
            lon, lat = to_wgs.transform(x, y)
            margin = 1.0
            inside = (
                np.isfinite(lon)
                & (lon >= area.west - margin)
                & (lon <= area.east + margin)
                & (lat >= area.south - margin)
                & (lat <= area.north + margin)
            )
            report(
                ok & ~inside,
                lambda a, b: (
                    f"({a}, {b}) lies outside the area of {crs.name} "
                    f"({area.west:g}–{area.east:g}°E, {area.south:g}–{area.north:g}°N); check the "
                    "EPSG code in 'coords:' (Gauss-Krüger codes 4513–4533 have the zone number in "
                    "front of the easting, 4534–4554 do not) and the column order"
                ),
            )
    return findings


def _between(values: np.ndarray, bounds: tuple[float, float]) -> np.ndarray:
    return (values >= bounds[0]) & (values <= bounds[1])


def _feature_xy(gdf: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """One representative coordinate per feature (its bounding-box centre); NaN when empty."""
    bounds = shapely.bounds(gdf.geometry.to_numpy())
    return (bounds[:, 0] + bounds[:, 2]) / 2, (bounds[:, 1] + bounds[:, 3]) / 2


def _check_geometries(gdf: gpd.GeoDataFrame, spec: LayerSpec, file: str) -> list[Finding]:
    """Report empty, invalid or wrongly typed geometries by feature."""
    findings: list[Finding] = []
    rows = gdf[ROW_COL].to_numpy()
    geoms = gdf.geometry.to_numpy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    for i in np.flatnonzero(missing)[:MAX_FINDINGS_PER_COLUMN]:
        findings.append(Finding(file, int(rows[i]), "geometry", "geometry is empty; draw it"))
    present = ~missing
    types = np.array(shapely.get_type_id(geoms))
    names = np.array(
        [
            "Point",
            "LineString",
            "LinearRing",
            "Polygon",
            "MultiPoint",
            "MultiLineString",
            "MultiPolygon",
            "GeometryCollection",
        ]
    )
    for i in np.flatnonzero(present & ~np.isin(names[np.clip(types, 0, 7)], spec.geometry)):
        findings.append(
            Finding(
                file,
                int(rows[i]),
                "geometry",
                f"geometry is a {names[types[i]]}; {spec.kind} must be "
                f"{' or '.join(spec.geometry)}",
            )
        )
    invalid = present & ~shapely.is_valid(geoms)
    for i in np.flatnonzero(invalid)[:MAX_FINDINGS_PER_COLUMN]:
        findings.append(
            Finding(
                file,
                int(rows[i]),
                "geometry",
                f"invalid geometry ({explain_validity(geoms[i])}); repair it in QGIS "
                "(Vector ▸ Geometry Tools ▸ Fix Geometries) or ArcGIS (Repair Geometry)",
            )
        )
    return findings


def _check_ids(gdf: pd.DataFrame, file: str, header: str) -> list[Finding]:
    """Report duplicate ids, naming the row that first used each."""
    findings: list[Finding] = []
    blank = _blank(gdf["id"])
    ids = gdf["id"].map(lambda v: "" if pd.isna(v) else str(v).strip())
    first_row = dict(zip(ids[~ids.duplicated()], gdf[ROW_COL][~ids.duplicated()], strict=True))
    for i in np.flatnonzero((ids.duplicated() & ~blank).to_numpy())[:MAX_FINDINGS_PER_COLUMN]:
        findings.append(
            Finding(
                file,
                int(gdf[ROW_COL].iloc[i]),
                header,
                f"duplicate id {ids.iloc[i]!r} (first used in row {first_row[ids.iloc[i]]}); "
                "ids must be unique",
                f"编号 {ids.iloc[i]!r} 重复（第 {first_row[ids.iloc[i]]} 行已用）：编号不能重复",
            )
        )
    for i in np.flatnonzero(blank.to_numpy())[:MAX_FINDINGS_PER_COLUMN]:
        findings.append(
            Finding(
                file,
                int(gdf[ROW_COL].iloc[i]),
                header,
                "id is empty; give every row its own id (e.g. the row number)",
                "编号为空：请为每行填写各自的编号（例如行号）",
            )
        )
    return findings


def type_words() -> dict[str, str]:
    """Every word the tool reads as a facility type (keys, labels, aliases) -> type key."""
    words: dict[str, str] = {}
    for key, ftype in FACILITY_TYPES.items():
        words[key] = key
        words[ftype.label_zh] = key
        words[ftype.label_en.lower()] = key
        for alias in ftype.aliases:
            words[alias] = key
    return words


@dataclass(frozen=True)
class LayerPreview:
    """The first rows of an input file and how the tool would read its columns.

    Attributes
    ----------
    headers
        The file's column headers (geometry excluded).
    rows
        The first rows, as text.
    columns
        Tool column -> the header the tool would use (same rules as a run).
    wanted
        Tool columns this layer may hold, required first.
    required
        The required ones.
    type_words
        For facilities: each distinct word of the type column -> the tool type it reads
        as ("" when unknown).
    findings
        What keeps the file from being read as it is (missing columns, unreadable).
    """

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    columns: dict[str, str]
    wanted: tuple[str, ...]
    required: tuple[str, ...]
    type_words: dict[str, str]
    findings: tuple[Finding, ...]


def preview_layer(kind: str, cfg: LayerConfig, *, n_rows: int = 5) -> LayerPreview:
    """Read an input file's first rows and guess its columns as a run would.

    Parameters
    ----------
    kind
        One of ``config.LAYER_KINDS``.
    cfg
        The layer's config (path, encoding, sheet, columns given so far).
    n_rows
        Rows to return.

    Returns
    -------
    LayerPreview
        Headers, first rows, the guessed columns and any findings.
    """
    spec = SPECS[kind]
    try:
        frame, is_table = _read_frame(kind, _file_of(kind, cfg), cfg)
    except LayerError as exc:
        return LayerPreview((), (), {}, (), spec.required, {}, tuple(exc.findings))
    mapping, findings = _map_columns(frame, cfg, spec, str(cfg.path))
    headers = tuple(str(c) for c in frame.columns if c != "geometry")
    head = frame[list(headers)].head(n_rows)
    rows = tuple(tuple("" if pd.isna(v) else str(v) for v in row) for row in head.to_numpy())
    wanted = tuple(spec.required) + tuple(spec.optional) + (("lon", "lat") if is_table else ())
    words: dict[str, str] = {}
    if kind == "facilities" and "type" in mapping:
        known = type_words() | dict(getattr(cfg, "types", {}))
        for value in frame[mapping["type"]].dropna().astype(str).str.strip().unique()[:200]:
            words[value] = known.get(value, known.get(value.lower(), ""))
    return LayerPreview(headers, rows, mapping, wanted, spec.required, words, tuple(findings))


def _map_types(
    gdf: gpd.GeoDataFrame, cfg: FacilityLayerConfig | LayerConfig, file: str, header: str
) -> tuple[gpd.GeoDataFrame, list[Finding]]:
    """Map the city's facility-type words to tool type keys; report words nobody knows."""
    words = dict(type_words())
    words.update(getattr(cfg, "types", {}))
    raw = gdf["type"].map(lambda v: "" if pd.isna(v) else str(v).strip())
    mapped = raw.map(lambda w: words.get(w, words.get(w.lower())))
    findings = [
        Finding(
            file,
            int(gdf[ROW_COL].iloc[i]),
            header,
            "facility type is empty; fill in one of "
            f"{'、'.join(t.label_zh for t in FACILITY_TYPES.values())}",
            f"设施类型为空：请填写 {'、'.join(t.label_zh for t in FACILITY_TYPES.values())} 之一",
        )
        for i in np.flatnonzero((raw == "").to_numpy())[:MAX_FINDINGS_PER_COLUMN]
    ]
    for i in np.flatnonzero((mapped.isna() & (raw != "")).to_numpy())[:MAX_FINDINGS_PER_COLUMN]:
        word = raw.iloc[i]
        closest = closest_type_word(word)
        hint = f"did you mean {closest!r} ({words[closest]})? " if closest else ""
        findings.append(
            Finding(
                file,
                int(gdf[ROW_COL].iloc[i]),
                header,
                f"unknown facility type {word!r}; {hint}use one of "
                f"{'、'.join(t.label_zh for t in FACILITY_TYPES.values())}, or map it in the "
                f"config: 'types: {{{word}: <{'|'.join(FACILITY_TYPES)}>}}'",
                f"未知的设施类型 {word!r}："
                + (f"是否为“{closest}”？" if closest else "")
                + "请在页面的类型对应中选择，或改为已知类型",
            )
        )
    out = gdf.copy()
    out["type_label"] = raw
    out["type"] = mapped
    return out, findings


def read_layer(kind: str, cfg: LayerConfig) -> gpd.GeoDataFrame:
    """Read and check one input layer.

    Parameters
    ----------
    kind
        One of ``config.LAYER_KINDS``.
    cfg
        The layer's config (path, coordinate system, column mapping).

    Returns
    -------
    geopandas.GeoDataFrame
        The layer in WGS84 (EPSG:4326) with the tool's column names, numeric columns
        as floats, and ``source_row`` giving each feature's row in the file.

    Raises
    ------
    LayerError
        With every problem found, each naming file, row and column.
    """
    return _read_layer(kind, cfg)[0]


def _file_of(kind: str, cfg: LayerConfig) -> Path:
    """The file a layer is read from (the config gives every layer read one)."""
    if cfg.path is None:
        msg = f"layers.{kind} has no file; set its path"
        raise LayerError([Finding("config", None, f"layers.{kind}.path", msg)])
    return Path(cfg.path)


def _read_layer(kind: str, cfg: LayerConfig) -> tuple[gpd.GeoDataFrame, dict[str, str]]:
    """``read_layer`` that also returns tool column -> the user's header."""
    spec = SPECS[kind]
    path = _file_of(kind, cfg)
    file = str(path)
    frame, is_table = _read_frame(kind, path, cfg)
    rows = np.arange(len(frame)) + (2 if is_table else 1)
    mapping, findings = _map_columns(frame, cfg, spec, file)
    if findings:
        raise LayerError(findings)
    headers = dict(mapping)
    # a column already named like a tool column that another header maps to is not used
    shadowed = [k for k, v in mapping.items() if k in frame.columns and v != k]
    renamed = frame.drop(columns=shadowed).rename(columns={v: k for k, v in mapping.items()})
    keep = [c for c in [*spec.required, *spec.optional] if c in renamed]
    must_have = tuple(c for c in spec.required if c not in UNKNOWN_ALLOWED)
    renamed, num_findings = _check_numeric(
        renamed, list(spec.numeric), rows, file, headers, required=must_have
    )
    findings += num_findings
    file_crs = None
    if is_table:
        x, y, coord_findings = _points_from_table(renamed, rows, file, headers, cfg.coords)
        findings += coord_findings
        gdf = gpd.GeoDataFrame(renamed[keep], geometry=gpd.points_from_xy(x, y), crs=None)
    else:
        file_crs = frame.crs
        gdf = gpd.GeoDataFrame(renamed[keep], geometry=renamed.geometry.to_numpy(), crs=None)
    gdf[ROW_COL] = rows
    gdf = gdf.reset_index(drop=True)
    if not is_table:
        geometry_findings = _check_geometries(gdf, spec, file)
        findings += geometry_findings
        if not geometry_findings:
            x, y = _feature_xy(gdf)
            findings += coordinate_findings(
                x, y, rows, file=file, column="geometry", coords=cfg.coords, file_crs=file_crs
            )
    gdf, value_findings = _check_values(kind, gdf, cfg, file, headers)
    findings += value_findings
    if findings:
        raise LayerError(findings)
    gdf["id"] = gdf["id"].astype(str)
    if "name" in gdf:
        gdf["name"] = gdf["name"].fillna("").astype(str)
    for col in spec.numeric:
        if col not in gdf:
            gdf[col] = np.nan
    gdf = reproject_to_wgs84(gdf, cfg.coords, file_crs)
    log(f"{kind}: {len(gdf):,} features from {path.name}")
    return gdf, headers


def _read_frame(kind: str, path: Path, cfg: LayerConfig) -> tuple[pd.DataFrame, bool]:
    """Read the file as a table or GIS layer; a missing, unreadable or empty file is an error."""
    file = str(path)
    if not path.exists():
        msg = f"{kind} file not found; check layers.{kind}.path in the config"
        raise LayerError([Finding(file, None, None, msg)])
    is_table = path.suffix.lower() in {".csv", ".txt", ".xlsx", ".xlsm", ".xls"}
    try:
        frame = _read_table(path, cfg) if is_table else read_vector(path, encoding=cfg.encoding)
    except Exception as exc:  # any reader failure becomes a located finding
        raise LayerError([Finding(file, None, None, f"cannot read the file ({exc})")]) from None
    if len(frame) == 0:
        msg = f"the {kind} layer is empty; it needs at least one row"
        raise LayerError([Finding(file, None, None, msg)])
    return frame, is_table


def _check_values(
    kind: str, gdf: gpd.GeoDataFrame, cfg: LayerConfig, file: str, headers: dict[str, str]
) -> tuple[gpd.GeoDataFrame, list[Finding]]:
    """Check ids, facility types and elderly counts; fill ids where the layer has none."""
    findings: list[Finding] = []
    if "id" in gdf:
        findings += _check_ids(gdf, file, headers["id"])
    else:  # no id column: each row is named by its row number (plausibility_warnings says so)
        gdf["id"] = [f"{kind[:3]}-{r}" for r in gdf[ROW_COL]]
    for col in UNKNOWN_ALLOWED:  # 0 households is a list's way of saying "not known"
        if col in gdf:
            gdf[col] = gdf[col].where(gdf[col] != 0)
    if kind == "facilities":
        gdf, type_findings = _map_types(gdf, cfg, file, headers["type"])
        findings += type_findings
    return gdf, findings


MAX_PLAUSIBLE_HOUSEHOLDS = 30_000
"""More households than this in one compound or community is almost surely a typo or a unit."""
MAX_PLAUSIBLE_ELDERLY = 50_000
"""More residents aged 60+ than this in one compound or community is almost surely an error."""


def plausibility_warnings(
    kind: str, gdf: gpd.GeoDataFrame, file: str, headers: dict[str, str]
) -> list[Finding]:
    """Values that are possible but unlikely enough that a planner should look at them.

    These are warnings, not errors: the run goes on and reports them with the
    results. Every layer: rows without a name. Communities: households or elderly far
    beyond any real compound, elderly above population, and different communities at the
    same location.

    Parameters
    ----------
    kind
        The layer kind.
    gdf
        The layer as read (tool column names, ``source_row``).
    file
        The layer's file.
    headers
        Tool column -> the user's header.

    Returns
    -------
    list of Finding
        One per suspicious row (at most ``MAX_FINDINGS_PER_COLUMN`` per check).
    """
    notes = _Notes(gdf[ROW_COL].to_numpy(), file, headers)
    if "name" in gdf and "id" in gdf:  # every layer: a row without a name is shown by its id
        ids = gdf["id"].astype(str).to_numpy()
        notes.add(
            _blank(gdf["name"]).to_numpy(),
            "name",
            lambda i: f"the name is empty; {ids[i]} is listed by its id until you fill it in",
            lambda i: f"名称为空：在填写前以编号 {ids[i]} 列出",
        )
    if "id" not in headers and kind in ("facilities", "communities", "villages"):
        notes.found.append(
            Finding(
                file,
                None,
                None,
                f"no id column (编号); each row is identified by its row number "
                f"({kind[:3]}-2, {kind[:3]}-3 …); add an id column to keep ids stable "
                "between this year's list and next year's",
                f"没有编号列：各行以行号标识（{kind[:3]}-2、{kind[:3]}-3 …）；"
                "请加一列编号，使今年与明年的名单能对应",
            )
        )
    if kind == "communities":
        _compound_notes(gdf, notes)
    return notes.found


@dataclass
class _Notes:
    """Warnings about rows of one layer, collected with ``findings_where``'s cap."""

    rows: np.ndarray
    file: str
    headers: dict[str, str]
    found: list[Finding] = field(default_factory=list)

    def add(
        self,
        mask: np.ndarray,
        column: str,
        message: Callable[[int], str],
        zh: str | Callable[[int], str] = "",
    ) -> None:
        """One warning per row where ``mask`` holds (``zh``: the Chinese text or its maker)."""
        chinese = zh if callable(zh) else ((lambda _: zh) if zh else None)
        self.found.extend(
            findings_where(
                mask, self.rows, self.file, self.headers.get(column, column), message, chinese
            )
        )


def _compound_notes(gdf: gpd.GeoDataFrame, notes: _Notes) -> None:
    """Compounds: no households, implausible counts, elderly above population, one place twice."""
    rows = notes.rows
    add = notes.add
    hh = gdf["households"].to_numpy(dtype=float)
    add(
        np.isnan(hh),
        "households",
        lambda _: (
            "households empty, 0 or 暂无: this compound is no data (未提供数据) — drawn on the "
            "map, left out of every share; fill in its households"
        ),
        "户数为空、0或“暂无”：此小区按未提供数据处理——在地图上显示，不计入各项比例；请补充户数",
    )
    add(
        hh > MAX_PLAUSIBLE_HOUSEHOLDS,
        "households",
        lambda i: (
            f"{hh[i]:,.0f} households in one compound is far beyond any real one "
            f"(> {MAX_PLAUSIBLE_HOUSEHOLDS:,}); check for a typo or a column of persons"
        ),
        lambda i: (
            f"一个小区 {hh[i]:,.0f} 户，远超实际（> {MAX_PLAUSIBLE_HOUSEHOLDS:,}）："
            "请检查是否笔误或填成了人数"
        ),
    )
    if "elderly" in gdf:
        old = gdf["elderly"].to_numpy(dtype=float)
        add(
            old > MAX_PLAUSIBLE_ELDERLY,
            "elderly",
            lambda i: (
                f"{old[i]:,.0f} residents aged 60+ in one compound is far beyond any "
                f"real one (> {MAX_PLAUSIBLE_ELDERLY:,}); check for a typo"
            ),
        )
        if "population" in gdf:
            pop = gdf["population"].to_numpy(dtype=float)
            add(
                old > pop,
                "elderly",
                lambda i: (
                    f"elderly (60+) {old[i]:,.0f} exceeds population {pop[i]:,.0f}; "
                    "check the two columns"
                ),
                lambda i: f"60岁以上人口 {old[i]:,.0f} 多于常住人口 {pop[i]:,.0f}：请检查这两列",
            )
    keys = pd.Series(shapely.to_wkb(shapely.normalize(gdf.geometry.to_numpy())))
    first = dict(zip(keys[~keys.duplicated()], rows[~keys.duplicated().to_numpy()], strict=True))
    dup = (keys.duplicated() & keys.notna()).to_numpy()
    add(
        dup,
        "geometry",
        lambda i: (
            f"same location as row {first[keys.iloc[i]]} (a different community); "
            "check that each community has its own coordinates"
        ),
        lambda i: f"与第 {first[keys.iloc[i]]} 行（另一个小区）位置相同：请检查各小区坐标",
    )


def layers_from_config(config: CityConfig) -> Layers:
    """Read every layer of a city, collecting the findings of all layers before raising.

    Parameters
    ----------
    config
        The validated city config.

    Returns
    -------
    Layers
        Every layer in WGS84 (EPSG:4326).

    Raises
    ------
    LayerError
        With every problem in every layer.
    """
    frames: dict[str, gpd.GeoDataFrame | None] = {}
    findings: list[Finding] = []
    warnings: list[Finding] = []
    for kind in SPECS:
        cfg = getattr(config.layers, kind)
        if cfg is None:
            frames[kind] = None
            continue
        try:
            if cfg.source == "osm":
                frames[kind] = _read_osm_layer(kind, config.layer_path(kind), cfg)
            else:
                frames[kind], headers = _read_layer(kind, cfg)
                warnings += plausibility_warnings(kind, frames[kind], str(cfg.path), headers)
        except LayerError as exc:
            findings += exc.findings
    if findings:
        raise LayerError(findings)
    layers = Layers(**frames, warnings=tuple(warnings))
    _check_entrances(layers, str(config.layers.entrances.path) if config.layers.entrances else "")
    return layers


def _read_osm_layer(kind: str, path: Path, cfg: LayerConfig) -> gpd.GeoDataFrame:
    """Facilities or communities from an OSM file (see ``osm_layers``)."""
    if kind == "facilities":
        return facilities_from_osm(path, cfg.osm.rules)
    if kind == "communities":
        return communities_from_osm(path, cfg.osm)
    msg = f"layers.{kind} cannot come from OSM; only facilities and communities can"
    raise LayerError([Finding(str(path), None, None, msg)])


def _check_entrances(layers: Layers, file: str) -> None:
    """Every entrance must name a community that exists."""
    if layers.entrances is None:
        return
    known = set(layers.communities["id"])
    bad = ~layers.entrances["community_id"].astype(str).isin(known)
    if bad.any():
        raise LayerError(
            [
                Finding(
                    file,
                    int(r),
                    "community_id",
                    f"entrance names community {c!r}, which is not in the communities layer",
                )
                for r, c in zip(
                    layers.entrances.loc[bad, ROW_COL],
                    layers.entrances.loc[bad, "community_id"],
                    strict=True,
                )
            ][:MAX_FINDINGS_PER_COLUMN]
        )
